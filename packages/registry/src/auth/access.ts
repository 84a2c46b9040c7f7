import { z } from 'zod';

/** What a token may do to a resource; `*` stands for every action (docs/token-auth.md). */
export type Action = 'pull' | 'push' | 'delete' | '*';

/** The access one request needs. */
export type AccessRequest =
  | { type: 'repository'; name: string; actions: Action[] }
  | { type: 'registry'; name: 'catalog' | 'berth'; actions: ['*'] };

/**
 * One entry of a token's `access` claim. Types and actions stay open strings: an entry
 * this registry does not understand grants nothing, but does not make the token invalid.
 */
export const accessEntrySchema = z.object({
  type: z.string().min(1),
  name: z.string().min(1),
  actions: z.array(z.string().min(1)),
});
export type AccessEntry = z.infer<typeof accessEntrySchema>;

export interface CoverageOptions {
  /**
   * The request is a `/berth/v1/` extension API call: `registry:berth:*` covers it, and a
   * pull-only request is also covered by `repository:<name>:pull` or by
   * `repository:<prefix>/*:pull` for every name at or under `<prefix>`. A request for a
   * whole path prefix names it `<prefix>/*`.
   */
  extensionApi?: boolean;
}

/** The scope string of the token spec, e.g. `repository:acme/app:pull,push`. */
export function formatScope(request: AccessRequest): string {
  return `${request.type}:${request.name}:${request.actions.join(',')}`;
}

/** Whether `access` (a verified token's claim) allows every action of `request`. */
export function accessCovers(
  access: readonly AccessEntry[],
  request: AccessRequest,
  options: CoverageOptions = {},
): boolean {
  if (options.extensionApi) {
    if (access.some((entry) => isEntry(entry, 'registry', 'berth') && entry.actions.includes('*')))
      return true;
    if (request.type !== 'repository' || !request.actions.every((action) => action === 'pull')) return false;
    return access.some(
      (entry) =>
        entry.type === 'repository' &&
        (entry.actions.includes('pull') || entry.actions.includes('*')) &&
        (entry.name === request.name || isAtOrUnderPrefix(request.name, entry.name)),
    );
  }
  // Entries for the same resource add up, as in the reference implementation.
  const granted = new Set(
    access.filter((entry) => isEntry(entry, request.type, request.name)).flatMap((entry) => entry.actions),
  );
  return granted.has('*') || request.actions.every((action) => granted.has(action));
}

function isEntry(entry: AccessEntry, type: string, name: string): boolean {
  return entry.type === type && entry.name === name;
}

/** `name` (a repository, or a prefix written `<prefix>/*`) lies at or under the wildcard entry `<prefix>/*`. */
function isAtOrUnderPrefix(name: string, entryName: string): boolean {
  if (!entryName.endsWith('/*')) return false;
  const prefix = entryName.slice(0, -2);
  const bare = name.endsWith('/*') ? name.slice(0, -2) : name;
  return prefix.length > 0 && (bare === prefix || bare.startsWith(`${prefix}/`));
}

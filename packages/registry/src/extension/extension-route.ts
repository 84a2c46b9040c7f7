import type { AccessRequest } from '../auth/access.js';
import { registryError } from '../core/errors.js';
import { assertRepositoryName, assertTag } from '../core/names.js';

export const EXTENSION_PREFIX = '/berth/v1/';

export type ExtensionRoute =
  | { kind: 'base' }
  | { kind: 'repository-list'; prefix: string }
  | { kind: 'repository-names'; prefix: string }
  | { kind: 'repository'; name: string }
  | { kind: 'repository-id'; id: number }
  | { kind: 'tag-list'; name: string }
  | { kind: 'tag'; name: string; tag: string }
  | { kind: 'tags'; name: string };

/** Whether a raw request path belongs to the extension API (app.ts dispatches these here). */
export function isExtensionPath(path: string): boolean {
  return path === '/berth/v1' || path.startsWith(EXTENSION_PREFIX);
}

// Greedy `(.+)` for names, as in /v2/: a repository whose name ends in `/tags/list` is reached
// through its tag list, not its details. The trailing slash is optional (GitLab redirects to it).
const REPOSITORY_LIST = /^\/berth\/v1\/repository-paths\/(.+)\/repositories\/list\/?$/;
const REPOSITORY_NAMES = /^\/berth\/v1\/repository-paths\/(.+)\/repositories\/names\/?$/;
const TAG = /^\/berth\/v1\/repositories\/(.+)\/tags\/detail\/([^/]+)\/?$/;
const TAG_LIST = /^\/berth\/v1\/repositories\/(.+)\/tags\/list\/?$/;
const TAGS = /^\/berth\/v1\/repositories\/(.+)\/tags\/?$/;
const REPOSITORY = /^\/berth\/v1\/repositories\/(.+?)\/?$/;
const REPOSITORY_ID = /^\/berth\/v1\/repository-ids\/([1-9][0-9]{0,14})\/?$/;

/**
 * Maps a raw extension path (never decoded: `%2F` fails the name grammar) to a route.
 * `…/<name>/tags/` is the bulk tag delete only for DELETE; any other method reads it as the
 * repository `<name>/tags`. Throws NAME_INVALID / TAG_INVALID for bad names, UNSUPPORTED (404)
 * for paths outside the API.
 */
export function matchExtensionRoute(path: string, method: string): ExtensionRoute {
  if (path === '/berth/v1' || path === EXTENSION_PREFIX) return { kind: 'base' };
  let match = REPOSITORY_ID.exec(path);
  if (match) return { kind: 'repository-id', id: Number(match[1]) };
  match = REPOSITORY_LIST.exec(path);
  if (match) return { kind: 'repository-list', prefix: repositoryName(match[1]) };
  match = REPOSITORY_NAMES.exec(path);
  if (match) return { kind: 'repository-names', prefix: repositoryName(match[1]) };
  match = TAG.exec(path);
  if (match) {
    const tag = match[2] ?? '';
    assertTag(tag);
    return { kind: 'tag', name: repositoryName(match[1]), tag };
  }
  match = TAG_LIST.exec(path);
  if (match) return { kind: 'tag-list', name: repositoryName(match[1]) };
  match = method === 'DELETE' ? TAGS.exec(path) : null;
  if (match) return { kind: 'tags', name: repositoryName(match[1]) };
  match = REPOSITORY.exec(path);
  if (match) return { kind: 'repository', name: repositoryName(match[1]) };
  throw registryError('ENDPOINT_UNKNOWN', 'no such endpoint', { detail: { path: path.slice(0, 200) } });
}

function repositoryName(raw: string | undefined): string {
  const name = raw ?? '';
  assertRepositoryName(name);
  return name;
}

const ADMIN: AccessRequest = { type: 'registry', name: 'berth', actions: ['*'] };

/**
 * The access an extension call needs, checked with `accessCovers(…, { extensionApi: true })`:
 * reads of one repository take `repository:<name>:pull`, reads under a path prefix
 * `repository:<prefix>/*:pull`, and every write `registry:berth:*` (admin only: deploy and
 * job tokens never rename or bulk-delete). `undefined` (the base path): any valid token.
 */
export function extensionAccess(route: ExtensionRoute, method: string): AccessRequest | undefined {
  const read = method === 'GET' || method === 'HEAD';
  switch (route.kind) {
    case 'base':
      return undefined;
    case 'repository-list':
      // POST carries the scope of a list in its body: still a read.
      return read || method === 'POST'
        ? { type: 'repository', name: `${route.prefix}/*`, actions: ['pull'] }
        : ADMIN;
    case 'repository-names':
      return read ? { type: 'repository', name: `${route.prefix}/*`, actions: ['pull'] } : ADMIN;
    case 'repository-id':
      // An id names no path a token could be scoped to.
      return ADMIN;
    case 'repository':
    case 'tag-list':
    case 'tag':
      return read ? { type: 'repository', name: route.name, actions: ['pull'] } : ADMIN;
    case 'tags':
      return ADMIN;
  }
}

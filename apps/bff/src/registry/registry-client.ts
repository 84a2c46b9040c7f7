import {
  type OciImageConfig,
  ociImageConfigSchema,
  ociImageManifestSchema,
  ociIndexSchema,
  REGISTRY_NAMES_PAGE_MAX,
  REGISTRY_TOTAL_HEADER,
  type RegistryAccessEntry,
  type RegistryBulkTagDeleteResult,
  type RegistryRenameResult,
  type RegistryRepository,
  type RegistryRepositoryListRequest,
  type RegistryRepositoryPage,
  type RegistryTag,
  type RegistryTagPage,
  registryBulkTagDeleteResultSchema,
  registryErrorBodySchema,
  registryRenameResultSchema,
  registryRepositoryListSchema,
  registryRepositoryNamesSchema,
  registryRepositorySchema,
  registryTagListSchema,
  registryTagSchema,
} from '@berth/contract';
import { z } from 'zod';
import {
  AppError,
  badGateway,
  badRequest,
  conflict,
  RegistryRenameError,
  serviceUnavailable,
} from '../errors.js';
import { signRegistryToken } from '../token-service/jwt.js';
import type { SigningKey } from '../token-service/keys.js';

export interface RegistryClientOptions {
  /** Where the BFF reaches the registry (`REGISTRY_URL`). */
  baseUrl: URL;
  signingKey: SigningKey;
  /** `iss` of the tokens; the registry checks it against REGISTRY_AUTH_TOKEN_ISSUER. */
  issuer: string;
  /** `aud` of the tokens; the registry checks it against REGISTRY_AUTH_TOKEN_SERVICE. */
  service?: string;
  /** Every call gives up after this long and answers 503. */
  timeoutMs?: number;
  now?: () => Date;
}

export type SortDirection = 'asc' | 'desc';

export interface RepositoryListOptions {
  n: number;
  offset?: number;
  sort?: { field: 'name' | 'created_at' | 'updated_at'; direction: SortDirection };
  /** Substring of the path below the prefix. */
  filter?: string;
}

export interface TagListOptions {
  n: number;
  sort?: { field: 'name' | 'published_at'; direction: SortDirection };
  filter?: string;
  /** Exactly one way to say where the page starts: an offset, or a marker from a previous page. */
  offset?: number;
  last?: string;
  before?: string;
}

export interface Manifest {
  digest: string;
  mediaType: string;
  body: unknown;
}

/** The subject of the BFF's own registry tokens. */
const SUBJECT = 'berth-bff';
const ADMIN: RegistryAccessEntry = { type: 'registry', name: 'berth', actions: ['*'] };
const CATALOG: RegistryAccessEntry = { type: 'registry', name: 'catalog', actions: ['*'] };
const catalogSchema = z.object({ repositories: z.array(z.string()) });
const PAGE_MAX = 1000;
/** Image configurations are small JSON documents; anything bigger is refused rather than buffered. */
const CONFIG_MAX_BYTES = 4 * 1024 * 1024;
const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

const pull = (name: string): RegistryAccessEntry => ({ type: 'repository', name, actions: ['pull'] });

/**
 * The BFF's one door to the registry: `/berth/v1/` for listings, deletes and renames, `/v2/` for the
 * manifests and configs of the image view. Each call carries a short-lived token with exactly the
 * scope it needs, every answer is parsed with the contract's schemas, and registry failures become the
 * BFF's typed errors (a registry that is down is a 503, never a 500).
 */
export class RegistryClient {
  private readonly service: string;
  private readonly timeoutMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: RegistryClientOptions) {
    this.service = options.service ?? 'container_registry';
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? (() => new Date());
  }

  /** One page of the repositories at or under `prefix` (a project or group path), with the total. */
  async listRepositories(prefix: string, options: RepositoryListOptions): Promise<RegistryRepositoryPage> {
    const response = await this.call(
      'GET',
      `/berth/v1/repository-paths/${prefix}/repositories/list/?${listQuery(options)}`,
      pull(`${prefix}/*`),
    );
    return this.page(response, registryRepositoryListSchema);
  }

  /** Like `listRepositories`, keeping only repositories at or below the included paths (or none of the excluded). */
  async listRepositoriesInScope(
    prefix: string,
    scope: RegistryRepositoryListRequest,
    options: RepositoryListOptions,
  ): Promise<RegistryRepositoryPage> {
    const response = await this.call(
      'POST',
      `/berth/v1/repository-paths/${prefix}/repositories/list/?${listQuery(options)}`,
      pull(`${prefix}/*`),
      scope,
    );
    return this.page(response, registryRepositoryListSchema);
  }

  /** The full path of every repository at or under `prefix`, in byte order, all pages. */
  async listRepositoryNamesUnder(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for (;;) {
      const last = names.at(-1);
      const query = new URLSearchParams({
        n: String(REGISTRY_NAMES_PAGE_MAX),
        ...(last === undefined ? {} : { last }),
      });
      const response = await this.call(
        'GET',
        `/berth/v1/repository-paths/${prefix}/repositories/names/?${query}`,
        pull(`${prefix}/*`),
      );
      const page = await this.parse(response, registryRepositoryNamesSchema);
      names.push(...page);
      if (page.length < REGISTRY_NAMES_PAGE_MAX) return names;
    }
  }

  /** Every repository at or under `prefix`, all pages. */
  async listRepositoriesUnder(prefix: string): Promise<RegistryRepository[]> {
    const all: RegistryRepository[] = [];
    for (let offset = 0; ; offset += PAGE_MAX) {
      const page = await this.listRepositories(prefix, { n: PAGE_MAX, offset });
      all.push(...page.items);
      if (page.items.length < PAGE_MAX || all.length >= page.total) return all;
    }
  }

  /** Every repository name in the registry: the distribution catalog, all pages. */
  async listAllRepositoryNames(): Promise<string[]> {
    const names: string[] = [];
    for (let last: string | undefined; ; ) {
      const query = new URLSearchParams({ n: String(PAGE_MAX), ...(last === undefined ? {} : { last }) });
      const response = await this.call('GET', `/v2/_catalog?${query}`, CATALOG);
      const { repositories } = await this.parse(response, catalogSchema);
      names.push(...repositories);
      if (repositories.length === 0 || !response.headers.get('link')) return names;
      last = repositories[repositories.length - 1];
    }
  }

  /** A repository's details, or undefined when there is none at `path`. */
  async getRepository(path: string): Promise<RegistryRepository | undefined> {
    const response = await this.call('GET', `/berth/v1/repositories/${path}/`, pull(path), undefined, [404]);
    return response.status === 404 ? undefined : this.parse(response, registryRepositorySchema);
  }

  /** A repository by the registry's stable id, or undefined. */
  async getRepositoryById(id: number): Promise<RegistryRepository | undefined> {
    const response = await this.call('GET', `/berth/v1/repository-ids/${id}/`, ADMIN, undefined, [404]);
    return response.status === 404 ? undefined : this.parse(response, registryRepositorySchema);
  }

  /** One page of a repository's tags with the total matching the filter; undefined when the repository is gone. */
  async listTags(path: string, options: TagListOptions): Promise<RegistryTagPage | undefined> {
    const params = new URLSearchParams({ n: String(options.n) });
    if (options.sort) params.set('sort', sortParam(options.sort));
    if (options.filter) params.set('name', options.filter);
    if (options.offset !== undefined) params.set('offset', String(options.offset));
    if (options.last !== undefined) params.set('last', options.last);
    if (options.before !== undefined) params.set('before', options.before);
    const response = await this.call(
      'GET',
      `/berth/v1/repositories/${path}/tags/list/?${params}`,
      pull(path),
      undefined,
      [404],
    );
    if (response.status === 404) return undefined;
    return this.page(response, registryTagListSchema);
  }

  /** Every tag of a repository (pages of 1000); empty when the repository is gone. */
  async listAllTags(path: string): Promise<RegistryTag[]> {
    const all: RegistryTag[] = [];
    let last: string | undefined;
    for (;;) {
      const page = await this.listTags(path, { n: PAGE_MAX, ...(last === undefined ? {} : { last }) });
      if (!page) return all;
      all.push(...page.items);
      if (!page.next) return all;
      last = page.next;
    }
  }

  /** One tag, or undefined when the tag or its repository does not exist. */
  async getTag(path: string, tag: string): Promise<RegistryTag | undefined> {
    const response = await this.call(
      'GET',
      `/berth/v1/repositories/${path}/tags/detail/${tag}/`,
      pull(path),
      undefined,
      [404],
    );
    return response.status === 404 ? undefined : this.parse(response, registryTagSchema);
  }

  /** Deletes the named tags (≤ 1000) and says which existed; all are "not found" when the repository is gone. */
  async deleteTags(path: string, names: string[]): Promise<RegistryBulkTagDeleteResult> {
    const response = await this.call(
      'DELETE',
      `/berth/v1/repositories/${path}/tags/`,
      ADMIN,
      { names },
      [404],
    );
    if (response.status === 404) return { deleted: [], not_found: [...new Set(names)] };
    return this.parse(response, registryBulkTagDeleteResultSchema);
  }

  /** Deletes a repository with its tags and manifests; false when there was none at `path`. */
  async deleteRepository(path: string): Promise<boolean> {
    const response = await this.call('DELETE', `/berth/v1/repositories/${path}/`, ADMIN, undefined, [404]);
    await response.body?.cancel();
    return response.status !== 404;
  }

  /**
   * Moves `from` and every repository below it to `to`, in one registry transaction; with `dryRun`
   * only checks. Nothing at or under `from` is a move of nothing (no repositories), not an error.
   * Throws RegistryRenameError `taken` or `invalid` when the registry refuses a target.
   */
  async renameRepositories(
    from: string,
    to: string,
    options: { dryRun: boolean },
  ): Promise<RegistryRenameResult> {
    const query = options.dryRun ? '?dry_run=true' : '';
    const response = await this.call(
      'PATCH',
      `/berth/v1/repositories/${from}/${query}`,
      ADMIN,
      { name: to },
      [400, 404, 409],
    );
    if (response.status === 200) return this.parse(response, registryRenameResultSchema);
    const error = (await this.errorBody(response))?.errors[0];
    if (response.status === 404 && error?.code === 'NAME_UNKNOWN') {
      return { name: to, dry_run: options.dryRun, repositories: [] };
    }
    const detail = (error?.detail ?? {}) as { taken?: unknown; name?: unknown };
    if (response.status === 409) throw new RegistryRenameError('taken', stringList(detail.taken));
    if (response.status === 400 && error?.code === 'NAME_INVALID') {
      throw new RegistryRenameError('invalid', stringList(detail.name ?? to));
    }
    throw badRequest(error?.message ?? 'container registry refused the rename');
  }

  /** A manifest by tag or digest, or undefined when it does not exist. */
  async getManifest(path: string, reference: string): Promise<Manifest | undefined> {
    const response = await this.call(
      'GET',
      `/v2/${path}/manifests/${reference}`,
      pull(path),
      undefined,
      [404],
      {
        accept: MANIFEST_TYPES,
      },
    );
    if (response.status === 404) return undefined;
    const body = await this.json(response);
    const mediaType =
      (body as { mediaType?: unknown }).mediaType ??
      response.headers.get('content-type')?.split(';')[0]?.trim() ??
      '';
    return {
      digest: response.headers.get('docker-content-digest') ?? reference,
      mediaType: String(mediaType),
      body,
    };
  }

  /** The image configuration blob `digest` of `path`, parsed for the image view. */
  async getImageConfig(path: string, digest: string): Promise<OciImageConfig | undefined> {
    const response = await this.call('GET', `/v2/${path}/blobs/${digest}`, pull(path), undefined, [404]);
    if (response.status === 404) return undefined;
    const size = Number(response.headers.get('content-length') ?? 0);
    if (size > CONFIG_MAX_BYTES) {
      await response.body?.cancel();
      throw badGateway(`image configuration ${digest} is larger than ${CONFIG_MAX_BYTES} bytes`);
    }
    return this.parse(response, ociImageConfigSchema);
  }

  /** Parses an image manifest or an index with the contract's schemas. */
  static readManifest(manifest: Manifest) {
    const index = ociIndexSchema.safeParse(manifest.body);
    if (index.success && Array.isArray((manifest.body as { manifests?: unknown }).manifests)) {
      return { kind: 'index' as const, index: index.data };
    }
    const image = ociImageManifestSchema.safeParse(manifest.body);
    if (image.success) return { kind: 'image' as const, image: image.data };
    throw badGateway('container registry answered a manifest of an unknown shape');
  }

  // ---- transport ----

  private token(access: RegistryAccessEntry): string {
    return signRegistryToken(
      this.options.signingKey,
      { iss: this.options.issuer, aud: this.service, sub: SUBJECT, access: [access] },
      this.now(),
    ).token;
  }

  /**
   * Sends one request. Statuses in `expected` (besides 2xx) are handed back to the caller; any other
   * status is mapped to a typed error here.
   */
  private async call(
    method: string,
    path: string,
    access: RegistryAccessEntry,
    body?: unknown,
    expected: number[] = [],
    headers: Record<string, string> = {},
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${this.token(access)}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'follow',
      });
    } catch (error) {
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
      throw serviceUnavailable(
        timedOut ? 'container registry did not answer in time' : 'container registry is unreachable',
      );
    }
    if (response.ok || expected.includes(response.status)) return response;
    throw await this.failure(response);
  }

  private async failure(response: Response): Promise<AppError> {
    const error = (await this.errorBody(response))?.errors[0];
    const message = error?.message ?? `container registry answered ${response.status}`;
    if (response.status >= 500) return serviceUnavailable(`container registry failed (${response.status})`);
    // The BFF's own token refused: the registry trusts another key, issuer or service.
    if (response.status === 401 || response.status === 403) {
      return serviceUnavailable('container registry refused the BFF credentials');
    }
    if (response.status === 404) return new AppError('not_found', 'Repository Not Found');
    if (response.status === 409) return conflict(message);
    if (response.status === 400 || response.status === 413) return badRequest(message);
    return badGateway(`container registry answered ${response.status}`);
  }

  private async errorBody(response: Response): Promise<z.infer<typeof registryErrorBodySchema> | undefined> {
    try {
      const parsed = registryErrorBodySchema.safeParse(await response.json());
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  private async json(response: Response): Promise<unknown> {
    try {
      return await response.json();
    } catch {
      throw badGateway('container registry answered something that is not JSON');
    }
  }

  private async parse<T extends z.ZodType>(response: Response, schema: T): Promise<z.output<T>> {
    const result = schema.safeParse(await this.json(response));
    if (!result.success) throw badGateway('container registry answered an unexpected shape');
    return result.data;
  }

  private async page<T extends z.ZodType>(
    response: Response,
    schema: T,
  ): Promise<{ items: z.output<T>; total: number; next?: string; previous?: string }> {
    const items = await this.parse(response, schema);
    const total = Number(response.headers.get(REGISTRY_TOTAL_HEADER));
    if (!Number.isSafeInteger(total) || total < 0) throw badGateway('container registry answered no total');
    const link = response.headers.get('link') ?? '';
    const next = markerOf(link, 'next', 'last');
    const previous = markerOf(link, 'previous', 'before');
    return {
      items,
      total,
      ...(next === undefined ? {} : { next }),
      ...(previous === undefined ? {} : { previous }),
    };
  }
}

function sortParam(sort: { field: string; direction: SortDirection }): string {
  return sort.direction === 'desc' ? `-${sort.field}` : sort.field;
}

function listQuery(options: RepositoryListOptions): URLSearchParams {
  const params = new URLSearchParams({ n: String(options.n) });
  if (options.sort) params.set('sort', sortParam(options.sort));
  if (options.filter) params.set('name', options.filter);
  if (options.offset !== undefined) params.set('offset', String(options.offset));
  return params;
}

/** The `last`/`before` marker of the `Link` entry with relation `rel`. */
function markerOf(link: string, rel: string, parameter: string): string | undefined {
  for (const part of link.split(/,\s*(?=<)/)) {
    const match = /^<([^>]*)>;\s*rel="([^"]+)"/.exec(part.trim());
    if (match?.[2] === rel)
      return new URL(match[1] ?? '', 'http://registry').searchParams.get(parameter) ?? undefined;
  }
  return undefined;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

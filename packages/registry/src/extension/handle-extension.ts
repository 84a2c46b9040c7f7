import type { IncomingMessage, ServerResponse } from 'node:http';
import { REGISTRY_TOTAL_HEADER, registryRepositoryListRequestSchema, TAG_PATTERN } from '@berth/contract';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { TokenAuthorizer } from '../auth/index.js';
import { registryError } from '../core/errors.js';
import { INDEX_TYPES } from '../core/media-types.js';
import { assertRepositoryName } from '../core/names.js';
import { uploadKey } from '../core/storage-keys.js';
import { headerValue, methodNotAllowed } from '../http/request.js';
import { sendEmpty, sendJson, sendUnauthorized } from '../http/respond.js';
import type { RegistryDatabase } from '../meta/schema.js';
import type { StorageDriver } from '../storage/driver.js';
import { extensionAccess, matchExtensionRoute } from './extension-route.js';
import {
  countRepositories,
  countTags,
  deleteRepository,
  deleteTags,
  findRepository,
  findRepositoryById,
  findTag,
  type KeysetPage,
  listRepositories,
  listRepositoriesInScope,
  listTags,
  type ManifestFacts,
  manifestFacts,
  type RepositoryRow,
  type RepositoryStats,
  renameRepositories,
  repositoryStats,
  type TagRow,
} from './extension-store.js';
import {
  badParameter,
  encodeTimeMarker,
  type ListQuery,
  type Marker,
  PAGE_SIZE_DEFAULT,
  parseDryRun,
  parseNoParameters,
  parseRepositoryListQuery,
  parseTagListQuery,
} from './query-params.js';

export interface ExtensionOptions {
  /** The metadata database the API queries. */
  db: Kysely<RegistryDatabase>;
  /** GC_REVIEW_DELAY: how long garbage collection waits before reviewing what a delete left. */
  reviewDelayMs: number;
  /** Blob storage, for the files of uploads a deleted repository had in progress. */
  storage: StorageDriver;
  clock?: () => number;
}

/** Most names one bulk delete may carry. */
export const BULK_DELETE_MAX = 1000;
/** 1000 names of 128 characters in JSON fit well inside this. */
const BODY_MAX_BYTES = 256 * 1024;
/** A scoped list names up to tens of thousands of project paths. */
const SCOPE_BODY_MAX_BYTES = 8 * 1024 * 1024;

/** The `/berth/v1/` API: listings with sizes, sorting and filtering, bulk tag delete, rename. */
export async function handleExtension(
  options: ExtensionOptions | undefined,
  authorizer: TokenAuthorizer | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const method = req.method ?? 'GET';
  const route = matchExtensionRoute(path, method);
  if (authorizer) {
    const decision = await authorizer.authorize(
      headerValue(req, 'authorization'),
      extensionAccess(route, method),
      { extensionApi: true },
    );
    if (!decision.ok) return sendUnauthorized(res, decision);
  }
  // Without the metadata database the API is absent, as GitLab's answers 404 without one.
  if (!options) throw registryError('ENDPOINT_UNKNOWN', 'the extension API is not available');
  const { db, reviewDelayMs } = options;
  const now = options.clock ?? Date.now;
  const read = method === 'GET' || method === 'HEAD';

  switch (route.kind) {
    case 'base':
      if (!read) throw methodNotAllowed(method, ['GET']);
      parseNoParameters(query);
      return sendJson(res, 200, {});

    case 'repository-list': {
      if (!read && method !== 'POST') throw methodNotAllowed(method, ['GET', 'POST']);
      const list = parseRepositoryListQuery(query);
      const below = (row: RepositoryRow) =>
        row.name === route.prefix ? '' : row.name.slice(route.prefix.length + 1);
      if (method === 'POST') {
        const scope = parseBody(
          registryRepositoryListRequestSchema,
          await readJsonBody(req, SCOPE_BODY_MAX_BYTES),
        );
        if (list.marker) {
          const parameter = list.marker.side === 'before' ? 'before' : 'last';
          throw badParameter(
            parameter,
            query.get(parameter) ?? '',
            'PAGINATION_NUMBER_INVALID',
            'absent: a scoped list pages with offset',
          );
        }
        const page = await listRepositoriesInScope(db, route.prefix, list, scope);
        const stats = await repositoryStats(
          db,
          page.rows.map((row) => row.id),
        );
        return sendJson(
          res,
          200,
          page.rows.map((row) => repositoryBody(row, stats.get(row.id), below(row))),
          { [REGISTRY_TOTAL_HEADER]: page.total },
        );
      }
      const [page, total] = await Promise.all([
        listRepositories(db, route.prefix, list),
        countRepositories(db, route.prefix, list.filter),
      ]);
      const stats = await repositoryStats(
        db,
        page.rows.map((row) => row.id),
      );
      const body = page.rows.map((row) => repositoryBody(row, stats.get(row.id), below(row)));
      return sendJson(res, 200, body, {
        ...links(`/berth/v1/repository-paths/${route.prefix}/repositories/list/`, list, page),
        [REGISTRY_TOTAL_HEADER]: total,
      });
    }

    case 'repository-id': {
      if (!read) throw methodNotAllowed(method, ['GET']);
      parseNoParameters(query);
      const repository = await findRepositoryById(db, route.id);
      if (!repository) {
        throw registryError('NAME_UNKNOWN', 'repository id not known to registry', {
          detail: { id: route.id },
        });
      }
      return sendRepository(db, res, repository);
    }

    case 'repository': {
      if (method === 'PATCH') return rename(db, req, res, route.name, parseDryRun(query), now());
      if (!read && method !== 'DELETE') throw methodNotAllowed(method, ['GET', 'PATCH', 'DELETE']);
      parseNoParameters(query);
      const repository = await requireRepository(db, route.name);
      if (method === 'DELETE') {
        const uploads = await deleteRepository(db, repository.id, now() + reviewDelayMs);
        for (const id of uploads) await options.storage.delete(uploadKey(id));
        return sendEmpty(res, 204);
      }
      return sendRepository(db, res, repository);
    }

    case 'tag-list': {
      if (!read) throw methodNotAllowed(method, ['GET']);
      const list = parseTagListQuery(query);
      const repository = await requireRepository(db, route.name);
      const [page, total] = await Promise.all([
        listTags(db, repository.id, list),
        countTags(db, repository.id, list.filter),
      ]);
      const facts = await manifestFacts(
        db,
        page.rows.map((row) => row.manifest_id),
      );
      const body = page.rows.map((row) => tagBody(row, facts.get(row.manifest_id)));
      return sendJson(res, 200, body, {
        ...links(`/berth/v1/repositories/${route.name}/tags/list/`, list, page),
        [REGISTRY_TOTAL_HEADER]: total,
      });
    }

    case 'tag': {
      if (!read) throw methodNotAllowed(method, ['GET']);
      parseNoParameters(query);
      const repository = await requireRepository(db, route.name);
      const tag = await findTag(db, repository.id, route.tag);
      if (!tag) {
        throw registryError('MANIFEST_UNKNOWN', 'tag unknown to registry', {
          detail: { name: route.name, tag: route.tag },
        });
      }
      const facts = await manifestFacts(db, [tag.manifest_id]);
      return sendJson(res, 200, tagBody(tag, facts.get(tag.manifest_id)));
    }

    case 'tags': {
      // matchExtensionRoute gives this route to DELETE only.
      parseNoParameters(query);
      const { names } = parseBody(bulkDeleteSchema, await readJsonBody(req));
      const repository = await requireRepository(db, route.name);
      const unique = [...new Set(names)];
      const deleted = await deleteTags(db, repository.id, unique, now() + reviewDelayMs);
      return sendJson(res, 200, {
        deleted: unique.filter((name) => deleted.has(name)),
        not_found: unique.filter((name) => !deleted.has(name)),
      });
    }
  }
}

const bulkDeleteSchema = z.strictObject({
  names: z.array(z.string().regex(TAG_PATTERN, 'must be a tag name')).min(1).max(BULK_DELETE_MAX),
});

const renameSchema = z.strictObject({ name: z.string().min(1) });

async function rename(
  db: Kysely<RegistryDatabase>,
  req: IncomingMessage,
  res: ServerResponse,
  from: string,
  dryRun: boolean,
  now: number,
): Promise<void> {
  const { name: to } = parseBody(renameSchema, await readJsonBody(req));
  assertRepositoryName(to);
  const plan = await renameRepositories(db, { from, to, now, dryRun, isValidName: isValidRepositoryName });
  if (!plan.ok) {
    switch (plan.reason) {
      case 'unknown':
        throw unknownRepository(from);
      case 'invalid': {
        const first = plan.invalid[0];
        // Reuse the grammar's own message and rule for the first name that would break it.
        if (first) assertRepositoryName(first.to);
        throw registryError('NAME_INVALID', 'invalid repository name', { detail: { name: first?.to } });
      }
      case 'taken':
        throw registryError('NAME_TAKEN', 'a repository with a target name already exists', {
          detail: { taken: plan.taken.slice(0, 100) },
        });
    }
  }
  sendJson(res, 200, {
    name: to,
    dry_run: dryRun,
    repositories: plan.moves.map((move) => ({ from: move.from, to: move.to })),
  });
}

export function isValidRepositoryName(name: string): boolean {
  try {
    assertRepositoryName(name);
    return true;
  } catch {
    return false;
  }
}

async function sendRepository(db: Kysely<RegistryDatabase>, res: ServerResponse, repository: RepositoryRow) {
  const stats = await repositoryStats(db, [repository.id]);
  const name = repository.name.slice(repository.name.lastIndexOf('/') + 1);
  sendJson(res, 200, repositoryBody(repository, stats.get(repository.id), name));
}

async function requireRepository(db: Kysely<RegistryDatabase>, name: string): Promise<RepositoryRow> {
  const repository = await findRepository(db, name);
  if (!repository) throw unknownRepository(name);
  return repository;
}

function unknownRepository(name: string) {
  return registryError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name } });
}

// ---- response bodies ----

const iso = (ms: number) => new Date(ms).toISOString();

function repositoryBody(row: RepositoryRow, stats: RepositoryStats | undefined, name: string) {
  return {
    id: row.id,
    name,
    path: row.name,
    tags_count: stats?.tagsCount ?? 0,
    size_bytes: stats?.sizeBytes ?? 0,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    last_published_at: stats?.lastPublishedAt == null ? null : iso(stats.lastPublishedAt),
  };
}

function tagBody(row: TagRow, facts: ManifestFacts | undefined) {
  return {
    name: row.name,
    digest: row.digest,
    config_digest: row.config_digest,
    media_type: row.media_type,
    size_bytes: facts?.sizeBytes ?? 0,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    published_at: iso(row.published_at),
    ...(INDEX_TYPES.has(row.media_type)
      ? {
          references: (facts?.children ?? []).map((child) => ({
            digest: child.digest,
            media_type: child.mediaType,
            size_bytes: child.sizeBytes,
            platform: platformOf(child.platform),
          })),
        }
      : {}),
  };
}

function platformOf(platform: string | null) {
  if (!platform) return null;
  const [os = '', architecture = '', variant] = platform.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** `Link` with rel="previous" and rel="next", keeping the request's size, sort and filter. */
function links(path: string, list: ListQuery<string>, page: KeysetPage<unknown>): Record<string, string> {
  const { field, direction } = list.sort;
  const markerText = (at: Marker) => (field === 'name' ? at.name : encodeTimeMarker(at));
  const url = (side: 'last' | 'before', at: Marker) => {
    const params = new URLSearchParams();
    if (list.n !== PAGE_SIZE_DEFAULT) params.set('n', String(list.n));
    if (field !== 'name' || direction !== 'asc')
      params.set('sort', direction === 'desc' ? `-${field}` : field);
    if (list.filter !== undefined) params.set('name', list.filter);
    if (list.offset === undefined) params.set(side, markerText(at));
    // An offset page links to the neighbouring offset pages.
    else
      params.set(
        'offset',
        String(side === 'last' ? list.offset + list.n : Math.max(0, list.offset - list.n)),
      );
    return `<${path}?${params}>`;
  };
  const parts = [
    ...(page.previous ? [`${url('before', page.previous)}; rel="previous"`] : []),
    ...(page.next ? [`${url('last', page.next)}; rel="next"`] : []),
  ];
  return parts.length > 0 ? { Link: parts.join(', ') } : {};
}

// ---- request bodies ----

async function readJsonBody(req: IncomingMessage, maxBytes = BODY_MAX_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw registryError('BODY_TOO_LARGE', `request body exceeds ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badBody('request body is not JSON');
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw badBody(`invalid request body: ${issue?.path.join('.') || 'body'} ${issue?.message ?? ''}`.trim(), {
      issues: result.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return result.data;
}

function badBody(message: string, detail?: unknown) {
  return registryError('INVALID_REQUEST_BODY', message, detail === undefined ? {} : { detail });
}

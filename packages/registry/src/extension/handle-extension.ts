import type { IncomingMessage, ServerResponse } from 'node:http';
import { REGISTRY_TOTAL_HEADER, registryRepositoryListRequestSchema, TAG_PATTERN } from '@berth/contract';
import { z } from 'zod';
import type { TokenAuthorizer } from '../auth/index.js';
import { registryError } from '../core/errors.js';
import { INDEX_TYPES } from '../core/media-types.js';
import type { Repositories, RepositoryWithStats, TagWithFacts } from '../core/repositories.js';
import { headerValue, methodNotAllowed } from '../http/request.js';
import { sendEmpty, sendJson, sendUnauthorized } from '../http/respond.js';
import type { KeysetPage, ListQuery, Marker } from '../meta/listing-query.js';
import { extensionAccess, matchExtensionRoute } from './extension-route.js';
import {
  badParameter,
  encodeTimeMarker,
  PAGE_SIZE_DEFAULT,
  parseDryRun,
  parseNamesQuery,
  parseNoParameters,
  parseRepositoryListQuery,
  parseTagListQuery,
} from './query-params.js';

/** Most names one bulk delete may carry. */
export const BULK_DELETE_MAX = 1000;
/** 1000 names of 128 characters in JSON fit well inside this. */
const BODY_MAX_BYTES = 256 * 1024;
/** A scoped list names up to tens of thousands of project paths. */
const SCOPE_BODY_MAX_BYTES = 8 * 1024 * 1024;

/** The `/berth/v1/` API: listings with sizes, sorting and filtering, bulk tag delete, rename. */
export async function handleExtension(
  repositories: Repositories | undefined,
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
  if (!repositories) throw registryError('ENDPOINT_UNKNOWN', 'the extension API is not available');
  const read = method === 'GET' || method === 'HEAD';

  switch (route.kind) {
    case 'base':
      if (!read) throw methodNotAllowed(method, ['GET']);
      parseNoParameters(query);
      return sendJson(res, 200, {});

    case 'repository-list': {
      if (!read && method !== 'POST') throw methodNotAllowed(method, ['GET', 'POST']);
      const list = parseRepositoryListQuery(query);
      const body = ({ row, stats }: RepositoryWithStats) =>
        repositoryBody(
          { row, stats },
          row.name === route.prefix ? '' : row.name.slice(route.prefix.length + 1),
        );
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
        const { rows, total } = await repositories.listInScope(route.prefix, list, scope);
        return sendJson(res, 200, rows.map(body), { [REGISTRY_TOTAL_HEADER]: total });
      }
      const { page, total } = await repositories.list(route.prefix, list);
      return sendJson(res, 200, page.rows.map(body), {
        ...links(`/berth/v1/repository-paths/${route.prefix}/repositories/list/`, list, page),
        [REGISTRY_TOTAL_HEADER]: total,
      });
    }

    case 'repository-names': {
      if (!read) throw methodNotAllowed(method, ['GET']);
      const { n, last } = parseNamesQuery(query);
      return sendJson(res, 200, await repositories.names(route.prefix, last, n));
    }

    case 'repository-id': {
      if (!read) throw methodNotAllowed(method, ['GET']);
      parseNoParameters(query);
      return sendRepository(res, await repositories.getById(route.id));
    }

    case 'repository': {
      if (method === 'PATCH') {
        const dryRun = parseDryRun(query);
        const { name: to } = parseBody(renameSchema, await readJsonBody(req));
        const moves = await repositories.rename(route.name, to, dryRun);
        return sendJson(res, 200, { name: to, dry_run: dryRun, repositories: moves });
      }
      if (!read && method !== 'DELETE') throw methodNotAllowed(method, ['GET', 'PATCH', 'DELETE']);
      parseNoParameters(query);
      if (method === 'DELETE') {
        await repositories.delete(route.name);
        return sendEmpty(res, 204);
      }
      return sendRepository(res, await repositories.get(route.name));
    }

    case 'tag-list': {
      if (!read) throw methodNotAllowed(method, ['GET']);
      const list = parseTagListQuery(query);
      const { page, total } = await repositories.listTags(route.name, list);
      return sendJson(res, 200, page.rows.map(tagBody), {
        ...links(`/berth/v1/repositories/${route.name}/tags/list/`, list, page),
        [REGISTRY_TOTAL_HEADER]: total,
      });
    }

    case 'tag': {
      if (!read) throw methodNotAllowed(method, ['GET']);
      parseNoParameters(query);
      return sendJson(res, 200, tagBody(await repositories.getTag(route.name, route.tag)));
    }

    case 'tags': {
      // matchExtensionRoute gives this route to DELETE only.
      parseNoParameters(query);
      const { names } = parseBody(bulkDeleteSchema, await readJsonBody(req));
      const { deleted, notFound } = await repositories.deleteTags(route.name, names);
      return sendJson(res, 200, { deleted, not_found: notFound });
    }
  }
}

const bulkDeleteSchema = z.strictObject({
  names: z.array(z.string().regex(TAG_PATTERN, 'must be a tag name')).min(1).max(BULK_DELETE_MAX),
});

const renameSchema = z.strictObject({ name: z.string().min(1) });

function sendRepository(res: ServerResponse, repository: RepositoryWithStats) {
  const { name } = repository.row;
  sendJson(res, 200, repositoryBody(repository, name.slice(name.lastIndexOf('/') + 1)));
}

// ---- response bodies ----

const iso = (ms: number) => new Date(ms).toISOString();

function repositoryBody({ row, stats }: RepositoryWithStats, name: string) {
  return {
    id: row.id,
    name,
    path: row.name,
    tags_count: stats.tagsCount,
    size_bytes: stats.sizeBytes,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    last_published_at: stats.lastPublishedAt === null ? null : iso(stats.lastPublishedAt),
  };
}

function tagBody({ row, facts }: TagWithFacts) {
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

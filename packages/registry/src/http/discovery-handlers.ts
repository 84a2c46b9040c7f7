import { registryError } from '../core/errors.js';
import { MediaTypes } from '../core/media-types.js';
import { methodNotAllowed } from './request.js';
import type { RequestContext } from './request-context.js';
import { sendJson } from './respond.js';

/** The most tags one page may ask for; without `n` the whole list is answered, as the spec says. */
export const TAG_PAGE_MAX = 10_000;
/** `_catalog` answers at most this many names per page; a larger `n` is capped, with a `Link` to go on. */
export const CATALOG_PAGE_MAX = 1000;

export async function handleTags(context: RequestContext, method: string, name: string) {
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, ['GET']);
  const { registry, res, query } = context;
  const limit = pageSize(query.get('n'), TAG_PAGE_MAX, 'reject');
  const last = query.get('last') ?? undefined;
  const page = await registry.listTags(name, {
    ...(last === undefined ? {} : { last }),
    ...(limit === undefined ? {} : { limit }),
  });
  sendJson(
    res,
    200,
    { name, tags: page.items },
    page.next !== undefined && limit !== undefined ? nextLink(`/v2/${name}/tags/list`, limit, page.next) : {},
  );
}

export async function handleCatalog(context: RequestContext, method: string) {
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, ['GET']);
  const { registry, res, query } = context;
  const limit = pageSize(query.get('n'), CATALOG_PAGE_MAX, 'cap') ?? CATALOG_PAGE_MAX;
  const last = query.get('last') ?? undefined;
  const page = await registry.listRepositories({ ...(last === undefined ? {} : { last }), limit });
  sendJson(
    res,
    200,
    { repositories: page.items },
    page.next !== undefined ? nextLink('/v2/_catalog', limit, page.next) : {},
  );
}

export async function handleReferrers(context: RequestContext, method: string, name: string, digest: string) {
  if (method !== 'GET') throw methodNotAllowed(method, ['GET']);
  const { registry, res, query } = context;
  const artifactType = query.get('artifactType') ?? undefined;
  const referrers = await registry.listReferrers(name, digest, artifactType);
  const index = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: referrers.map((referrer) => ({
      mediaType: referrer.mediaType,
      digest: referrer.digest,
      size: referrer.size,
      ...(referrer.artifactType ? { artifactType: referrer.artifactType } : {}),
      ...(referrer.annotations ? { annotations: referrer.annotations } : {}),
    })),
  };
  sendJson(res, 200, index, {
    'Content-Type': MediaTypes.ociIndex,
    ...(artifactType === undefined ? {} : { 'OCI-Filters-Applied': 'artifactType' }),
  });
}

function pageSize(raw: string | null, max: number, overMax: 'reject' | 'cap'): number | undefined {
  if (raw === null) return undefined;
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isNaN(n) || (n > max && overMax === 'reject')) {
    throw registryError('PAGINATION_NUMBER_INVALID', `n must be an integer from 0 to ${max}`, {
      detail: { n: raw.slice(0, 30), max },
    });
  }
  return Math.min(n, max);
}

function nextLink(path: string, n: number, last: string) {
  return { Link: `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"` };
}

import { registryError } from '../core/errors.js';
import { assertRepositoryName } from '../core/names.js';

export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'referrers'; name: string; digest: string };

// Greedy `(.+)` takes the last `/manifests/`… so repository names may themselves contain those words.
const NAMED_ROUTE = /^\/v2\/(.+)\/(manifests|blobs|tags|referrers)\/(.*)$/;

/**
 * Maps a raw request path (never decoded: `%2F` and `%2e%2e` stay literal and fail
 * the name grammar) to a route; throws NAME_INVALID for a bad name and returns
 * undefined for paths outside the API.
 */
export function matchRoute(path: string): Route | undefined {
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  if (path === '/v2/_catalog') return { kind: 'catalog' };
  const match = NAMED_ROUTE.exec(path);
  if (!match) return undefined;
  const [, name, section, rest] = match as unknown as [string, string, string, string];
  const route = sectionRoute(name, section, rest);
  if (route) assertRepositoryName(name);
  return route;
}

function sectionRoute(name: string, section: string, rest: string): Route | undefined {
  switch (section) {
    case 'manifests':
      return rest && !rest.includes('/')
        ? { kind: 'manifest', name, reference: decodeReference(rest) }
        : undefined;
    case 'tags':
      return rest === 'list' ? { kind: 'tags', name } : undefined;
    case 'referrers':
      return rest && !rest.includes('/') ? { kind: 'referrers', name, digest: rest } : undefined;
    case 'blobs':
      if (rest === 'uploads' || rest === 'uploads/') return { kind: 'uploads', name };
      if (rest.startsWith('uploads/') && !rest.slice(8).includes('/')) {
        return { kind: 'upload', name, id: rest.slice(8) };
      }
      return rest && !rest.includes('/') ? { kind: 'blob', name, digest: rest } : undefined;
    default:
      return undefined;
  }
}

/** Clients may escape the digest's colon; nothing else in a reference needs escaping. */
function decodeReference(raw: string): string {
  if (!raw.includes('%')) return raw;
  const decoded = raw.replace(/%3a/gi, ':');
  if (decoded.includes('%'))
    throw registryError('TAG_INVALID', 'invalid reference', { detail: { reference: raw.slice(0, 200) } });
  return decoded;
}

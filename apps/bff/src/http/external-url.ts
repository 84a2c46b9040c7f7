import type { Express, Request } from 'express';

const KEY = 'berthExternalUrl';

/** The configured external URL (BERTH_EXTERNAL_URL) is the one base of every link the BFF writes. */
export function setExternalUrl(app: Express, url: URL): void {
  app.locals[KEY] = url;
}

/** The external URL of `path` (an absolute path with an optional query), under the external URL's own path. */
export function externalUrlFor(req: Request, path: string): URL {
  const base = req.app.locals[KEY] as URL;
  const url = new URL(base);
  const query = path.indexOf('?');
  // Setting pathname and search on a copy of the base: the host cannot change, whatever the path holds.
  url.pathname = `${base.pathname.replace(/\/$/, '')}${query < 0 ? path : path.slice(0, query)}`;
  url.search = query < 0 ? '' : path.slice(query);
  return url;
}

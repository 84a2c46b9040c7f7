import type { PaginationQuery } from '@berth/contract';
import type { Request, Response } from 'express';
import { externalUrlFor } from './external-url.js';

/** GitLab's offset pagination over a list in memory: returns one page and sets the headers. */
export function paginate<T>(req: Request, res: Response, items: readonly T[], query: PaginationQuery): T[] {
  setPageHeaders(req, res, items.length, query);
  const { limit, offset } = pageWindow(query);
  return items.slice(offset, offset + limit);
}

/** The rows of the requested page, for lists paged in the database. */
export function pageWindow(query: PaginationQuery): { limit: number; offset: number } {
  return { limit: query.per_page, offset: (query.page - 1) * query.per_page };
}

/** GitLab's pagination headers for a list of `total` items: X-Total, X-Page, … and Link (on the external URL). */
export function setPageHeaders(req: Request, res: Response, total: number, query: PaginationQuery): void {
  const { page, per_page: perPage } = query;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const next = page < totalPages ? page + 1 : undefined;
  const prev = page > 1 ? Math.min(page - 1, totalPages) : undefined;
  res.setHeader('X-Total', String(total));
  res.setHeader('X-Total-Pages', String(totalPages));
  res.setHeader('X-Page', String(page));
  res.setHeader('X-Per-Page', String(perPage));
  res.setHeader('X-Next-Page', next === undefined ? '' : String(next));
  res.setHeader('X-Prev-Page', prev === undefined ? '' : String(prev));
  const link = (target: number, rel: string) => {
    const url = externalUrlFor(req, req.originalUrl);
    url.searchParams.set('page', String(target));
    url.searchParams.set('per_page', String(perPage));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links = [
    ...(prev === undefined ? [] : [link(prev, 'prev')]),
    ...(next === undefined ? [] : [link(next, 'next')]),
    link(1, 'first'),
    link(totalPages, 'last'),
  ];
  res.setHeader('Link', links.join(', '));
}

/**
 * GitLab's keyset pagination: only a `Link` header, whose `rel="next"` (and `rel="prev"`) URL is the
 * request's own (on the external URL) with the marker parameter replaced.
 */
export function setKeysetLinks(
  req: Request,
  res: Response,
  markers: { next?: string | undefined; previous?: string | undefined },
): void {
  const link = (parameter: 'last' | 'before', marker: string, rel: string) => {
    const url = externalUrlFor(req, req.originalUrl);
    url.searchParams.delete('last');
    url.searchParams.delete('before');
    url.searchParams.delete('page');
    url.searchParams.set(parameter, marker);
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links = [
    ...(markers.previous === undefined ? [] : [link('before', markers.previous, 'prev')]),
    ...(markers.next === undefined ? [] : [link('last', markers.next, 'next')]),
  ];
  if (links.length > 0) res.setHeader('Link', links.join(', '));
}

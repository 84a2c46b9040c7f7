import type { PaginationQuery } from '@berth/contract';
import type { Request, Response } from 'express';
import { externalUrlFor } from './external-url.js';

/** GitLab's offset pagination: returns one page and sets X-Total, X-Page, … and Link (on the external URL). */
export function paginate<T>(req: Request, res: Response, items: readonly T[], query: PaginationQuery): T[] {
  const { page, per_page: perPage } = query;
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  const next = page < totalPages ? page + 1 : undefined;
  const prev = page > 1 ? Math.min(page - 1, totalPages) : undefined;
  res.setHeader('X-Total', String(items.length));
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
  return items.slice((page - 1) * perPage, page * perPage);
}

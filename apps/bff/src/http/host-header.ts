import type { RequestHandler } from 'express';
import { badRequest } from '../errors.js';

/** A DNS name (underscores allowed, as container networks use them) or a bracketed IPv6, with a port. */
const HOST = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * Refuses a malformed `Host` with a 400. Nothing the BFF answers is built from `Host` (links and URLs
 * come from BERTH_EXTERNAL_URL), so a well-formed foreign host is harmless and let through.
 */
export const requireWellFormedHost: RequestHandler = (req, _res, next) => {
  const host = req.headers.host;
  if (host !== undefined && !HOST.test(host)) throw badRequest('400 Bad request - malformed Host header');
  next();
};

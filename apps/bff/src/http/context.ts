import type { Response } from 'express';
import type { Logger } from 'pino';
import { type Actor, ANONYMOUS } from '../access/access.js';

/** What the middlewares learned about a request, kept in `res.locals`. */
export interface RequestContext {
  log: Logger;
  actor: Actor;
  /** Set when the request was authenticated by the browser session cookie. */
  session?: { id: number; csrfToken: string };
}

export function setContext(res: Response, context: RequestContext): void {
  res.locals.berth = context;
}

export function context(res: Response): RequestContext {
  return res.locals.berth as RequestContext;
}

export function actorOf(res: Response): Actor {
  return context(res)?.actor ?? ANONYMOUS;
}

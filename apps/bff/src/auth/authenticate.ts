import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Actor } from '../access/access.js';
import { forbidden, unauthorized } from '../errors.js';
import { context } from '../http/context.js';
import { CSRF_HEADER, readCookie, SESSION_COOKIE } from './cookies.js';
import type { CredentialResolver } from './credentials.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Resolves the caller of a `/api/v4` request: `PRIVATE-TOKEN`, `Authorization: Bearer`, `JOB-TOKEN`, or
 * the session cookie (whose unsafe requests must echo the CSRF token). A presented but invalid token
 * is a 401; a stale session cookie just means anonymous.
 */
export function authenticate(credentials: CredentialResolver): RequestHandler {
  return async (req, res, next) => {
    const now = new Date();
    const ctx = context(res);
    const privateToken = req.get('private-token');
    const authorization = req.get('authorization');
    const jobToken = req.get('job-token');
    let actor: Actor | undefined;
    if (privateToken !== undefined) {
      actor = await credentials.personalAccessToken(privateToken, now);
    } else if (authorization !== undefined) {
      const bearer = /^Bearer\s+(\S+)$/i.exec(authorization);
      actor = bearer?.[1] ? await credentials.bearer(bearer[1], now) : undefined;
    } else if (jobToken !== undefined) {
      actor = await credentials.jobToken(jobToken, now);
    } else {
      const cookie = readCookie(req, SESSION_COOKIE);
      const session = cookie ? await credentials.session(cookie, now) : undefined;
      if (session) {
        if (!SAFE_METHODS.has(req.method) && !sameSecret(req.get(CSRF_HEADER) ?? '', session.csrfToken)) {
          throw forbidden('CSRF token missing or invalid');
        }
        ctx.actor = session.actor;
        ctx.session = { id: session.sessionId, csrfToken: session.csrfToken };
      }
      next();
      return;
    }
    if (!actor) throw unauthorized();
    ctx.actor = actor;
    next();
  };
}

import type { CookieOptions, Request, Response } from 'express';

export const SESSION_COOKIE = 'berth_session';
/** Readable by the SPA, which echoes it in X-CSRF-Token on unsafe requests. */
export const CSRF_COOKIE = 'berth_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function options(req: Request, httpOnly: boolean, expires?: Date): CookieOptions {
  return { httpOnly, sameSite: 'lax', secure: req.secure, path: '/', ...(expires && { expires }) };
}

export function setSessionCookies(
  req: Request,
  res: Response,
  session: { token: string; csrfToken: string; expiresAt: Date },
) {
  res.cookie(SESSION_COOKIE, session.token, options(req, true, session.expiresAt));
  res.cookie(CSRF_COOKIE, session.csrfToken, options(req, false, session.expiresAt));
}

export function clearSessionCookies(req: Request, res: Response) {
  res.clearCookie(SESSION_COOKIE, options(req, true));
  res.clearCookie(CSRF_COOKIE, options(req, false));
}

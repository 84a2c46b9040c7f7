import { createSessionRequestSchema, type SessionResponse } from '@berth/contract';
import { Router } from 'express';
import { clearSessionCookies, setSessionCookies } from '../../auth/cookies.js';
import { sameOriginOnly } from '../../auth/same-origin.js';
import { unauthorized } from '../../errors.js';
import { clientAddress } from '../../http/client-address.js';
import { context } from '../../http/context.js';
import { parse } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { Resources } from './resources.js';

/** Sign-in before authentication runs: a stale cookie must not stand in the way of signing in again. */
export function signInRouter(services: Services, resources: Resources): Router {
  const router = Router();
  router.post('/session', sameOriginOnly(services.config.externalUrl), async (req, res) => {
    const body = parse(createSessionRequestSchema, req.body ?? {});
    const user = await services.passwords.verify(body.login, body.password, clientAddress(req));
    if (!user) throw unauthorized('Invalid login or password');
    const session = await services.tokens.createSession(user.id);
    setSessionCookies(req, res, session);
    const answer: SessionResponse = { user: resources.present.user(user), csrf_token: session.csrfToken };
    res.status(201).json(answer);
  });
  return router;
}

/** The current browser session (after authentication, so DELETE is CSRF-checked). */
export function sessionRouter(services: Services, resources: Resources): Router {
  const router = Router();
  const current = (res: Parameters<typeof context>[0]) => {
    const ctx = context(res);
    if (!ctx.session || ctx.actor.kind !== 'user') throw unauthorized();
    return { session: ctx.session, userId: ctx.actor.user.id };
  };

  router.get('/session', async (_req, res) => {
    const { session, userId } = current(res);
    const user = await services.users.findById(userId);
    if (!user) throw unauthorized();
    const answer: SessionResponse = { user: resources.present.user(user), csrf_token: session.csrfToken };
    res.json(answer);
  });

  router.delete('/session', async (req, res) => {
    const { session } = current(res);
    await services.tokens.deleteSession(session.id);
    clearSessionCookies(req, res);
    res.status(204).end();
  });
  return router;
}

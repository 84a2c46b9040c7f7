import { idParam, listPersonalAccessTokensQuerySchema } from '@berth/contract';
import { type Request, type Response, Router } from 'express';
import { apiAccess, mayAdministerUsers, mayManageOwnTokens, maySeeAllUsers } from '../../access/access.js';
import { forbidden, notFound, unauthorized } from '../../errors.js';
import { actorOf } from '../../http/context.js';
import { paginate } from '../../http/pagination.js';
import { parse } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { Resources } from './resources.js';

export function personalAccessTokensRouter(services: Services, resources: Resources): Router {
  const router = Router();

  const caller = (res: Response) => {
    const actor = actorOf(res);
    if (actor.kind !== 'user' || apiAccess(actor) === 'none') throw unauthorized();
    return actor;
  };

  /** A token the caller may see: its own, or any for an admin; others do not exist for the caller. */
  const findToken = async (res: Response, raw: unknown) => {
    const actor = caller(res);
    const row = await services.tokens.findPersonalAccessToken(parse(idParam, raw));
    if (!row || (row.user_id !== actor.user.id && !maySeeAllUsers(actor)))
      throw notFound('Personal Access Token');
    return { actor, row };
  };

  router.get('/personal_access_tokens', async (req, res) => {
    const actor = caller(res);
    const query = parse(listPersonalAccessTokensQuerySchema, req.query);
    const userId = maySeeAllUsers(actor) ? query.user_id : actor.user.id;
    const now = new Date();
    let tokens = (await services.tokens.listPersonalAccessTokens(userId)).map((row) =>
      resources.present.personalAccessToken(row, now),
    );
    if (query.state) tokens = tokens.filter((token) => token.active === (query.state === 'active'));
    if (query.revoked) tokens = tokens.filter((token) => token.revoked === (query.revoked === 'true'));
    res.json(paginate(req, res, tokens, query));
  });

  /** The token this request was made with (GitLab's `self`); a session has none. */
  const presented = async (req: Request, res: Response) => {
    const actor = caller(res);
    const secret = req.get('private-token') ?? /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const row = secret ? await services.tokens.findPersonalAccessTokenBySecret(secret) : undefined;
    if (!row || row.user_id !== actor.user.id) throw notFound('Personal Access Token');
    return row;
  };

  router.get('/personal_access_tokens/self', async (req, res) => {
    res.json(resources.present.personalAccessToken(await presented(req, res), new Date()));
  });

  /** Any token may revoke itself, whatever its scopes, as in GitLab. */
  router.delete('/personal_access_tokens/self', async (req, res) => {
    await services.tokens.revokePersonalAccessToken((await presented(req, res)).id);
    res.status(204).end();
  });

  router.get('/personal_access_tokens/:id', async (req, res) => {
    const { row } = await findToken(res, req.params.id);
    res.json(resources.present.personalAccessToken(row, new Date()));
  });

  router.delete('/personal_access_tokens/:id', async (req, res) => {
    const { actor, row } = await findToken(res, req.params.id);
    const own = row.user_id === actor.user.id && mayManageOwnTokens(actor);
    if (!own && !mayAdministerUsers(actor)) throw forbidden();
    await services.tokens.revokePersonalAccessToken(row.id);
    res.status(204).end();
  });

  return router;
}

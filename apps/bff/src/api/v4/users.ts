import {
  createPersonalAccessTokenRequestSchema,
  createUserRequestSchema,
  idParam,
  listUsersQuerySchema,
  signUpRequestSchema,
} from '@berth/contract';
import { Router } from 'express';
import {
  apiAccess,
  mayAdministerUsers,
  mayManageOwnTokens,
  maySeeAllUsers,
  refusal,
} from '../../access/access.js';
import type { UserRow } from '../../db/schema.js';
import { forbidden, notFound, unauthorized } from '../../errors.js';
import { actorOf } from '../../http/context.js';
import { paginate } from '../../http/pagination.js';
import { params, parse } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { Resources } from './resources.js';

export function usersRouter(services: Services, resources: Resources): Router {
  const router = Router();
  const { present } = resources;

  /** Admins and the user themself see every field; others the basic ones. */
  const show = (res: Parameters<typeof actorOf>[0], user: UserRow) => {
    const actor = actorOf(res);
    const self = actor.kind === 'user' && actor.user.id === user.id && apiAccess(actor) !== 'none';
    return maySeeAllUsers(actor) || self ? present.user(user) : present.userBasic(user);
  };

  const findUser = async (raw: unknown) => {
    const user = await services.users.findById(parse(idParam, raw));
    if (!user) throw notFound('User');
    return user;
  };

  /** GitLab with the Public visibility level restricted: anonymous callers see no users (BFF_ANONYMOUS_USER_LIST). */
  const refuseAnonymousUnlessPublic = (res: Parameters<typeof actorOf>[0]) => {
    if (actorOf(res).kind === 'anonymous' && !services.config.anonymousUserList) throw unauthorized();
  };

  router.get('/users', async (req, res) => {
    refuseAnonymousUnlessPublic(res);
    const query = parse(listUsersQuerySchema, req.query);
    const users = await services.users.list({ username: query.username, search: query.search });
    res.json(paginate(req, res, users, query).map((user) => show(res, user)));
  });

  router.get('/users/:id', async (req, res) => {
    refuseAnonymousUnlessPublic(res);
    res.json(show(res, await findUser(req.params.id)));
  });

  /** An admin creates users (and may make admins); anyone else may only sign up, with no extra fields. */
  router.post('/users', async (req, res) => {
    const actor = actorOf(res);
    if (mayAdministerUsers(actor)) {
      const body = parse(createUserRequestSchema, params(req));
      const user = await services.users.create({ ...body, isAdmin: body.admin === true });
      res.status(201).json(present.user(user));
      return;
    }
    if (actor.kind !== 'anonymous') throw forbidden();
    if (!services.config.signupEnabled) throw forbidden('sign-up is disabled');
    const body = parse(signUpRequestSchema, req.body ?? {});
    const user = await services.users.create({ ...body, isAdmin: false });
    res.status(201).json(present.user(user));
  });

  for (const [action, state] of [
    ['block', 'blocked'],
    ['unblock', 'active'],
  ] as const) {
    router.post(`/users/:id/${action}`, async (req, res) => {
      if (!mayAdministerUsers(actorOf(res))) throw forbidden();
      const user = await findUser(req.params.id);
      if (user.username === 'root' && state === 'blocked') throw forbidden('root cannot be blocked');
      await services.users.setState(user.id, state);
      // Blocking ends browser sessions now; tokens stop at their next use because every lookup checks the state.
      if (state === 'blocked') await services.tokens.deleteSessionsOf(user.id);
      res.status(201).json(true);
    });
  }

  router.get('/user', async (_req, res) => {
    const actor = actorOf(res);
    if (actor.kind !== 'user' || apiAccess(actor) === 'none') throw unauthorized();
    const user = await services.users.findById(actor.user.id);
    if (!user) throw unauthorized();
    res.json(present.user(user));
  });

  const createToken = async (userId: number, body: unknown) => {
    const input = parse(createPersonalAccessTokenRequestSchema, body);
    const { row, token } = await services.tokens.createPersonalAccessToken(userId, {
      name: input.name,
      scopes: input.scopes,
      expiresAt: input.expires_at,
    });
    return { ...present.personalAccessToken(row, new Date()), token };
  };

  /** GitLab reserves this for admins; Berth also lets users create their own tokens here. */
  router.post('/users/:id/personal_access_tokens', async (req, res) => {
    const actor = actorOf(res);
    const user = await findUser(req.params.id);
    const self = mayManageOwnTokens(actor) && actor.user.id === user.id;
    if (!self && !mayAdministerUsers(actor)) throw refusal(actor);
    res.status(201).json(await createToken(user.id, params(req)));
  });

  router.post('/user/personal_access_tokens', async (req, res) => {
    const actor = actorOf(res);
    if (!mayManageOwnTokens(actor)) throw refusal(actor);
    res.status(201).json(await createToken(actor.user.id, params(req)));
  });

  return router;
}

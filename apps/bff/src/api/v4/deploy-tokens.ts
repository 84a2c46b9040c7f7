import { createDeployTokenRequestSchema, idParam, paginationQuerySchema } from '@berth/contract';
import { type Response, Router } from 'express';
import { refusal } from '../../access/access.js';
import { notFound } from '../../errors.js';
import { actorOf } from '../../http/context.js';
import { paginate } from '../../http/pagination.js';
import { params, parse } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { Resources } from './resources.js';

/** `/projects/:id/deploy_tokens…` and `/groups/:id/deploy_tokens…` (Maintainer and above). */
export function deployTokensRouter(
  services: Services,
  resources: Resources,
  kind: 'group' | 'project',
): Router {
  const router = Router();
  const base = kind === 'group' ? '/groups/:id/deploy_tokens' : '/projects/:id/deploy_tokens';

  const load = async (res: Response, rawId: unknown) => {
    const actor = actorOf(res);
    const now = new Date();
    const loaded =
      kind === 'group'
        ? await resources.group(actor, rawId, now).then(({ group, permissions }) => ({
            owner: { groupId: group.id } as const,
            allowed: permissions.manageDeployTokens,
          }))
        : await resources.project(actor, rawId, now).then(({ project, permissions }) => ({
            owner: { projectId: project.id } as const,
            allowed: permissions.manageDeployTokens,
          }));
    if (!loaded.allowed) throw refusal(actor);
    return loaded.owner;
  };

  const find = async (res: Response, rawId: unknown, rawTokenId: unknown) => {
    const owner = await load(res, rawId);
    const row = await services.tokens.findDeployToken(parse(idParam, rawTokenId));
    const belongs =
      row && ('groupId' in owner ? row.group_id === owner.groupId : row.project_id === owner.projectId);
    if (!row || !belongs) throw notFound('Deploy Token');
    return row;
  };

  router.get(base, async (req, res) => {
    const owner = await load(res, req.params.id);
    const query = parse(paginationQuerySchema, req.query);
    const now = new Date();
    const tokens = (await services.tokens.listDeployTokens(owner)).map((row) =>
      resources.present.deployToken(row, now),
    );
    res.json(paginate(req, res, tokens, query));
  });

  router.get(`${base}/:token_id`, async (req, res) => {
    res.json(resources.present.deployToken(await find(res, req.params.id, req.params.token_id), new Date()));
  });

  router.post(base, async (req, res) => {
    const owner = await load(res, req.params.id);
    const body = parse(createDeployTokenRequestSchema, params(req));
    const { row, token } = await services.tokens.createDeployToken(owner, {
      name: body.name,
      scopes: body.scopes,
      expiresAt: body.expires_at,
      username: body.username,
    });
    res.status(201).json({ ...resources.present.deployToken(row, new Date()), token });
  });

  /** GitLab's delete revokes: the token stops working at once and stays listed as revoked. */
  router.delete(`${base}/:token_id`, async (req, res) => {
    const row = await find(res, req.params.id, req.params.token_id);
    await services.tokens.revokeDeployToken(row.id);
    res.status(204).end();
  });

  return router;
}

import { idParam } from '@berth/contract';
import { Router } from 'express';
import { forbidden, notFound, unauthorized } from '../../errors.js';
import { parse } from '../../http/validate.js';
import type { Services } from '../../services.js';
import { type Resources, signedInUser } from './resources.js';

/** Revoking CI job tokens (minted by `POST /projects/:id/job_tokens`) before they expire. */
export function jobTokensRouter(services: Services, resources: Resources): Router {
  const router = Router();

  /** On demand: the token's user or a Maintainer of its project. */
  router.delete('/projects/:id/job_tokens/:token_id', async (req, res) => {
    const actor = signedInUser(res);
    if (actor.kind !== 'user') throw forbidden();
    const { project, permissions } = await resources.project(actor, req.params.id, new Date());
    const row = await services.tokens.findJobToken(parse(idParam, req.params.token_id));
    if (!row || row.project_id !== project.id) throw notFound('Job Token');
    const mayRevoke = permissions.update || (row.user_id === actor.user.id && permissions.createJobToken);
    if (!mayRevoke) throw forbidden();
    await services.tokens.revokeJobToken(row.id);
    res.status(204).end();
  });

  /** The job's end: the token revokes itself (`JOB-TOKEN`), as a PAT may with `/personal_access_tokens/self`. */
  router.delete('/job_tokens/self', async (req, res) => {
    const secret = req.get('job-token');
    const row = secret ? await services.tokens.findJobTokenBySecret(secret, new Date()) : undefined;
    if (!row) throw unauthorized();
    await services.tokens.revokeJobToken(row.id);
    res.status(204).end();
  });

  return router;
}

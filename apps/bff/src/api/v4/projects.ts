import {
  createJobTokenRequestSchema,
  createProjectRequestSchema,
  type JobToken,
  type ListProjectsQuery,
  listProjectsQuerySchema,
  pathSegmentSchema,
  updateProjectRequestSchema,
} from '@berth/contract';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { type Actor, effectiveAccessLevel, projectPermissions } from '../../access/access.js';
import { JOB_TOKEN_USERNAME } from '../../auth/credentials.js';
import type { ProjectRow } from '../../db/schema.js';
import { pathFromName } from '../../domain/paths.js';
import { badRequest, forbidden, unauthorized } from '../../errors.js';
import { actorOf } from '../../http/context.js';
import { paginate } from '../../http/pagination.js';
import { params, parse } from '../../http/validate.js';
import type { Services } from '../../services.js';
import { registryCi } from './presenters.js';
import { type GroupIndex, type LoadedProject, type Resources, signedInUser } from './resources.js';

const derivedPathSchema = z.object({ path: pathSegmentSchema });

/** The caller's direct level on the project, for GitLab's `permissions.project_access`. */
function directLevel(actor: Actor, projectId: number, now: Date): number | undefined {
  if (actor.kind !== 'user' && actor.kind !== 'job') return undefined;
  const level = effectiveAccessLevel(actor.user, { projectId, groupIds: [] }, now);
  return level > 0 ? level : undefined;
}

export function presentProject(
  resources: Resources,
  index: GroupIndex,
  actor: Actor,
  loaded: Omit<LoadedProject, 'facts'>,
  now: Date,
) {
  return resources.present.project(
    loaded.project,
    loaded.group,
    index.fullName(loaded.group),
    loaded.permissions,
    directLevel(actor, loaded.project.id, now),
  );
}

/** Lists the projects the caller may see, filtered, sorted and paginated the GitLab way. */
export async function listProjects(
  req: Request,
  res: Response,
  resources: Resources,
  rows: ProjectRow[],
  query: ListProjectsQuery,
): Promise<void> {
  const actor = actorOf(res);
  const now = new Date();
  const index = await resources.index();
  const visible = rows.flatMap((project) => {
    const group = index.byId.get(project.namespace_id);
    const permissions = projectPermissions(actor, index.projectFacts(project), now);
    if (!group || !permissions.read) return [];
    if (query.visibility && project.visibility !== query.visibility) return [];
    if (query.membership && permissions.accessLevel === 0) return [];
    if (query.owned && permissions.accessLevel < 50) return [];
    if (query.min_access_level !== undefined && permissions.accessLevel < query.min_access_level) return [];
    return [{ project, group, permissions }];
  });
  const key = query.order_by === 'path' ? 'full_path' : query.order_by;
  const direction = query.sort === 'asc' ? 1 : -1;
  visible.sort((a, b) => {
    const left = a.project[key];
    const right = b.project[key];
    return (left < right ? -1 : left > right ? 1 : a.project.id - b.project.id) * direction;
  });
  res.json(
    paginate(req, res, visible, query).map((loaded) => presentProject(resources, index, actor, loaded, now)),
  );
}

export function projectsRouter(services: Services, resources: Resources): Router {
  const router = Router();

  router.get('/projects', async (req, res) => {
    const query = parse(listProjectsQuerySchema, req.query);
    await listProjects(req, res, resources, await services.projects.list({ search: query.search }), query);
  });

  router.get('/projects/:id', async (req, res) => {
    const now = new Date();
    const loaded = await resources.project(actorOf(res), req.params.id, now);
    res.json(presentProject(resources, await resources.index(), actorOf(res), loaded, now));
  });

  router.post('/projects', async (req, res) => {
    const actor = signedInUser(res);
    const body = parse(createProjectRequestSchema, params(req));
    if (body.namespace_id === undefined) {
      throw badRequest(
        'namespace_id is required: projects live in groups, and image names start with the group path',
      );
    }
    const now = new Date();
    const { group, permissions } = await resources.group(actor, body.namespace_id, now, 'Namespace');
    if (!permissions.createProject) throw forbidden();
    // A path derived from the name must make a valid image name too, and says why when it does not.
    const path = body.path ?? parse(derivedPathSchema, { path: pathFromName(body.name ?? '') }).path;
    const project = await services.projects.create({
      name: body.name ?? path,
      path,
      group,
      visibility: body.visibility,
      registryAccessLevel:
        body.container_registry_access_level ??
        (body.container_registry_enabled === false ? 'disabled' : undefined),
      description: body.description,
    });
    const loaded = await resources.project(actor, project.id, now);
    res.status(201).json(presentProject(resources, await resources.index(), actor, loaded, now));
  });

  router.put('/projects/:id', async (req, res) => {
    const actor = actorOf(res);
    const now = new Date();
    const { project, group, permissions } = await resources.project(actor, req.params.id, now);
    if (!permissions.update) throw actor.kind === 'anonymous' ? unauthorized() : forbidden();
    const body = parse(updateProjectRequestSchema, params(req));
    await services.projects.update(project, group, {
      name: body.name,
      path: body.path,
      description: body.description,
      visibility: body.visibility,
      registryAccessLevel:
        body.container_registry_access_level ??
        (body.container_registry_enabled === undefined
          ? undefined
          : body.container_registry_enabled
            ? 'enabled'
            : 'disabled'),
    });
    const loaded = await resources.project(actor, project.id, now);
    res.json(presentProject(resources, await resources.index(), actor, loaded, now));
  });

  router.delete('/projects/:id', async (req, res) => {
    const actor = actorOf(res);
    const { project, permissions } = await resources.project(actor, req.params.id, new Date());
    if (!permissions.remove) throw actor.kind === 'anonymous' ? unauthorized() : forbidden();
    await services.projects.remove(project);
    res.status(202).json({ message: '202 Accepted' });
  });

  /** Berth mints CI job tokens on request (GitLab mints one per job); returns the CI variables to use. */
  router.post('/projects/:id/job_tokens', async (req, res) => {
    const actor = signedInUser(res);
    if (actor.kind !== 'user') throw forbidden();
    const { project, permissions } = await resources.project(actor, req.params.id, new Date());
    if (!permissions.createJobToken) throw forbidden();
    const body = parse(createJobTokenRequestSchema, params(req));
    const { row, token } = await services.tokens.createJobToken(project.id, actor.user.id, body.expires_in);
    const { variables } = registryCi(services.config.externalRegistryHost, project.full_path);
    const answer: JobToken = {
      token,
      user: JOB_TOKEN_USERNAME,
      project_id: project.id,
      expires_at: row.expires_at,
      ci_variables: {
        ...variables,
        CI_JOB_TOKEN: token,
        CI_REGISTRY_PASSWORD: token,
      },
    };
    res.status(201).json(answer);
  });

  return router;
}

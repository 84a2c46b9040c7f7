import {
  ACCESS_LEVELS,
  createJobTokenRequestSchema,
  createProjectRequestSchema,
  type JobToken,
  type ListProjectsQuery,
  listProjectsQuerySchema,
  pathSegmentSchema,
  transferProjectRequestSchema,
  updateProjectRequestSchema,
} from '@berth/contract';
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import {
  type Actor,
  containerRegistryPermissions,
  effectiveAccessLevel,
  type ProjectCondition,
  projectPermissions,
  projectsWithAccessLevel,
  readableProjectParts,
  refusal,
} from '../../access/access.js';
import { JOB_TOKEN_USERNAME } from '../../auth/credentials.js';
import { pathFromName } from '../../domain/paths.js';
import type { ProjectQuery } from '../../domain/projects.js';
import { badRequest, forbidden, notFound } from '../../errors.js';
import { actorOf } from '../../http/context.js';
import { pageWindow, setPageHeaders } from '../../http/pagination.js';
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

/**
 * Lists the projects the caller may see, filtered, sorted and paginated the GitLab way. The access
 * module's conditions filter in SQL, so only the page's rows (and the groups above them) are read.
 */
export async function listProjects(
  req: Request,
  res: Response,
  services: Services,
  resources: Resources,
  query: ListProjectsQuery,
  scope: Pick<ProjectQuery, 'group' | 'deep'> = {},
): Promise<void> {
  const actor = actorOf(res);
  const now = new Date();
  const where: ProjectCondition[] = [];
  const minimumLevels = [
    ...(query.membership ? [1] : []),
    ...(query.owned ? [ACCESS_LEVELS.owner] : []),
    ...(query.min_access_level !== undefined ? [query.min_access_level] : []),
  ];
  if (minimumLevels.length) where.push(projectsWithAccessLevel(actor, Math.max(...minimumLevels), now));
  const { rows, total } = await services.projects.page(
    {
      readable: readableProjectParts(actor, now),
      where,
      search: query.search,
      visibility: query.visibility,
      ...scope,
    },
    { by: query.order_by === 'path' ? 'full_path' : query.order_by, direction: query.sort },
    pageWindow(query),
  );
  setPageHeaders(req, res, total, query);
  const index = await resources.indexAbove(rows.map((project) => project.full_path));
  res.json(
    rows.map((project) => {
      const group = index.byId.get(project.namespace_id);
      if (!group) throw new Error(`project ${project.id} has no namespace group`);
      const permissions = projectPermissions(actor, index.projectFacts(project), now);
      return presentProject(resources, index, actor, { project, group, permissions }, now);
    }),
  );
}

export function projectsRouter(services: Services, resources: Resources): Router {
  const router = Router();

  router.get('/projects', async (req, res) => {
    const query = parse(listProjectsQuerySchema, req.query);
    await listProjects(req, res, services, resources, query);
  });

  router.get('/projects/:id', async (req, res) => {
    const now = new Date();
    const loaded = await resources.project(actorOf(res), req.params.id, now);
    const index = await resources.indexAbove([loaded.project.full_path]);
    res.json({
      ...presentProject(resources, index, actorOf(res), loaded, now),
      container_expiration_policy: await services.cleanupPolicies.get(loaded.project.id),
    });
  });

  router.post('/projects', async (req, res) => {
    const actor = signedInUser(res);
    const body = parse(createProjectRequestSchema, params(req));
    const now = new Date();
    // As in GitLab, a project without namespace_id goes to the caller's personal namespace.
    const namespaceId = body.namespace_id ?? (await services.groups.personalNamespaceOf(actor.user.id))?.id;
    if (namespaceId === undefined) throw notFound('Namespace');
    const { group, permissions } = await resources.namespace(actor, namespaceId, now);
    if (!permissions.createProject) throw forbidden();
    // A path derived from the name must make a valid image name too, and says why when it does not.
    const path = body.path ?? parse(derivedPathSchema, { path: pathFromName(body.name ?? '') }).path;
    await services.imagePaths.prepareNewProjectPath(`${group.full_path}/${path}`);
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
    const { project, group, facts, permissions } = await resources.project(actor, req.params.id, now);
    if (!permissions.update) throw refusal(actor);
    const body = parse(updateProjectRequestSchema, params(req));
    const newPath = body.path !== undefined && body.path !== project.path ? body.path : undefined;
    if (newPath !== undefined && !permissions.changePath)
      throw forbidden('changing the path needs the Owner role');
    const policyChanges = body.container_expiration_policy_attributes;
    if (policyChanges && !containerRegistryPermissions(actor, facts, now).manageCleanup) throw refusal(actor);
    const changes = {
      name: body.name,
      description: body.description,
      visibility: body.visibility,
      registryAccessLevel:
        body.container_registry_access_level ??
        (body.container_registry_enabled === undefined
          ? undefined
          : body.container_registry_enabled
            ? 'enabled'
            : 'disabled'),
    } as const;
    // All or nothing: everything that may be refused is checked before the first write, and the
    // move (which may still be refused, by a taken path or the registry) comes before the rest.
    services.projects.assertChangesAllowed(group, changes);
    if (policyChanges) await services.cleanupPolicies.assertChangesAllowed(project.id, policyChanges);
    if (newPath !== undefined)
      await services.imagePaths.moveProject(project, { path: newPath, namespace: group });
    if (policyChanges) await services.cleanupPolicies.update(project.id, policyChanges, now);
    await services.projects.update((await services.projects.findById(project.id)) ?? project, group, changes);
    const loaded = await resources.project(actor, project.id, now);
    res.json({
      ...presentProject(resources, await resources.index(), actor, loaded, now),
      container_expiration_policy: await services.cleanupPolicies.get(project.id),
    });
  });

  router.delete('/projects/:id', async (req, res) => {
    const actor = actorOf(res);
    const { project, permissions } = await resources.project(actor, req.params.id, new Date());
    if (!permissions.remove) throw refusal(actor);
    await services.imagePaths.removeProject(project);
    res.status(202).json({ message: '202 Accepted' });
  });

  /** Moves the project, with its images, into another group or personal namespace (Owner; Maintainer+ there). */
  router.put('/projects/:id/transfer', async (req, res) => {
    const actor = actorOf(res);
    const now = new Date();
    const { project, permissions } = await resources.project(actor, req.params.id, now);
    if (!permissions.changePath) throw refusal(actor);
    const body = parse(transferProjectRequestSchema, params(req));
    const target = await resources.namespace(actor, body.namespace, now);
    if (!target.permissions.createProject) throw forbidden();
    if (target.group.id === project.namespace_id) {
      throw badRequest('Transfer failed: the project is already in this namespace');
    }
    await services.imagePaths.moveProject(project, { path: project.path, namespace: target.group });
    const loaded = await resources.project(actor, project.id, now);
    res.json(presentProject(resources, await resources.index(), actor, loaded, now));
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
      id: row.id,
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

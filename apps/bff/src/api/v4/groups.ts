import {
  ACCESS_LEVELS,
  createGroupRequestSchema,
  listGroupProjectsQuerySchema,
  listGroupsQuerySchema,
  transferGroupRequestSchema,
  updateGroupRequestSchema,
} from '@berth/contract';
import { Router } from 'express';
import {
  type GroupCondition,
  groupPermissions,
  groupsWithAccessLevel,
  mayCreateTopLevelGroup,
  readableGroups,
  refusal,
} from '../../access/access.js';
import { badRequest, forbidden } from '../../errors.js';
import { actorOf } from '../../http/context.js';
import { pageWindow, paginate, setPageHeaders } from '../../http/pagination.js';
import { params, parse } from '../../http/validate.js';
import type { Services } from '../../services.js';
import { listProjects } from './projects.js';
import { type LoadedGroup, type Resources, signedInUser } from './resources.js';

export function groupsRouter(services: Services, resources: Resources): Router {
  const router = Router();
  const { present } = resources;

  router.get('/groups', async (req, res) => {
    const actor = actorOf(res);
    const query = parse(listGroupsQuerySchema, req.query);
    const now = new Date();
    // As in GitLab, a signed-in non-admin sees the groups they belong to unless all_available is set.
    const onlyMine =
      (actor.kind === 'user' && !actor.user.isAdmin && query.all_available !== true) || query.owned === true;
    const minimumLevels = [
      ...(onlyMine ? [1] : []),
      ...(query.owned ? [ACCESS_LEVELS.owner] : []),
      ...(query.min_access_level !== undefined ? [query.min_access_level] : []),
    ];
    // Personal namespaces are listed with their users, not as groups (as in GitLab).
    const where: GroupCondition[] = [readableGroups(actor, now), (eb) => eb('groups.kind', '=', 'group')];
    if (minimumLevels.length) where.push(groupsWithAccessLevel(actor, Math.max(...minimumLevels), now));
    const { rows, total } = await services.groups.page(
      { where, search: query.search, topLevelOnly: query.top_level_only },
      {
        by: query.order_by === 'path' ? 'full_path' : query.order_by === 'name' ? 'name' : 'id',
        direction: query.sort,
      },
      pageWindow(query),
    );
    setPageHeaders(req, res, total, query);
    const index = await resources.indexAbove(rows.map((group) => group.full_path));
    res.json(rows.map((group) => present.group(group, index.fullName(group))));
  });

  router.get('/groups/:id', async (req, res) => {
    const { group } = await resources.group(actorOf(res), req.params.id, new Date());
    res.json(present.group(group, (await resources.indexAbove([group.full_path])).fullName(group)));
  });

  router.get('/groups/:id/subgroups', async (req, res) => {
    const actor = actorOf(res);
    const now = new Date();
    const { group } = await resources.group(actor, req.params.id, now);
    const query = parse(listGroupsQuerySchema, req.query);
    const index = await resources.index();
    const children = [...index.byId.values()]
      .filter(
        (child) => child.parent_id === group.id && groupPermissions(actor, index.groupFacts(child), now).read,
      )
      .sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
    res.json(paginate(req, res, children, query).map((child) => present.group(child, index.fullName(child))));
  });

  router.get('/groups/:id/projects', async (req, res) => {
    const { group } = await resources.group(actorOf(res), req.params.id, new Date());
    const query = parse(listGroupProjectsQuerySchema, req.query);
    await listProjects(req, res, services, resources, query, {
      group,
      deep: query.include_subgroups === true,
    });
  });

  router.post('/groups', async (req, res) => {
    const actor = signedInUser(res);
    const body = parse(createGroupRequestSchema, params(req));
    const now = new Date();
    let parent: Awaited<ReturnType<Resources['group']>>['group'] | undefined;
    if (body.parent_id !== undefined) {
      const loaded = await resources.group(actor, body.parent_id, now, 'Parent Group');
      if (!loaded.permissions.createSubgroup) throw forbidden();
      parent = loaded.group;
    } else if (!mayCreateTopLevelGroup(actor)) {
      throw forbidden();
    }
    const group = await services.groups.create(
      {
        name: body.name,
        path: body.path,
        parent,
        visibility: body.visibility,
        description: body.description,
      },
      actor.user.id,
    );
    res.status(201).json(present.group(group, (await resources.index()).fullName(group)));
  });

  router.put('/groups/:id', async (req, res) => {
    const actor = actorOf(res);
    const { group, permissions } = await resources.group(actor, req.params.id, new Date());
    if (!permissions.update) throw refusal(actor);
    const body = parse(updateGroupRequestSchema, params(req));
    // All or nothing: everything that may be refused is checked before the first write, and the
    // move (which may still be refused, by a taken path or the registry) comes before the rest.
    const newPath = body.path !== undefined && body.path !== group.path ? body.path : undefined;
    if (newPath !== undefined && !permissions.changePath)
      throw forbidden('changing the path needs the Owner role');
    await services.groups.assertChangesAllowed(group, body);
    if (newPath !== undefined) {
      const parent =
        group.parent_id === null ? null : ((await services.groups.findById(group.parent_id)) ?? null);
      await services.imagePaths.moveGroup(group, { path: newPath, parent });
    }
    const updated = await services.groups.update((await services.groups.findById(group.id)) ?? group, body);
    res.json(present.group(updated, (await resources.index()).fullName(updated)));
  });

  router.delete('/groups/:id', async (req, res) => {
    const actor = actorOf(res);
    const { group, permissions } = await resources.group(actor, req.params.id, new Date());
    if (!permissions.remove) throw refusal(actor);
    await services.imagePaths.removeGroup(group);
    res.status(202).json({ message: '202 Accepted' });
  });

  /** Moves the group, with everything below it and its images, under another group or to the top level. */
  router.post('/groups/:id/transfer', async (req, res) => {
    const actor = actorOf(res);
    const now = new Date();
    const { group, permissions } = await resources.group(actor, req.params.id, now);
    if (!permissions.changePath) throw refusal(actor);
    const body = parse(transferGroupRequestSchema, params(req));
    let parent: LoadedGroup['group'] | null = null;
    if (body.group_id !== undefined) {
      const target = await resources.group(actor, body.group_id, now, 'Parent Group');
      if (!target.permissions.createSubgroup) throw forbidden();
      parent = target.group;
    } else if (!mayCreateTopLevelGroup(actor)) {
      throw forbidden();
    }
    if ((parent?.id ?? null) === group.parent_id) {
      throw badRequest('Transfer failed: the group is already there');
    }
    await services.imagePaths.moveGroup(group, { path: group.path, parent });
    const moved = (await services.groups.findById(group.id)) ?? group;
    res.status(201).json(present.group(moved, (await resources.index()).fullName(moved)));
  });

  return router;
}

import {
  addMemberRequestSchema,
  idParam,
  listMembersQuerySchema,
  updateMemberRequestSchema,
} from '@berth/contract';
import { type Response, Router } from 'express';
import { effectiveAccessLevel, refusal } from '../../access/access.js';
import type { MemberSource } from '../../domain/members.js';
import { forbidden, notFound } from '../../errors.js';
import { actorOf } from '../../http/context.js';
import { paginate } from '../../http/pagination.js';
import { params, parse } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { Resources } from './resources.js';

/** `/projects/:id/members…` and `/groups/:id/members…`: the same rules for both kinds of source. */
export function membersRouter(services: Services, resources: Resources, kind: 'group' | 'project'): Router {
  const router = Router();
  const base = kind === 'group' ? '/groups/:id/members' : '/projects/:id/members';

  const load = async (res: Response, rawId: unknown) => {
    const actor = actorOf(res);
    const now = new Date();
    if (kind === 'group') {
      const { group, facts, permissions } = await resources.group(actor, rawId, now);
      return {
        source: { type: kind, id: group.id } as MemberSource,
        ancestors: facts.ancestorIds,
        manageUpTo: permissions.manageMembersUpTo,
        now,
      };
    }
    const { project, facts, permissions } = await resources.project(actor, rawId, now);
    return {
      source: { type: kind, id: project.id } as MemberSource,
      ancestors: facts.groupIds,
      manageUpTo: permissions.manageMembersUpTo,
      now,
    };
  };

  /** The level a user already has from the groups above the source; a direct level may not be lower. */
  const inheritedLevel = async (userId: number, ancestors: readonly number[], now: Date) => {
    const user = await services.users.findById(userId);
    if (!user) throw notFound('User');
    return effectiveAccessLevel(await services.users.principal(user), { groupIds: ancestors }, now);
  };

  const mayManage = (res: Response, manageUpTo: number, level: number) => {
    if (manageUpTo === 0) throw refusal(actorOf(res));
    if (level > manageUpTo) throw forbidden('you cannot manage members above your own access level');
  };

  router.get(base, async (req, res) => {
    const { source } = await load(res, req.params.id);
    const query = parse(listMembersQuerySchema, req.query);
    const members = await services.members.direct(source);
    res.json(
      paginate(req, res, filterByQuery(members, query.query), query).map(({ member, user }) =>
        resources.present.member(member, user),
      ),
    );
  });

  router.get(`${base}/all`, async (req, res) => {
    const { source, ancestors, now } = await load(res, req.params.id);
    const query = parse(listMembersQuerySchema, req.query);
    const members = await services.members.all(source, ancestors, now);
    res.json(
      paginate(req, res, filterByQuery(members, query.query), query).map(({ member, user }) =>
        resources.present.member(member, user),
      ),
    );
  });

  router.get(`${base}/all/:user_id`, async (req, res) => {
    const { source, ancestors, now } = await load(res, req.params.id);
    const userId = parse(idParam, req.params.user_id);
    const found = (await services.members.all(source, ancestors, now)).find(({ user }) => user.id === userId);
    if (!found) throw notFound('Member');
    res.json(resources.present.member(found.member, found.user));
  });

  router.get(`${base}/:user_id`, async (req, res) => {
    const { source } = await load(res, req.params.id);
    const userId = parse(idParam, req.params.user_id);
    const found = (await services.members.direct(source)).find(({ user }) => user.id === userId);
    if (!found) throw notFound('Member');
    res.json(resources.present.member(found.member, found.user));
  });

  router.post(base, async (req, res) => {
    const { source, ancestors, manageUpTo, now } = await load(res, req.params.id);
    const body = parse(addMemberRequestSchema, params(req));
    mayManage(res, manageUpTo, body.access_level);
    const inherited = await inheritedLevel(body.user_id, ancestors, now);
    const member = await services.members.add(
      source,
      { userId: body.user_id, accessLevel: body.access_level, expiresAt: body.expires_at },
      inherited,
    );
    const user = await services.users.findById(member.user_id);
    if (!user) throw notFound('User');
    res.status(201).json(resources.present.member(member, user));
  });

  router.put(`${base}/:user_id`, async (req, res) => {
    const { source, ancestors, manageUpTo, now } = await load(res, req.params.id);
    const userId = parse(idParam, req.params.user_id);
    const body = parse(updateMemberRequestSchema, params(req));
    const member = await services.members.find(source, userId);
    if (!member) throw notFound('Member');
    mayManage(res, manageUpTo, Math.max(member.access_level, body.access_level));
    const updated = await services.members.update(
      member,
      { accessLevel: body.access_level, expiresAt: body.expires_at },
      await inheritedLevel(userId, ancestors, now),
    );
    const user = await services.users.findById(userId);
    if (!user) throw notFound('User');
    res.json(resources.present.member(updated, user));
  });

  router.delete(`${base}/:user_id`, async (req, res) => {
    const { source, manageUpTo } = await load(res, req.params.id);
    const member = await services.members.find(source, parse(idParam, req.params.user_id));
    if (!member) throw notFound('Member');
    mayManage(res, manageUpTo, member.access_level);
    await services.members.remove(member);
    res.status(204).end();
  });

  return router;
}

function filterByQuery<T extends { user: { username: string; name: string } }>(
  members: T[],
  query: string | undefined,
): T[] {
  if (!query) return members;
  const needle = query.toLowerCase();
  return members.filter(
    ({ user }) => user.username.toLowerCase().includes(needle) || user.name.toLowerCase().includes(needle),
  );
}

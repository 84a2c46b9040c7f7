import { ACCESS_LEVELS } from '@berth/contract';
import { databaseTargets } from '@berth/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Actor,
  ANONYMOUS,
  groupPermissions,
  mayViewRegistry,
  projectPermissions,
} from '../src/access/access.js';
import type { GroupRow, ProjectRow } from '../src/db/schema.js';
import { prefixesOf } from '../src/domain/paths.js';
import { Api, createUsers, type RunningBff, startBff, type World } from './support/bff.js';

type Caller = { name: string; api: Api; actor: () => Promise<Actor> };

/**
 * The project and group lists filter, sort, count and page in SQL. These tests hold every answer to what
 * the access module decides row by row in memory, sorted and paged the GitLab way, for many callers and
 * every list parameter.
 */
describe.each(databaseTargets())('project and group lists on $dialect', (target) => {
  let bff: RunningBff;
  let world: World;
  let callers: Caller[];
  const groups: Record<string, GroupRow> = {};

  beforeAll(async () => {
    bff = await startBff(target);
    world = await createUsers(bff, ['owner', 'reporter', 'sub-dev', 'direct', 'outsider', 'reader']);
    const { services } = bff;
    const id = (name: string) => world.users[name]!.id;
    const rootId = (await services.users.findByUsername('root'))!.id;
    const tree: [string, GroupRow['visibility']][] = [
      ['acme', 'public'],
      ['acme/web', 'public'],
      ['acme/web/deep', 'internal'],
      ['acme/ops', 'private'],
      ['beta', 'internal'],
      ['beta/tools', 'internal'],
      ['Zeta', 'private'],
    ];
    for (const [path, visibility] of tree) {
      const slash = path.lastIndexOf('/');
      groups[path] = await services.groups.create(
        {
          name: `${path.slice(slash + 1)} Group`,
          path: path.slice(slash + 1).toLowerCase(),
          parent: slash < 0 ? undefined : groups[path.slice(0, slash)],
          visibility,
          description: undefined,
        },
        path === 'acme' ? id('owner') : rootId,
      );
    }
    // Names in mixed case and shared prefixes, so that sorting and search have something to get wrong.
    const names = ['alpha', 'Beta', 'gamma', 'Shop', 'shop-api', 'zulu'];
    let n = 0;
    for (const group of Object.values(groups)) {
      for (const name of names) {
        const visibility = (['public', 'internal', 'private'] as const)[n++ % 3]!;
        const allowed =
          group.visibility === 'public' ||
          (group.visibility === 'internal' && visibility !== 'public') ||
          visibility === 'private';
        await services.projects.create({
          name,
          path: name.toLowerCase(),
          group,
          visibility: allowed ? visibility : 'private',
          registryAccessLevel: (['enabled', 'private', 'disabled'] as const)[n % 3],
          description: undefined,
        });
      }
    }
    const project = async (fullPath: string) => (await services.projects.find(fullPath))!;
    await services.members.add(
      { type: 'group', id: groups.acme!.id },
      { userId: id('reporter'), accessLevel: 20, expiresAt: undefined },
      0,
    );
    await services.members.add(
      { type: 'group', id: groups['acme/web']!.id },
      { userId: id('sub-dev'), accessLevel: 30, expiresAt: undefined },
      0,
    );
    await services.members.add(
      { type: 'group', id: groups.Zeta!.id },
      { userId: id('sub-dev'), accessLevel: 10, expiresAt: undefined },
      0,
    );
    await services.members.add(
      { type: 'project', id: (await project('zeta/shop')).id },
      { userId: id('direct'), accessLevel: 50, expiresAt: undefined },
      0,
    );
    await services.members.add(
      { type: 'project', id: (await project('acme/ops/alpha')).id },
      { userId: id('direct'), accessLevel: 30, expiresAt: undefined },
      0,
    );

    const principal = async (name: string) =>
      services.users.principal((await services.users.findByUsername(name))!);
    const anonymous = new Api(`${bff.url}/api/v4`);
    const readApi = await world.users.reader!.api.expect(
      201,
      'POST',
      `/users/${id('reader')}/personal_access_tokens`,
      { name: 'read', scopes: ['read_api'] },
    );
    const job = await world.users['sub-dev']!.api.expect(
      201,
      'POST',
      `/projects/${encodeURIComponent('acme/web/shop')}/job_tokens`,
    );
    callers = [
      { name: 'anonymous', api: anonymous, actor: async () => ANONYMOUS },
      { name: 'root', api: world.root, actor: async () => userActor(await principal('root')) },
      ...['owner', 'reporter', 'sub-dev', 'direct', 'outsider'].map((name) => ({
        name,
        api: world.users[name]!.api,
        actor: async () => userActor(await principal(name)),
      })),
      {
        name: 'read_api token',
        api: anonymous.withToken(readApi.token),
        actor: async () => ({ kind: 'user', user: await principal('reader'), scopes: ['read_api'] }),
      },
      {
        name: 'job token',
        api: anonymous.as({ 'JOB-TOKEN': job.token }),
        actor: async () => ({ kind: 'job', user: await principal('sub-dev'), projectId: job.project_id }),
      },
    ];
  });

  afterAll(async () => {
    await bff?.stop();
  });

  const userActor = (user: Awaited<ReturnType<RunningBff['services']['users']['principal']>>): Actor => ({
    kind: 'user',
    user,
    scopes: ['api'],
  });

  async function allProjects(): Promise<ProjectRow[]> {
    return (
      await bff.services.projects.page(
        { readable: [(eb) => eb.and([])], where: [] },
        { by: 'id', direction: 'asc' },
        { limit: 1000, offset: 0 },
      )
    ).rows;
  }

  /** What the list answered before it moved to SQL: every project decided in memory, then sorted. */
  async function expectedProjects(actor: Actor, query: Record<string, string>, group?: GroupRow) {
    const now = new Date();
    const rows = (await allProjects()).filter((project) => {
      if (group) {
        const under =
          query.include_subgroups === 'true'
            ? project.full_path.startsWith(`${group.full_path}/`)
            : project.namespace_id === group.id;
        if (!under) return false;
      }
      const search = query.search?.toLowerCase();
      return !search || project.name.toLowerCase().includes(search) || project.path.includes(search);
    });
    const groupIds = new Map((await bff.services.groups.list({})).map((g) => [g.full_path, g.id]));
    const visible = rows.filter((project) => {
      const facts = {
        id: project.id,
        visibility: project.visibility,
        registryAccessLevel: project.container_registry_access_level,
        groupIds: prefixesOf(project.full_path).map((path) => groupIds.get(path)!),
      };
      const { read, accessLevel } = projectPermissions(actor, facts, now);
      if (!read) return false;
      if (query.visibility && project.visibility !== query.visibility) return false;
      if (query.membership === 'true' && accessLevel === 0) return false;
      if (query.owned === 'true' && accessLevel < ACCESS_LEVELS.owner) return false;
      return query.min_access_level === undefined || accessLevel >= Number(query.min_access_level);
    });
    const orderBy = (query.order_by ?? 'created_at') as keyof ProjectRow;
    const key = orderBy === ('path' as never) ? 'full_path' : orderBy;
    const direction = query.sort === 'asc' ? 1 : -1;
    visible.sort((a, b) => {
      const left = a[key]!;
      const right = b[key]!;
      return (left < right ? -1 : left > right ? 1 : a.id - b.id) * direction;
    });
    return visible.map((project) => project.full_path);
  }

  async function expectedGroups(actor: Actor, query: Record<string, string>) {
    const now = new Date();
    const all = await bff.services.groups.list({});
    const ids = new Map(all.map((g) => [g.full_path, g.id]));
    const onlyMine =
      (actor.kind === 'user' && !actor.user.isAdmin && query.all_available !== 'true') ||
      query.owned === 'true';
    const visible = all.filter((group) => {
      // Personal namespaces are not groups (GET /groups leaves them out).
      if (group.kind !== 'group') return false;
      const search = query.search?.toLowerCase();
      if (search && !group.name.toLowerCase().includes(search) && !group.path.includes(search)) return false;
      if (query.top_level_only === 'true' && group.parent_id !== null) return false;
      const facts = {
        id: group.id,
        kind: group.kind,
        visibility: group.visibility,
        ancestorIds: prefixesOf(group.full_path).map((path) => ids.get(path)!),
      };
      const { read, accessLevel } = groupPermissions(actor, facts, now);
      if (!read || (onlyMine && accessLevel === 0)) return false;
      if (query.owned === 'true' && accessLevel < ACCESS_LEVELS.owner) return false;
      return query.min_access_level === undefined || accessLevel >= Number(query.min_access_level);
    });
    const key = query.order_by === 'path' ? 'full_path' : query.order_by === 'id' ? 'id' : 'name';
    const direction = query.sort === 'desc' ? -1 : 1;
    visible.sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : a.id - b.id) * direction);
    return visible.map((group) => group.full_path);
  }

  /** Every page of the list, checking the pagination headers of each. */
  async function walk(api: Api, path: string, query: Record<string, string>, perPage: number) {
    const paths: string[] = [];
    let total: number | undefined;
    for (let page = 1; ; page++) {
      const search = new URLSearchParams({ ...query, per_page: String(perPage), page: String(page) });
      const response = await api.request('GET', `${path}?${search}`);
      expect(response.status, `${path}?${search}`).toBe(200);
      total ??= Number(response.headers.get('x-total'));
      expect(response.headers.get('x-total')).toBe(String(total));
      expect(response.headers.get('x-total-pages')).toBe(String(Math.max(1, Math.ceil(total / perPage))));
      paths.push(
        ...response.body.map(
          (item: { path_with_namespace?: string; full_path?: string }) =>
            item.path_with_namespace ?? item.full_path,
        ),
      );
      if (response.headers.get('x-next-page') === '') break;
    }
    return { paths, total };
  }

  const PROJECT_QUERIES: Record<string, string>[] = [
    {},
    { order_by: 'id', sort: 'asc' },
    { order_by: 'name', sort: 'asc' },
    { order_by: 'name', sort: 'desc' },
    { order_by: 'path', sort: 'asc' },
    { order_by: 'last_activity_at' },
    { search: 'SHOP', order_by: 'path', sort: 'desc' },
    { visibility: 'internal' },
    { membership: 'true' },
    { owned: 'true' },
    { min_access_level: '30', order_by: 'name' },
    { min_access_level: '0' },
    { membership: 'true', min_access_level: '20', visibility: 'private' },
  ];

  it('lists the projects each caller may see, with every parameter, as the access module decides', async () => {
    let compared = 0;
    for (const caller of callers) {
      const actor = await caller.actor();
      for (const query of PROJECT_QUERIES) {
        const expected = await expectedProjects(actor, query);
        // Small pages for some queries: the page boundaries must fall where the sorted list puts them.
        for (const perPage of PROJECT_QUERIES.indexOf(query) % 4 === 0 ? [100, 4] : [100]) {
          const answer = await walk(caller.api, '/projects', query, perPage);
          expect(answer.paths, `${caller.name} ${JSON.stringify(query)} per_page=${perPage}`).toEqual(
            expected,
          );
          expect(answer.total).toBe(expected.length);
          compared += expected.length;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it('lists a group’s projects, with and without its subgroups, as the access module decides', async () => {
    for (const caller of callers) {
      const actor = await caller.actor();
      for (const group of [groups.acme!, groups['acme/web']!, groups.beta!]) {
        // A group the caller may not see answers 404 (tested elsewhere); its list has nothing to compare.
        if ((await caller.api.request('GET', `/groups/${group.id}`)).status !== 200) continue;
        const queries: Record<string, string>[] = [
          {},
          { include_subgroups: 'true' },
          { include_subgroups: 'true', order_by: 'path', sort: 'asc', search: 'a' },
          { include_subgroups: 'true', membership: 'true' },
        ];
        for (const query of queries) {
          const expected = await expectedProjects(actor, query, group);
          const answer = await walk(caller.api, `/groups/${group.id}/projects`, query, 5);
          expect(answer.paths, `${caller.name} ${group.full_path} ${JSON.stringify(query)}`).toEqual(
            expected,
          );
        }
      }
    }
  });

  it('lists the groups each caller may see, with every parameter, as the access module decides', async () => {
    for (const caller of callers) {
      const actor = await caller.actor();
      const queries: Record<string, string>[] = [
        {},
        { all_available: 'true' },
        { all_available: 'true', order_by: 'path', sort: 'desc' },
        { all_available: 'true', order_by: 'id', top_level_only: 'true' },
        { owned: 'true' },
        { min_access_level: '20', all_available: 'true' },
        { search: 'WEB', all_available: 'true' },
      ];
      for (const query of queries) {
        const expected = await expectedGroups(actor, query);
        const answer = await walk(caller.api, '/groups', query, 3);
        expect(answer.paths, `${caller.name} ${JSON.stringify(query)}`).toEqual(expected);
      }
    }
  });

  it('presents a page with the names of the groups above each project', async () => {
    const [project] = await world.users.reporter!.api.expect(
      200,
      'GET',
      '/projects?search=gamma&order_by=path&sort=asc&per_page=1&page=3',
    );
    expect(project).toMatchObject({
      path_with_namespace: 'acme/web/deep/gamma',
      name_with_namespace: 'acme Group / web Group / deep Group / gamma',
      namespace: { full_path: 'acme/web/deep', id: groups['acme/web/deep']!.id },
      permissions: { project_access: null, group_access: { access_level: 20 } },
    });
    const one = await world.users.reporter!.api.expect(200, 'GET', `/projects/${project.id}`);
    expect(one.name_with_namespace).toBe(project.name_with_namespace);
    expect((await world.root.expect(200, 'GET', `/groups/${groups['acme/web/deep']!.id}`)).full_name).toBe(
      'acme Group / web Group / deep Group',
    );
    const [group] = await world.root.expect(200, 'GET', '/groups?search=deep&all_available=true');
    expect(group).toMatchObject({
      full_path: 'acme/web/deep',
      full_name: 'acme Group / web Group / deep Group',
    });
  });

  it("finds each image's owning project and whether the caller may view its registry", async () => {
    const now = new Date();
    const groupIds = new Map((await bff.services.groups.list({})).map((g) => [g.full_path, g.id]));
    const under = (await allProjects()).filter((project) => project.full_path.startsWith('acme/'));
    // Names at the project path, one to three segments below it (owned), four below (too deep for
    // an image of the project), and below a group with no project there.
    const owned = under.flatMap((project) => [
      project.full_path,
      `${project.full_path}/app`,
      `${project.full_path}/a/b/c`,
    ]);
    const names = [
      ...owned,
      ...under.map((project) => `${project.full_path}/a/b/c/d`),
      'acme/no-such-project/app',
    ];
    const decisions = new Set<boolean>();
    for (const caller of callers) {
      const actor = await caller.actor();
      const owners = await bff.services.projects.registryOwnersOf(actor, groups.acme!, names, now);
      // With fewer candidate paths than projects under the group it reads only those: the same answers.
      const few = [owned[0]!, owned[4]!, 'acme/no-such-project/app'];
      const fewOwners = await bff.services.projects.registryOwnersOf(actor, groups.acme!, few, now);
      expect([...fewOwners.entries()]).toEqual(
        few.filter((name) => owners.has(name)).map((name) => [name, owners.get(name)]),
      );
      const mayView = (project: ProjectRow) =>
        mayViewRegistry(
          actor,
          {
            id: project.id,
            visibility: project.visibility,
            registryAccessLevel: project.container_registry_access_level,
            groupIds: prefixesOf(project.full_path).map((path) => groupIds.get(path)!),
          },
          now,
        );
      expect([...owners.keys()].sort(), caller.name).toEqual([...owned].sort());
      for (const project of under) {
        for (const name of [project.full_path, `${project.full_path}/a/b/c`]) {
          const owner = owners.get(name);
          expect(owner?.projectId, `${caller.name}: ${name}`).toBe(project.id);
          expect(owner?.fullPath, `${caller.name}: ${name}`).toBe(project.full_path);
          expect(owner?.registryVisible, `${caller.name}: ${name}`).toBe(mayView(project));
          decisions.add(mayView(project));
        }
      }
    }
    // Callers and projects cover both answers.
    expect([...decisions].sort()).toEqual([false, true]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PersonalAccessTokenScope } from '@berth/contract';
import { migrateToLatest, openDatabase, type SqlDatabase } from '@berth/sql';
import { databaseTargets } from '@berth/sql/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Actor,
  ANONYMOUS,
  type GroupCondition,
  groupPermissions,
  groupsWithAccessLevel,
  mayViewRegistry,
  type ProjectCondition,
  projectPermissions,
  projectsWithAccessLevel,
  projectsWithRegistryPull,
  projectsWithRegistryView,
  readableGroups,
  readableProjectParts,
  readableProjects,
  registryActions,
} from '../src/access/access.js';
import { bffMigrations } from '../src/db/migrations.js';
import type { BffDatabase, GroupRow, ProjectRow } from '../src/db/schema.js';
import { GroupService } from '../src/domain/groups.js';
import { ProjectService } from '../src/domain/projects.js';
import { UserService } from '../src/domain/users.js';
import { REGISTRY_LEVELS, ROLES, type Role, SEED_PULL, VISIBILITIES } from './support/seed-table.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const LEVELS = [-1, 0, 1, 10, 15, 20, 30, 40, 50, 60];
const SCOPE_SETS: (readonly PersonalAccessTokenScope[] | 'all')[] = [
  'all',
  ['api'],
  ['read_api'],
  ['read_registry'],
  ['write_registry'],
  ['read_registry', 'write_registry'],
];

/**
 * The access module answers list questions twice: in memory for one project or group, and as a SQL
 * condition for a whole table. Both must give the same answer for every actor on every row.
 */
describe.each(databaseTargets())(
  'access conditions agree with the in-memory decisions on $dialect',
  (target) => {
    let database: SqlDatabase<BffDatabase>;
    let db: Kysely<BffDatabase>;
    let drop: () => Promise<void>;
    let dataDir: string;
    let groupService: GroupService;
    let projectService: ProjectService;
    let users: UserService;
    const groups: Record<string, GroupRow> = {};
    const projects: Record<string, ProjectRow> = {};
    const userIds: Record<string, number> = {};

    async function addGroup(path: string, visibility: GroupRow['visibility']) {
      const slash = path.lastIndexOf('/');
      const parent = slash < 0 ? undefined : groups[path.slice(0, slash)];
      groups[path] = await groupService.create(
        { name: path.toUpperCase(), path: path.slice(slash + 1), parent, visibility, description: undefined },
        userIds.root!,
      );
    }

    /** One project per cell of the seed's table (visibility × registry access level) in the group. */
    async function addCellProjects(groupPath: string) {
      const group = groups[groupPath]!;
      for (const visibility of VISIBILITIES) {
        if (visibility === 'public' && group.visibility !== 'public') continue;
        if (visibility === 'internal' && group.visibility === 'private') continue;
        for (const level of REGISTRY_LEVELS) {
          const project = await projectService.create({
            name: `${visibility}-${level}`,
            path: `${visibility}-${level}`,
            group,
            visibility,
            registryAccessLevel: level,
            description: undefined,
          });
          projects[project.full_path] = project;
        }
      }
    }

    async function addUser(username: string, extra: { admin?: boolean; blocked?: boolean } = {}) {
      const row = await db
        .insertInto('users')
        .values({
          username,
          name: username,
          email: `${username}@example.com`,
          password_hash: 'not-used',
          is_admin: extra.admin ? 1 : 0,
          state: extra.blocked ? 'blocked' : 'active',
          created_at: NOW.toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      userIds[username] = row.id;
    }

    async function addMember(
      username: string,
      source: { group: string } | { project: string },
      accessLevel: number,
      expiresAt: string | null = null,
    ) {
      await db
        .insertInto('members')
        .values({
          source_type: 'group' in source ? 'group' : 'project',
          source_id: 'group' in source ? groups[source.group]!.id : projects[source.project]!.id,
          user_id: userIds[username]!,
          access_level: accessLevel,
          expires_at: expiresAt,
          created_at: NOW.toISOString(),
        })
        .execute();
    }

    async function userActor(
      username: string,
      scopes: 'all' | readonly PersonalAccessTokenScope[] = 'all',
    ): Promise<Actor> {
      const row = await users.findById(userIds[username]!);
      return { kind: 'user', user: await users.principal(row!), scopes };
    }

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'berth-access-'));
      const created = await target.create();
      drop = created.drop;
      database = openDatabase<BffDatabase>({ url: created.url, sqlitePath: join(dataDir, 'bff.db') });
      db = database.db;
      await migrateToLatest(db as Kysely<unknown>, bffMigrations(database.dialect));
      groupService = new GroupService(db);
      projectService = new ProjectService(db);
      users = new UserService(db);

      await addUser('root', { admin: true });
      // A tree three deep, so membership must be inherited across two levels.
      await addGroup('pub', 'public');
      await addGroup('pub/sub', 'public');
      await addGroup('pub/sub/deep', 'public');
      await addGroup('pub/side', 'internal');
      await addGroup('int', 'internal');
      await addGroup('int/inner', 'private');
      await addGroup('priv', 'private');
      await addGroup('priv/inner', 'private');
      for (const path of Object.keys(groups)) await addCellProjects(path);

      for (const name of [
        'guest',
        'reporter',
        'developer',
        'maintainer',
        'owner',
        'outsider',
        'sub-guest',
        'project-reporter',
        'expired',
        'expires-today',
        'expires-tomorrow',
        'mixed',
      ])
        await addUser(name);
      await addUser('admin', { admin: true });
      await addUser('blocked', { blocked: true });
      await addUser('blocked-admin', { admin: true, blocked: true });
      for (const [role, level] of [
        ['guest', 10],
        ['reporter', 20],
        ['developer', 30],
        ['maintainer', 40],
        ['owner', 50],
      ] as const) {
        await addMember(role, { group: 'pub' }, level);
        await addMember(role, { group: 'priv' }, level);
      }
      await addMember('sub-guest', { group: 'pub/sub' }, 10);
      await addMember('project-reporter', { project: 'priv/inner/private-private' }, 20);
      await addMember('project-reporter', { project: 'pub/public-private' }, 10);
      await addMember('expired', { group: 'priv' }, 40, '2026-06-14');
      await addMember('expires-today', { group: 'priv' }, 40, '2026-06-15');
      await addMember('expires-tomorrow', { group: 'priv' }, 40, '2026-06-16');
      await addMember('mixed', { group: 'int' }, 10);
      await addMember('mixed', { group: 'int/inner' }, 30);
      await addMember('mixed', { project: 'int/internal-private' }, 20);
      await addMember('blocked', { group: 'pub' }, 40);
      await addMember('blocked', { group: 'priv' }, 40);
    });

    afterAll(async () => {
      await database?.close();
      await drop?.();
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function actors(): Promise<[string, Actor][]> {
      const list: [string, Actor][] = [['anonymous', ANONYMOUS]];
      for (const username of Object.keys(userIds)) {
        for (const scopes of SCOPE_SETS) {
          list.push([`${username} ${JSON.stringify(scopes)}`, await userActor(username, scopes)]);
        }
        const row = await users.findById(userIds[username]!);
        for (const project of ['pub/sub/deep/public-enabled', 'priv/inner/private-private']) {
          list.push([
            `job of ${username} in ${project}`,
            { kind: 'job', user: await users.principal(row!), projectId: projects[project]!.id },
          ]);
        }
      }
      for (const scopes of [
        ['read_registry'],
        ['write_registry'],
        ['read_registry', 'write_registry'],
      ] as const) {
        for (const [where, projectId, groupId] of [
          ['project priv/inner/private-enabled', projects['priv/inner/private-enabled']!.id, null],
          ['project pub/public-private', projects['pub/public-private']!.id, null],
          ['group pub/sub', null, groups['pub/sub']!.id],
          ['group priv', null, groups.priv!.id],
        ] as const) {
          list.push([
            `deploy token of ${where} ${scopes}`,
            { kind: 'deploy-token', username: 'gitlab+deploy-token-1', projectId, groupId, scopes },
          ]);
        }
      }
      return list;
    }

    const projectIdsWhere = async (condition: ProjectCondition) =>
      new Set((await db.selectFrom('projects').select('id').where(condition).execute()).map((r) => r.id));
    const groupIdsWhere = async (condition: GroupCondition) =>
      new Set((await db.selectFrom('groups').select('id').where(condition).execute()).map((r) => r.id));

    it('on every project and group, for every actor, credential and access level', async () => {
      const projectRows = Object.values(projects);
      const groupRows = Object.values(groups);
      const projectFacts = await Promise.all(projectRows.map((p) => projectService.facts(p)));
      const groupFacts = await Promise.all(groupRows.map((g) => groupService.facts(g)));
      let checked = 0;
      const seen = { read: 0, pull: 0, view: 0, level: 0 };
      for (const [name, actor] of await actors()) {
        const read = await projectIdsWhere(readableProjects(actor, NOW));
        const pull = await projectIdsWhere(projectsWithRegistryPull(actor, NOW));
        const view = await projectIdsWhere(projectsWithRegistryView(actor, NOW));
        // Lists count the readable projects part by part: the parts must not overlap, and must cover them.
        const parts = await Promise.all(readableProjectParts(actor, NOW).map(projectIdsWhere));
        const union = new Set(parts.flatMap((part) => [...part]));
        expect(
          parts.reduce((sum, part) => sum + part.size, 0),
          `parts overlap: ${name}`,
        ).toBe(union.size);
        expect([...union].sort(), `parts cover: ${name}`).toEqual([...read].sort());
        const byLevel = new Map<number, Set<number>>();
        for (const level of LEVELS)
          byLevel.set(level, await projectIdsWhere(projectsWithAccessLevel(actor, level, NOW)));
        projectRows.forEach((project, i) => {
          const permissions = projectPermissions(actor, projectFacts[i]!, NOW);
          const mayPull = registryActions(actor, projectFacts[i]!, NOW).includes('pull');
          const where = `${name} on ${project.full_path}`;
          expect(read.has(project.id), `read: ${where}`).toBe(permissions.read);
          expect(pull.has(project.id), `pull: ${where}`).toBe(mayPull);
          const mayView = mayViewRegistry(actor, projectFacts[i]!, NOW);
          expect(view.has(project.id), `view registry: ${where}`).toBe(mayView);
          for (const level of LEVELS) {
            expect(byLevel.get(level)!.has(project.id), `level ${level}: ${where}`).toBe(
              permissions.accessLevel >= level,
            );
          }
          seen.read += permissions.read ? 1 : 0;
          seen.pull += mayPull ? 1 : 0;
          seen.view += mayView ? 1 : 0;
          seen.level += permissions.accessLevel > 0 ? 1 : 0;
          checked += 3 + LEVELS.length;
        });

        const groupRead = await groupIdsWhere(readableGroups(actor, NOW));
        const groupByLevel = new Map<number, Set<number>>();
        for (const level of LEVELS)
          groupByLevel.set(level, await groupIdsWhere(groupsWithAccessLevel(actor, level, NOW)));
        groupRows.forEach((group, i) => {
          const permissions = groupPermissions(actor, groupFacts[i]!, NOW);
          const where = `${name} on group ${group.full_path}`;
          expect(groupRead.has(group.id), `read: ${where}`).toBe(permissions.read);
          for (const level of LEVELS) {
            expect(groupByLevel.get(level)!.has(group.id), `level ${level}: ${where}`).toBe(
              permissions.accessLevel >= level,
            );
          }
          checked += 1 + LEVELS.length;
        });
      }
      // Both answers must vary, or agreeing would prove nothing.
      const cells = projectRows.length * (await actors()).length;
      for (const count of Object.values(seen)) {
        expect(count).toBeGreaterThan(0);
        expect(count).toBeLessThan(cells);
      }
      expect(checked).toBeGreaterThan(50_000);
    });

    it('matches the seed table cell by cell, with membership inherited two groups down', async () => {
      const roleUser: Record<Role, string | undefined> = {
        anonymous: undefined,
        guest: 'guest',
        outsider: 'outsider',
        reporter: 'reporter',
        developer: 'developer',
        maintainer: 'maintainer',
        admin: 'admin',
      };
      for (const role of ROLES) {
        const username = roleUser[role];
        const actor = username ? await userActor(username) : ANONYMOUS;
        const pull = await projectIdsWhere(projectsWithRegistryPull(actor, NOW));
        for (const visibility of VISIBILITIES) {
          for (const level of REGISTRY_LEVELS) {
            const project = projects[`pub/sub/deep/${visibility}-${level}`]!;
            const expected = level === 'disabled' ? false : SEED_PULL[`${visibility}/${level}`]![role];
            expect(pull.has(project.id), `${role} on ${visibility}/${level}`).toBe(expected);
            const inMemory = registryActions(actor, await projectService.facts(project), NOW).includes(
              'pull',
            );
            expect(inMemory, `${role} on ${visibility}/${level} (in memory)`).toBe(expected);
          }
        }
      }
    });
  },
);

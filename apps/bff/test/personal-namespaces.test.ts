import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '@berth/sql';
import { databaseTargets } from '@berth/sql/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bffMigrations } from '../src/db/migrations.js';
import type { BffDatabase } from '../src/db/schema.js';
import { Api, createUsers, type RunningBff, startBff, type World } from './support/bff.js';

describe.each(databaseTargets())('personal namespaces on $dialect', (target) => {
  let bff: RunningBff;
  let world: World;
  let anonymous: Api;

  beforeAll(async () => {
    bff = await startBff(target);
    anonymous = new Api(`${bff.url}/api/v4`);
    world = await createUsers(bff, ['alice', 'bob']);
  });
  afterAll(async () => {
    await bff?.stop();
  });

  it('puts a project without namespace_id into its creator’s namespace, of kind user', async () => {
    const alice = world.users.alice!.api;
    const tools = await alice.expect(201, 'POST', '/projects', { path: 'tools' });
    expect(tools).toMatchObject({
      path_with_namespace: 'alice/tools',
      name_with_namespace: 'alice / tools',
      container_registry_image_prefix: '127.0.0.1:5000/alice/tools',
      namespace: { kind: 'user', full_path: 'alice', path: 'alice', parent_id: null },
      // The owner of the namespace is an Owner of every project in it.
      permissions: { group_access: { access_level: 50 } },
    });
    expect(tools.namespace.web_url).toMatch(/\/alice$/);
    const byPath = await alice.expect(201, 'POST', '/projects', { path: 'web', namespace_id: 'alice' });
    const byId = await alice.expect(201, 'POST', '/projects', {
      path: 'api',
      namespace_id: tools.namespace.id,
      visibility: 'public',
    });
    expect([byPath.path_with_namespace, byId.path_with_namespace]).toEqual(['alice/web', 'alice/api']);
    // Private by default: another user sees only the public one.
    await world.users.bob!.api.expect(404, 'GET', `/projects/${tools.id}`);
    await world.users.bob!.api.expect(200, 'GET', `/projects/${byId.id}`);
    const owned = await alice.expect(200, 'GET', '/projects?owned=true&order_by=path&sort=asc');
    expect(owned.map((p: { path_with_namespace: string }) => p.path_with_namespace)).toEqual([
      'alice/api',
      'alice/tools',
      'alice/web',
    ]);
    const members = await world.users.bob!.api.expect(200, 'GET', `/projects/${byId.id}/members/all`);
    expect(
      members.map((m: { username: string; access_level: number }) => [m.username, m.access_level]),
    ).toEqual([['alice', 50]]);
  });

  it('lets nobody but the owner (and admins) create projects there', async () => {
    const bob = world.users.bob!.api;
    const refused = await bob.post('/projects', { path: 'sneaky', namespace_id: 'alice' });
    expect(refused.status).toBe(403);
    const tools = await bob.expect(200, 'GET', '/projects/alice%2Fapi');
    await bob.expect(403, 'PUT', `/projects/${tools.id}`, { description: 'x' });
    await world.root.expect(201, 'POST', '/projects', { path: 'by-admin', namespace_id: 'alice' });
  });

  it('is no group: not listed, not found as one, no subgroups or members', async () => {
    const alice = world.users.alice!.api;
    const listed = await alice.expect(200, 'GET', '/groups?all_available=true');
    expect(listed.map((g: { full_path: string }) => g.full_path)).not.toContain('alice');
    await alice.expect(404, 'GET', '/groups/alice');
    await alice.expect(404, 'GET', '/groups/alice/members');
    const namespaceId = (await alice.expect(200, 'GET', '/projects/alice%2Ftools')).namespace.id;
    expect((await alice.post('/groups', { name: 'Sub', path: 'sub', parent_id: namespaceId })).status).toBe(
      404,
    );
    await alice.expect(404, 'DELETE', `/groups/${namespaceId}`);
  });

  it('shares one path space with groups, case-insensitively', async () => {
    const bob = world.users.bob!.api;
    const taken = await bob.post('/groups', { name: 'Alice', path: 'alice' });
    expect(taken.status).toBe(400);
    expect(taken.body.message).toMatch(/already been taken/);
    await bob.expect(201, 'POST', '/groups', { name: 'Acme', path: 'acme' });
    for (const username of ['acme', 'ACME']) {
      const signUp = await anonymous.post('/users', {
        username,
        name: 'Acme',
        email: `${username}@example.com`,
        password: 'acme-password-1',
      });
      expect(signUp.status).toBe(400);
      expect(signUp.body.message).toBe('Username has already been taken');
    }
    // Nothing of the refused sign-up was kept.
    expect(await world.root.expect(200, 'GET', '/users?username=acme')).toEqual([]);
  });

  it('refuses a username that could not start an image path, and saying why', async () => {
    const signUp = await anonymous.post('/users', {
      username: 'dash-',
      name: 'Dash',
      email: 'dash@example.com',
      password: 'dash-password-1',
    });
    expect(signUp.status).toBe(400);
    expect(signUp.body.message).toMatch(/^username: must end with a letter or digit.*namespace/);
  });

  it('gives a user with capitals a lower-case namespace', async () => {
    const created = await anonymous.expect(201, 'POST', '/users', {
      username: 'Carol',
      name: 'Carol C',
      email: 'carol@example.com',
      password: 'carol-password-1',
    });
    const token = await world.root.expect(201, 'POST', `/users/${created.id}/personal_access_tokens`, {
      name: 't',
      scopes: ['api'],
    });
    const project = await anonymous.withToken(token.token).expect(201, 'POST', '/projects', { path: 'x' });
    expect(project).toMatchObject({ path_with_namespace: 'carol/x', name_with_namespace: 'Carol C / x' });
  });
});

describe.each(databaseTargets())('the personal namespace migration on $dialect', (target) => {
  it('gives every existing user a namespace, keeping existing group paths', async () => {
    const created = await target.create();
    const dir = mkdtempSync(join(tmpdir(), 'berth-migrate-'));
    const database = openDatabase<BffDatabase>({ url: created.url, sqlitePath: join(dir, 'bff.db') });
    try {
      const db = database.db;
      const all = bffMigrations(database.dialect);
      const first = Object.keys(all)[0]!;
      await migrateToLatest(db as Kysely<unknown>, { [first]: all[first]! });
      const now = new Date().toISOString();
      for (const username of ['dora', 'Acme', '_odd.', 'x__y']) {
        await db
          .insertInto('users')
          .values({
            username,
            name: `Name ${username}`,
            email: `${username}@example.com`,
            password_hash: 'x',
            is_admin: 0,
            state: 'active',
            created_at: now,
          } as never)
          .execute();
      }
      await db
        .insertInto('groups')
        .values({
          name: 'Acme',
          path: 'acme',
          full_path: 'acme',
          parent_id: null,
          visibility: 'private',
          description: '',
          created_at: now,
        } as never)
        .execute();

      await migrateToLatest(db as Kysely<unknown>, all);

      const namespaces = await db
        .selectFrom('groups')
        .innerJoin('users', 'users.id', 'groups.owner_id')
        .select(['users.username', 'groups.full_path', 'groups.kind', 'groups.id'])
        .orderBy('users.id')
        .execute();
      expect(namespaces.map((n) => [n.username, n.full_path, n.kind])).toEqual([
        ['dora', 'dora', 'user'],
        ['Acme', 'acme1', 'user'],
        ['_odd.', 'odd', 'user'],
        ['x__y', 'x__y', 'user'],
      ]);
      const acme = await db
        .selectFrom('groups')
        .selectAll()
        .where('full_path', '=', 'acme')
        .executeTakeFirst();
      expect(acme).toMatchObject({ kind: 'group', owner_id: null });
      const owners = await db
        .selectFrom('members')
        .select(['source_id', 'access_level'])
        .where('source_type', '=', 'group')
        .execute();
      expect(owners).toEqual(
        expect.arrayContaining(namespaces.map((n) => ({ source_id: n.id, access_level: 50 }))),
      );
    } finally {
      await database.close();
      await created.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

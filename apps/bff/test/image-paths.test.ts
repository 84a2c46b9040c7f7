// Renames, transfers and deletions of projects and groups against the real registry process: images
// move with their paths, go with their projects, and nothing stays readable at a path given up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@berth/sql';
import { databaseTargets } from '@berth/sql/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BffDatabase } from '../src/db/schema.js';
import {
  Api,
  createUsers,
  personalAccessToken,
  type RunningBff,
  startBff,
  type World,
} from './support/bff.js';
import { buildOciLayout } from './support/oci-layout.js';
import {
  pushToken,
  type RunningRegistry,
  registryPrerequisiteOrSkip,
  startTokenRegistry,
} from './support/registry.js';
import { type Credentials, pullImage, pushImage, REFUSED } from './support/skopeo.js';

const missing = await registryPrerequisiteOrSkip('project and group paths with the real registry');
/** What skopeo prints when a repository or tag is not in the registry (authorized, but nothing there). */
const ABSENT = /manifest unknown|name unknown|not found/i;

describe.skipIf(missing !== undefined).each(databaseTargets())('paths and images on $dialect', (target) => {
  let bff: RunningBff;
  let registry: RunningRegistry;
  let world: World;
  let anonymous: Api;
  const work = mkdtempSync(join(tmpdir(), 'berth-paths-'));
  const first = buildOciLayout('v1', 'the first image');
  const second = buildOciLayout('v1', 'another image');
  const as: Record<string, Credentials> = {};

  const push = async (repository: string, user: string, layout = first) => {
    const pushed = await pushImage(registry, layout, repository, as[user]);
    expect(pushed.ok, pushed.output).toBe(true);
  };
  const pull = (repository: string, user: string | undefined) =>
    pullImage(registry, work, repository, user === undefined ? undefined : as[user]);
  const expectPulls = async (repository: string, user: string) => {
    const pulled = await pull(repository, user);
    expect(pulled.ok, `${repository}: ${pulled.output}`).toBe(true);
  };
  /** The path grants nothing: no project there, so the token service leaves it out. */
  const expectRefused = async (repository: string, user: string) => {
    const pulled = await pull(repository, user);
    expect(pulled.ok, `${repository} should not pull`).toBe(false);
    expect(pulled.output).toMatch(REFUSED);
  };
  const pushAsOperator = async (repository: string) => {
    const token = pushToken(bff.services.signingKey, bff.config.tokenIssuer, repository);
    const pushed = await pushImage(registry, first, repository, { bearer: token });
    expect(pushed.ok, pushed.output).toBe(true);
  };
  const registryPaths = async (prefix: string) =>
    (await bff.services.registry.listRepositoriesUnder(prefix)).map((r) => r.path).sort();

  beforeAll(async () => {
    bff = await startBff(target);
    registry = await startTokenRegistry({
      bffDataDir: bff.dataDir,
      issuer: bff.config.tokenIssuer,
      realm: `${bff.url}/jwt/auth`,
    });
    // The BFF's registry client reads its base URL on each call; the registry's port is known only now.
    bff.config.registryUrl.port = new URL(registry.url).port;
    anonymous = new Api(`${bff.url}/api/v4`);
    world = await createUsers(bff, ['alice', 'bob']);
    for (const [name, user] of Object.entries(world.users)) {
      as[name] = { username: name, password: user.password };
    }
  }, 60_000);

  afterAll(async () => {
    await registry?.stop();
    await bff?.stop();
    for (const dir of [work, first, second]) rmSync(dir, { recursive: true, force: true });
  });

  describe('rename and transfer', () => {
    let team: { id: number };
    let app: { id: number };

    beforeAll(async () => {
      const alice = world.users.alice!.api;
      team = await alice.expect(201, 'POST', '/groups', { name: 'Team', path: 'team' });
      app = await alice.expect(201, 'POST', '/projects', { path: 'app', namespace_id: team.id });
      await push('team/app', 'alice');
      await push('team/app/worker', 'alice');
      await alice.expect(201, 'POST', `/groups/${team.id}/members`, {
        user_id: world.users.bob!.id,
        access_level: 40,
      });
    }, 60_000);

    it('renames a project: its images pull at the new path and nothing answers at the old one', async () => {
      const refused = await world.users.bob!.api.put(`/projects/${app.id}`, { path: 'svc' });
      expect(refused.status).toBe(403);
      const alice = world.users.alice!.api;
      await alice.expect(201, 'POST', '/projects', { path: 'busy', namespace_id: team.id });
      const taken = await alice.put(`/projects/${app.id}`, {
        path: 'busy',
        description: 'not kept',
        container_expiration_policy_attributes: { enabled: true, keep_n: 5 },
      });
      expect(taken.status).toBe(400);
      expect(taken.body.message).toMatch(/"team\/busy" has already been taken/);
      // All or nothing: the refused rename took the other changes with it.
      const unchanged = await alice.expect(200, 'GET', `/projects/${app.id}`);
      expect(unchanged.description).not.toBe('not kept');
      expect(unchanged.container_expiration_policy.enabled).toBe(false);
      const badPolicy = await alice.put(`/projects/${app.id}`, {
        path: 'svc',
        container_expiration_policy_attributes: { name_regex: '(' },
      });
      expect(badPolicy.status).toBe(400);
      expect(await registryPaths('team/app')).toEqual(['team/app', 'team/app/worker']);
      const invalid = await alice.put(`/projects/${app.id}`, { path: 'Bad_' });
      expect(invalid.status).toBe(400);
      expect(await registryPaths('team/app')).toEqual(['team/app', 'team/app/worker']);
      const renamed = await world.users.alice!.api.expect(200, 'PUT', `/projects/${app.id}`, { path: 'svc' });
      expect(renamed).toMatchObject({ path: 'svc', path_with_namespace: 'team/svc' });
      expect(await registryPaths('team')).toEqual(['team/svc', 'team/svc/worker']);
      await expectPulls('team/svc', 'alice');
      await expectPulls('team/svc/worker', 'bob');
      await expectRefused('team/app', 'alice');
      await world.users.alice!.api.expect(404, 'GET', '/projects/team%2Fapp');
    });

    it('renames a group and transfers it, moving every project and subgroup below it', async () => {
      const alice = world.users.alice!.api;
      const sub = await alice.expect(201, 'POST', '/groups', {
        name: 'Sub',
        path: 'sub',
        parent_id: team.id,
      });
      await alice.expect(201, 'POST', '/projects', { path: 'deep', namespace_id: sub.id });
      await push('team/sub/deep', 'alice');

      // Group settings and paths are the Owner's (GitLab's rule): a Maintainer changes neither.
      const notOwner = await world.users.bob!.api.put(`/groups/${team.id}`, {
        name: 'Renamed',
        path: 'crew',
      });
      expect(notOwner.status).toBe(403);
      // A path taken by another group refuses the whole request, name included.
      await alice.expect(201, 'POST', '/groups', { name: 'Taken', path: 'taken' });
      const taken = await alice.put(`/groups/${team.id}`, { name: 'Renamed', path: 'taken' });
      expect(taken.status).toBe(400);
      expect((await alice.expect(200, 'GET', `/groups/${team.id}`)).name).not.toBe('Renamed');
      const crew = await alice.expect(200, 'PUT', `/groups/${team.id}`, { path: 'crew' });
      expect(crew).toMatchObject({ path: 'crew', full_path: 'crew' });
      expect(await registryPaths('crew')).toEqual(['crew/sub/deep', 'crew/svc', 'crew/svc/worker']);
      expect(await registryPaths('team')).toEqual([]);
      await expectPulls('crew/sub/deep', 'alice');
      await expectRefused('team/sub/deep', 'alice');
      expect((await alice.expect(200, 'GET', `/projects/${app.id}`)).path_with_namespace).toBe('crew/svc');
      expect((await alice.expect(200, 'GET', `/groups/${sub.id}`)).full_path).toBe('crew/sub');

      const home = await alice.expect(201, 'POST', '/groups', { name: 'Home', path: 'home' });
      const moved = await alice.expect(201, 'POST', `/groups/${team.id}/transfer`, { group_id: home.id });
      expect(moved).toMatchObject({ full_path: 'home/crew', parent_id: home.id });
      await expectPulls('home/crew/svc', 'bob');
      await expectRefused('crew/svc', 'bob');
      const inside = await alice.post(`/groups/${home.id}/transfer`, { group_id: sub.id });
      expect(inside.status).toBe(400);

      const top = await alice.expect(201, 'POST', `/groups/${team.id}/transfer`, {});
      expect(top).toMatchObject({ full_path: 'crew', parent_id: null });
      await expectPulls('crew/sub/deep', 'alice');
      expect(await registryPaths('home')).toEqual([]);
    });

    it('transfers a project into another group, no more visible than it, and into a personal namespace', async () => {
      const alice = world.users.alice!.api;
      const open = await alice.expect(201, 'POST', '/groups', {
        name: 'Open',
        path: 'open',
        visibility: 'public',
      });
      const site = await alice.expect(201, 'POST', '/projects', {
        path: 'site',
        namespace_id: open.id,
        visibility: 'public',
      });
      await push('open/site', 'alice');
      expect((await pull('open/site', undefined)).ok).toBe(true);

      // bob may see the public project and create projects in crew, but only Owners transfer.
      const notOwner = await world.users.bob!.api.put(`/projects/${site.id}/transfer`, {
        namespace: team.id,
      });
      expect(notOwner.status).toBe(403);
      const moved = await alice.expect(200, 'PUT', `/projects/${site.id}/transfer`, { namespace: 'crew' });
      expect(moved).toMatchObject({ path_with_namespace: 'crew/site', visibility: 'private' });
      await expectPulls('crew/site', 'bob');
      const anonymousPull = await pull('crew/site', undefined);
      expect(anonymousPull.ok).toBe(false);
      await expectRefused('open/site', 'alice');

      const mine = await alice.expect(200, 'PUT', `/projects/${site.id}/transfer`, { namespace: 'alice' });
      expect(mine).toMatchObject({ path_with_namespace: 'alice/site', namespace: { kind: 'user' } });
      await expectPulls('alice/site', 'alice');
      await expectRefused('alice/site', 'bob');
      // Into a namespace where the caller may not create projects.
      const refused = await world.users.bob!.api.put(`/projects/${app.id}/transfer`, { namespace: 'alice' });
      expect(refused.status).toBe(403);
    });

    it('refuses a target the registry already holds, and changes nothing', async () => {
      const alice = world.users.alice!.api;
      // Images no project owns, as an operator's tool could leave them.
      await pushAsOperator('crew/taken/x');
      const refused = await alice.put(`/projects/${app.id}`, { path: 'taken' });
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/crew\/taken/);
      expect((await alice.expect(200, 'GET', `/projects/${app.id}`)).path_with_namespace).toBe('crew/svc');
      expect(await registryPaths('crew/svc')).toEqual(['crew/svc', 'crew/svc/worker']);
      expect(await registryPaths('crew/taken')).toEqual(['crew/taken/x']);
      await expectPulls('crew/svc', 'alice');

      // The registry's dry run refuses a rename that would make an image name too long.
      // (239 characters: skopeo counts the registry host into its own 255-character limit.)
      const long = await alice.expect(201, 'POST', '/projects', { path: 'l', namespace_id: team.id });
      const longest = `crew/l/${'a'.repeat(232)}`;
      await push(longest, 'alice');
      const tooLong = await alice.put(`/projects/${long.id}`, { path: 'l-with-a-much-longer-name' });
      expect(tooLong.status).toBe(400);
      expect(tooLong.body.message).toMatch(/invalid image name/);
      expect(await registryPaths('crew/l')).toEqual([longest]);
      expect((await alice.expect(200, 'GET', `/projects/${long.id}`)).path).toBe('l');

      await pushAsOperator('elsewhere/svc');
      const renamed = await alice.put(`/groups/${team.id}`, { path: 'elsewhere' });
      expect(renamed.status).toBe(409);
      expect((await alice.expect(200, 'GET', `/groups/${team.id}`)).full_path).toBe('crew');
      await expectPulls('crew/sub/deep', 'alice');
    });

    it('moves the images back when the rows cannot follow them', async () => {
      const alice = world.users.alice!.api;
      const project = await alice.expect(201, 'POST', '/projects', { path: 'roll', namespace_id: team.id });
      await push('crew/roll', 'alice');
      const side = openDatabase<BffDatabase>({
        url: bff.config.databaseUrl,
        sqlitePath: join(bff.dataDir, 'bff', 'bff.db'),
      });
      try {
        // The database refuses this one path, as a full disk or a lost connection would.
        if (side.dialect === 'sqlite') {
          await sql`create trigger refuse_path before update on projects when new.full_path = 'crew/rolled'
            begin select raise(abort, 'refused'); end`.execute(side.db);
        } else {
          await sql`create function refuse_path() returns trigger language plpgsql as $$
            begin if new.full_path = 'crew/rolled' then raise exception 'refused'; end if; return new; end $$`.execute(
            side.db,
          );
          await sql`create trigger refuse_path before update on projects for each row execute function refuse_path()`.execute(
            side.db,
          );
        }
        const failed = await alice.put(`/projects/${project.id}`, { path: 'rolled' });
        expect(failed.status).toBe(500);
        expect((await alice.expect(200, 'GET', `/projects/${project.id}`)).path_with_namespace).toBe(
          'crew/roll',
        );
        expect(await registryPaths('crew/roll')).toEqual(['crew/roll']);
        expect(await registryPaths('crew/rolled')).toEqual([]);
        await expectPulls('crew/roll', 'alice');
      } finally {
        await sql`drop trigger refuse_path${sql.raw(side.dialect === 'postgres' ? ' on projects' : '')}`.execute(
          side.db,
        );
        await side.close();
      }
      await alice.expect(200, 'PUT', `/projects/${project.id}`, { path: 'rolled' });
      await expectPulls('crew/rolled', 'alice');
    });

    it('gives a project created at a path given up by a rename or transfer none of the old images', async () => {
      const alice = world.users.alice!.api;
      const crew = await alice.expect(200, 'GET', `/groups/${team.id}`);
      const old = await alice.expect(201, 'POST', '/projects', { path: 'old', namespace_id: crew.id });
      await push('crew/old', 'alice');
      await alice.expect(200, 'PUT', `/projects/${old.id}`, { path: 'new' });
      await alice.expect(201, 'POST', '/projects', { path: 'old', namespace_id: crew.id });
      const again = await pull('crew/old', 'alice');
      expect(again.ok).toBe(false);
      expect(again.output).toMatch(ABSENT);

      await alice.expect(200, 'PUT', `/projects/${old.id}/transfer`, { namespace: 'alice' });
      await alice.expect(201, 'POST', '/projects', { path: 'new', namespace_id: crew.id });
      const afterTransfer = await pull('crew/new', 'alice');
      expect(afterTransfer.ok).toBe(false);
      expect(afterTransfer.output).toMatch(ABSENT);
      await expectPulls('alice/new', 'alice');
    });
  });

  it('lets the owner push to projects in their personal namespace, and nobody else', async () => {
    await world.users.alice!.api.expect(201, 'POST', '/projects', { path: 'tools', visibility: 'public' });
    await push('alice/tools/cli', 'alice');
    const byBob = await pushImage(registry, second, 'alice/tools/cli', as.bob);
    expect(byBob.ok).toBe(false);
    expect(byBob.output).toMatch(REFUSED);
    // Public: everyone pulls, and what they pull is still alice's image.
    await expectPulls('alice/tools/cli', 'bob');
    expect((await pull('alice/tools/cli', undefined)).ok).toBe(true);
    const bobsOwn = await world.users.bob!.api.expect(201, 'POST', '/projects', { path: 'tools' });
    expect(bobsOwn.path_with_namespace).toBe('bob/tools');
    await push('bob/tools', 'bob', second);
    await expectRefused('bob/tools', 'alice');
  });

  describe('deletion', () => {
    it('leaves a newcomer who recreates a deleted private project and its group nothing to pull', async () => {
      const alice = world.users.alice!.api;
      const solo = await alice.expect(201, 'POST', '/groups', { name: 'Solo', path: 'solo' });
      const priv = await alice.expect(201, 'POST', '/projects', { path: 'priv', namespace_id: solo.id });
      const other = await alice.expect(201, 'POST', '/projects', { path: 'other', namespace_id: solo.id });
      const sub = await alice.expect(201, 'POST', '/groups', {
        name: 'Sub',
        path: 'sub',
        parent_id: solo.id,
      });
      await alice.expect(201, 'POST', '/projects', { path: 'deep', namespace_id: sub.id });
      for (const repository of ['solo/priv', 'solo/priv/extra', 'solo/other', 'solo/sub/deep']) {
        await push(repository, 'alice');
      }

      await alice.expect(202, 'DELETE', `/projects/${priv.id}`);
      expect(await registryPaths('solo/priv')).toEqual([]);
      expect(await registryPaths('solo')).toEqual(['solo/other', 'solo/sub/deep']);
      // A group with projects and subgroups goes with all of them (GitLab), images first.
      await alice.expect(202, 'DELETE', `/groups/${solo.id}`);
      expect(await registryPaths('solo')).toEqual([]);
      await alice.expect(404, 'GET', `/projects/${other.id}`);
      await alice.expect(404, 'GET', `/groups/${sub.id}`);

      await anonymous.expect(201, 'POST', '/users', {
        username: 'newcomer',
        name: 'Newcomer',
        email: 'newcomer@example.com',
        password: 'newcomer-password-1',
      });
      as.newcomer = { username: 'newcomer', password: 'newcomer-password-1' };
      const newcomer = anonymous.withToken(
        await personalAccessToken(anonymous, 'newcomer', 'newcomer-password-1', ['api']),
      );
      const group = await newcomer.expect(201, 'POST', '/groups', { name: 'Solo', path: 'solo' });
      for (const path of ['priv', 'other']) {
        await newcomer.expect(201, 'POST', '/projects', { path, namespace_id: group.id });
      }
      for (const repository of ['solo/priv', 'solo/priv/extra', 'solo/other']) {
        const pulled = await pull(repository, 'newcomer');
        expect(pulled.ok, `${repository} must be gone`).toBe(false);
        expect(pulled.output).toMatch(ABSENT);
      }
      await push('solo/priv', 'newcomer', second);
      await expectPulls('solo/priv', 'newcomer');
    });

    it('forgets a released path that holds nothing once no token from before its release is valid', async () => {
      const alice = world.users.alice!.api;
      const gone = await alice.expect(201, 'POST', '/groups', { name: 'Gone', path: 'gone' });
      await alice.expect(201, 'POST', '/projects', { path: 'p', namespace_id: gone.id });
      await push('gone/p', 'alice');
      await alice.expect(202, 'DELETE', `/groups/${gone.id}`);
      await pushAsOperator('orphaned/img');
      await bff.services.imagePaths.releaseUnownedImages();
      const side = openDatabase<BffDatabase>({
        url: bff.config.databaseUrl,
        sqlitePath: join(bff.dataDir, 'bff', 'bff.db'),
      });
      const released = async () =>
        (await side.db.selectFrom('released_paths').select('full_path').execute()).map(
          (row) => row.full_path,
        );
      try {
        expect(await released()).toEqual(expect.arrayContaining(['gone', 'orphaned/img']));
        // Released after this time: a token from before the release may still push there.
        await bff.services.imagePaths.forgetEmptyReleasedPaths(new Date(Date.now() - 60_000));
        expect(await released()).toContain('gone');
        await bff.services.imagePaths.forgetEmptyReleasedPaths(new Date(Date.now() + 1000));
        const left = await released();
        expect(left).not.toContain('gone');
        // Images no project owns stay recorded until a new owner clears them.
        expect(left).toContain('orphaned/img');
      } finally {
        await side.close();
      }
    });

    it('gives a new project none of the images an older version left at a deleted path', async () => {
      // As an install from before deletes took images along: images at paths no project owns, with no
      // record of the paths being released; and a project whose own images must stay.
      await pushAsOperator('legacy/priv');
      await pushAsOperator('legacy/priv/worker');
      const alice = world.users.alice!.api;
      const kept = await alice.expect(201, 'POST', '/groups', { name: 'Kept', path: 'kept-legacy' });
      await alice.expect(201, 'POST', '/projects', { path: 'app', namespace_id: kept.id });
      await push('kept-legacy/app', 'alice');
      // Earlier tests may leave unowned paths of their own; these two are among what is recorded.
      expect(await bff.services.imagePaths.releaseUnownedImages()).toBeGreaterThanOrEqual(2);
      expect(await bff.services.imagePaths.releaseUnownedImages()).toBe(0);
      expect(await registryPaths('kept-legacy')).toEqual(['kept-legacy/app']);

      const newcomer = world.users.bob!.api;
      const group = await newcomer.expect(201, 'POST', '/groups', { name: 'Legacy', path: 'legacy' });
      await newcomer.expect(201, 'POST', '/projects', { path: 'priv', namespace_id: group.id });
      expect(await registryPaths('legacy')).toEqual([]);
      for (const repository of ['legacy/priv', 'legacy/priv/worker']) {
        const pulled = await pull(repository, 'bob');
        expect(pulled.ok, `${repository} should not pull`).toBe(false);
        expect(pulled.output).toMatch(ABSENT);
      }
      await expectPulls('kept-legacy/app', 'alice');
    });

    it('empties a path that a registry token issued before the delete pushed to, before it has a new owner', async () => {
      const alice = world.users.alice!.api;
      const group = await alice.expect(201, 'POST', '/groups', { name: 'Stale', path: 'stale' });
      const project = await alice.expect(201, 'POST', '/projects', { path: 'p', namespace_id: group.id });
      const issued = { bearer: pushToken(bff.services.signingKey, bff.config.tokenIssuer, 'stale/p') };
      await alice.expect(202, 'DELETE', `/projects/${project.id}`);
      // The token outlives the project by a few minutes: the registry still accepts it.
      const late = await pushImage(registry, first, 'stale/p', issued);
      expect(late.ok, late.output).toBe(true);
      expect(await registryPaths('stale')).toEqual(['stale/p']);

      await alice.expect(201, 'POST', '/projects', { path: 'p', namespace_id: group.id });
      expect(await registryPaths('stale')).toEqual([]);
      const pulled = await pull('stale/p', 'alice');
      expect(pulled.ok).toBe(false);
      expect(pulled.output).toMatch(ABSENT);
    });
  });
});

describe.each(databaseTargets())('deletion without a reachable registry on $dialect', (target) => {
  let bff: RunningBff;
  let world: World;

  beforeAll(async () => {
    // REGISTRY_URL points at a closed port: every registry call fails.
    bff = await startBff(target, { REGISTRY_URL: 'http://127.0.0.1:9' });
    world = await createUsers(bff, ['alice']);
  });
  afterAll(async () => {
    await bff?.stop();
  });

  it('refuses to delete or move, and frees no path, while the registry cannot confirm', async () => {
    const alice = world.users.alice!.api;
    const group = await alice.expect(201, 'POST', '/groups', { name: 'Keep', path: 'keep' });
    const project = await alice.expect(201, 'POST', '/projects', { path: 'p', namespace_id: group.id });
    for (const [method, path, body] of [
      ['DELETE', `/projects/${project.id}`, undefined],
      ['DELETE', `/groups/${group.id}`, undefined],
      ['PUT', `/projects/${project.id}`, { path: 'q' }],
      ['PUT', `/groups/${group.id}`, { path: 'kept' }],
    ] as const) {
      const refused = await alice.request(method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(503);
      expect(refused.body.message).toMatch(/container registry/);
    }
    expect((await alice.expect(200, 'GET', `/projects/${project.id}`)).path_with_namespace).toBe('keep/p');
    expect((await alice.expect(200, 'GET', `/groups/${group.id}`)).full_path).toBe('keep');
  });
});

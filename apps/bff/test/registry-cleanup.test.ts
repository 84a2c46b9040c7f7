import { exec } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openDatabase } from '@berth/sql';
import { databaseTargets } from '@berth/sql/testing';
import { Gitlab } from '@gitbeaker/rest';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_DELETE_LIMIT_MESSAGE } from '../src/api/v4/registry-cleanup.js';
import { type CleanupRegistry, cleanupRegistryOf } from '../src/cleanup/registry-port.js';
import { CleanupScheduler } from '../src/cleanup/scheduler.js';
import type { BffDatabase } from '../src/db/schema.js';
import { CleanupPolicyService } from '../src/domain/cleanup-policies.js';
import { LeaseService } from '../src/domain/leases.js';
import { ProjectService } from '../src/domain/projects.js';
import { RegistryClient } from '../src/registry/registry-client.js';
import { type Api, createRoleGroup, createUsers, ROOT_PASSWORD, type World } from './support/bff.js';
import { registryPrerequisiteOrSkip } from './support/registry.js';
import { RegistryUser, type RunningStack, startStack } from './support/registry-stack.js';

const sh = promisify(exec);
// biome-ignore lint/suspicious/noExplicitAny: API answers are checked by the assertions, not by types
type Json = any;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const missing = await registryPrerequisiteOrSkip('registry cleanup tests');

const range = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);

describe.skipIf(missing !== undefined).each(databaseTargets())(
  'bulk tag delete and cleanup policies on $dialect',
  (target) => {
    /** The clock the BFF goes by: real time until a test fixes it. */
    let fixedNow: Date | undefined;
    const clock = () => fixedNow ?? new Date();
    let stack: RunningStack;
    let world: World;
    let developer: RegistryUser;
    let root: RegistryUser;
    let registry: CleanupRegistry;
    let groupId: number;

    async function project(path: string, visibility = 'private'): Promise<{ id: number; path: string }> {
      const created = await world.root.expect(201, 'POST', '/projects', {
        path,
        namespace_id: groupId,
        visibility,
      });
      return { id: created.id, path: created.path_with_namespace };
    }

    /** Repositories of a project as GitLab's API lists them, by path. */
    async function repositoriesOf(projectPath: string): Promise<Record<string, Json>> {
      const list = await world.root.expect(
        200,
        'GET',
        `/projects/${encodeURIComponent(projectPath)}/registry/repositories?per_page=100`,
      );
      return Object.fromEntries(list.map((repository: Json) => [repository.path, repository]));
    }

    async function repositoryId(projectPath: string, path: string): Promise<number> {
      const found = (await repositoriesOf(projectPath))[path];
      if (!found) throw new Error(`no repository ${path}`);
      return found.id;
    }

    /** A repository holding `latest` and `tags`, pushed in that order (so later tags are newer). */
    async function repositoryWith(repository: string, tags: readonly string[]): Promise<void> {
      await developer.pushImage(repository, 'latest');
      await developer.addTags(repository, 'latest', tags);
    }

    /** Bulk delete as `api`, then wait for the background work it started. */
    async function bulkDelete(api: Api, projectId: number, repoId: number, query: string) {
      const response = await api.request(
        'DELETE',
        `/projects/${projectId}/registry/repositories/${repoId}/tags?${query}`,
      );
      await stack.bff.jobs.drain();
      return response;
    }

    beforeAll(async () => {
      stack = await startStack(target, { clock });
      world = await createUsers(stack.bff, ['guest', 'reporter', 'developer', 'maintainer']);
      groupId = (await createRoleGroup(world, 'Cleanup', 'cleanup')).id;
      developer = new RegistryUser(stack, {
        username: 'developer',
        password: world.users.developer!.password,
      });
      root = new RegistryUser(stack, { username: 'root', password: ROOT_PASSWORD });
      registry = cleanupRegistryOf(stack.bff.services.registry);
    }, 120_000);

    afterAll(async () => {
      await stack?.stop();
    });

    it('runs each rule alone, never deleting latest', async () => {
      const { id, path } = await project('rules');
      const tags = ['v1', 'v2', 'v3', 'v10', 'main', 'stable-1', 'stable-2'];
      const cases = [
        { name: 'regex', query: 'name_regex_delete=v.*', left: ['latest', 'main', 'stable-1', 'stable-2'] },
        {
          name: 'alias',
          query: 'name_regex=v1',
          left: ['latest', 'main', 'stable-1', 'stable-2', 'v10', 'v2', 'v3'],
        },
        {
          name: 'everything',
          query: `name_regex_delete=${encodeURIComponent('.*')}`,
          left: ['latest'],
        },
        {
          name: 'keep',
          query: `name_regex_delete=${encodeURIComponent('.*')}&name_regex_keep=${encodeURIComponent('stable-.*|main')}`,
          left: ['latest', 'main', 'stable-1', 'stable-2'],
        },
        // Newest last: stable-2 and stable-1 are the two newest.
        {
          name: 'keep-n',
          query: `name_regex_delete=${encodeURIComponent('.*')}&keep_n=2`,
          left: ['latest', 'stable-1', 'stable-2'],
        },
      ];
      for (const { name, query, left } of cases) {
        const repository = `${path}/${name}`;
        await repositoryWith(repository, tags);
        const response = await bulkDelete(
          world.users.maintainer!.api,
          id,
          await repositoryId(path, repository),
          query,
        );
        expect(response.status, `${name}: ${JSON.stringify(response.body)}`).toBe(202);
        expect(await root.tags(repository), name).toEqual(left);
      }
    });

    it('keeps what is newer than older_than, and combines every rule in GitLab order', async () => {
      const { id, path } = await project('ages');
      const old = `${path}/older`;
      const combined = `${path}/combined`;
      await repositoryWith(old, ['old-1', 'old-2', 'old-3']);
      await repositoryWith(combined, ['v1', 'v2', 'keep-1', 'v3']);
      const boundary = Date.now();
      await new Promise((r) => setTimeout(r, 300));
      await developer.addTags(old, 'latest', ['new-1', 'new-2']);
      await developer.addTags(combined, 'latest', ['v4', 'v5', 'v6', 'keep-2']);
      // One hour (and a bit) after the boundary: the old tags are older than 1h, the new ones are not.
      fixedNow = new Date(boundary + HOUR + 100);
      try {
        const maintainer = world.users.maintainer!.api;
        expect(
          (
            await bulkDelete(
              maintainer,
              id,
              await repositoryId(path, old),
              'name_regex_delete=.*&older_than=1h',
            )
          ).status,
        ).toBe(202);
        expect(await root.tags(old)).toEqual(['latest', 'new-1', 'new-2']);
        // Candidates v1..v6 (keep-* kept by name); the newest 2 (v6, v5) kept; v4 newer than 1h; v1–v3 go.
        const response = await bulkDelete(
          maintainer,
          id,
          await repositoryId(path, combined),
          `name_regex_delete=${encodeURIComponent('v.*|keep-.*')}&name_regex_keep=${encodeURIComponent('keep-.*')}&keep_n=2&older_than=1h`,
        );
        expect(response.status).toBe(202);
        expect(await root.tags(combined)).toEqual(['keep-1', 'keep-2', 'latest', 'v4', 'v5', 'v6']);
      } finally {
        fixedNow = undefined;
      }
    });

    it('allows one bulk delete per repository an hour, across requests and users', async () => {
      const { id, path } = await project('hourly');
      const repository = `${path}/app`;
      await repositoryWith(repository, ['a1', 'a2', 'b1']);
      const repoId = await repositoryId(path, repository);
      fixedNow = new Date();
      try {
        const maintainer = world.users.maintainer!.api;
        expect((await bulkDelete(maintainer, id, repoId, 'name_regex_delete=a1')).status).toBe(202);
        const again = await bulkDelete(world.root, id, repoId, 'name_regex_delete=a2');
        expect(again.status).toBe(400);
        expect(again.body).toEqual({ message: BULK_DELETE_LIMIT_MESSAGE });
        expect(await root.tags(repository)).toEqual(['a2', 'b1', 'latest']);
        // A bad request is refused before the limit is consulted, and does not use it up either.
        expect((await bulkDelete(maintainer, id, repoId, 'name_regex_delete=(')).status).toBe(400);
        fixedNow = new Date(fixedNow.getTime() + HOUR - 1);
        expect((await bulkDelete(maintainer, id, repoId, 'name_regex_delete=a2')).status).toBe(400);
        fixedNow = new Date(fixedNow.getTime() + 2);
        expect((await bulkDelete(maintainer, id, repoId, 'name_regex_delete=a2')).status).toBe(202);
        expect(await root.tags(repository)).toEqual(['b1', 'latest']);
      } finally {
        fixedNow = undefined;
      }
    });

    it('answers 400 naming the parameter for a bad regex, duration or missing regex', async () => {
      const { id, path } = await project('bad-params');
      const repository = `${path}/app`;
      await repositoryWith(repository, ['v1']);
      const repoId = await repositoryId(path, repository);
      const api = world.users.maintainer!.api;
      const cases: Array<[string, RegExp]> = [
        ['name_regex_delete=(a', /^name_regex_delete is an invalid regexp: /],
        ['name_regex=*', /^name_regex is an invalid regexp: /],
        [
          `name_regex_delete=v.*&name_regex_keep=${encodeURIComponent('(?<=v)1')}`,
          /^name_regex_keep is an invalid regexp: /,
        ],
        ['name_regex_delete=v.*&older_than=soon', /^older_than is not a duration/],
        ['keep_n=1', /^name_regex, name_regex_delete are missing, at least one parameter must be provided$/],
      ];
      for (const [query, message] of cases) {
        const response = await bulkDelete(api, id, repoId, query);
        expect(response.status, query).toBe(400);
        expect(response.body.message, query).toMatch(message);
      }
      expect((await bulkDelete(api, id, 999_999, 'name_regex_delete=v1')).status).toBe(404);
      expect(await root.tags(repository)).toEqual(['latest', 'v1']);
    });

    it('lets Maintainers and above bulk delete; refuses Developers, Guests and anonymous callers', async () => {
      const { id, path } = await project('roles', 'public');
      const repository = `${path}/app`;
      await repositoryWith(repository, ['v1', 'v2']);
      const repoId = await repositoryId(path, repository);
      for (const role of ['guest', 'reporter', 'developer'] as const) {
        const response = await bulkDelete(world.users[role]!.api, id, repoId, 'name_regex_delete=v1');
        expect(response.status, role).toBe(403);
      }
      const anonymous = world.root.as({});
      expect((await bulkDelete(anonymous, id, repoId, 'name_regex_delete=v1')).status).toBe(401);
      // A read-only token of a Maintainer is refused too.
      const readOnly = await world.users.maintainer!.api.expect(
        201,
        'POST',
        `/users/${world.users.maintainer!.id}/personal_access_tokens`,
        {
          name: 'read',
          scopes: ['read_api'],
        },
      );
      expect(
        (await bulkDelete(anonymous.withToken(readOnly.token), id, repoId, 'name_regex_delete=v1')).status,
      ).toBe(403);
      expect(await root.tags(repository)).toEqual(['latest', 'v1', 'v2']);
      expect((await bulkDelete(world.users.maintainer!.api, id, repoId, 'name_regex_delete=v1')).status).toBe(
        202,
      );
      expect(await root.tags(repository)).toEqual(['latest', 'v2']);
    });

    it('runs the bulk delete script from GitLab’s documentation unchanged (form fields)', async () => {
      const { id, path } = await project('script');
      const repository = `${path}/app`;
      await repositoryWith(repository, range('build-', 8));
      const repoId = await repositoryId(path, repository);
      const token = world.users.maintainer!.token;
      const { stdout } = await sh(
        `curl -sS -o /dev/null -w '%{http_code}' --request DELETE --data 'name_regex_delete=.*' --data 'keep_n=5' --header "PRIVATE-TOKEN: ${token}" "${stack.bff.url}/api/v4/projects/${id}/registry/repositories/${repoId}/tags"`,
      );
      expect(stdout).toBe('202');
      await stack.bff.jobs.drain();
      expect(await root.tags(repository)).toEqual([
        'build-4',
        'build-5',
        'build-6',
        'build-7',
        'build-8',
        'latest',
      ]);
    });

    it('bulk deletes through @gitbeaker/rest, a GitLab client library used unchanged', async () => {
      const { id, path } = await project('beaker');
      const repository = `${path}/app`;
      await repositoryWith(repository, [...range('v', 4), 'main']);
      const gitlab = new Gitlab({ host: stack.bff.url, token: world.users.maintainer!.token });
      await gitlab.ContainerRegistry.removeTags(id, await repositoryId(path, repository), 'v.*', {
        keepN: '1',
      });
      await stack.bff.jobs.drain();
      expect(await root.tags(repository)).toEqual(['latest', 'main', 'v4']);
    });

    it('saves a cleanup policy with GitLab’s fields and values, Maintainers only', async () => {
      const { id } = await project('policy-fields');
      const maintainer = world.users.maintainer!.api;
      const fresh = await maintainer.expect(200, 'GET', `/projects/${id}`);
      expect(fresh.container_expiration_policy).toEqual({
        cadence: '1d',
        enabled: false,
        keep_n: 10,
        older_than: '90d',
        name_regex: null,
        name_regex_keep: null,
        next_run_at: null,
      });
      // GitLab's documented example, sent as curl sends it.
      const { stdout } = await sh(
        `curl -sS --request PUT --header 'Content-Type: application/json;charset=UTF-8' --header "PRIVATE-TOKEN: ${world.users.maintainer!.token}" --data-binary '{"container_expiration_policy_attributes":{"cadence":"1month","enabled":true,"keep_n":1,"older_than":"14d","name_regex":".*","name_regex_keep":".*-main"}}' "${stack.bff.url}/api/v4/projects/${id}"`,
      );
      const saved = JSON.parse(stdout).container_expiration_policy;
      expect(saved).toMatchObject({
        cadence: '1month',
        enabled: true,
        keep_n: 1,
        older_than: '14d',
        name_regex: '.*',
        name_regex_keep: '.*-main',
      });
      // Every save schedules the next run one cadence ahead (30 days for a month).
      const delay = Date.parse(saved.next_run_at) - Date.now();
      expect(delay).toBeGreaterThan(30 * DAY - 60_000);
      expect(delay).toBeLessThanOrEqual(30 * DAY);
      // Form fields, as Grape reads nested attributes; name_regex_delete is the alias of name_regex.
      const form = await sh(
        `curl -sS --request PUT --header "PRIVATE-TOKEN: ${world.users.maintainer!.token}" --data 'container_expiration_policy_attributes[keep_n]=25' --data 'container_expiration_policy_attributes[name_regex_delete]=v.*' "${stack.bff.url}/api/v4/projects/${id}"`,
      );
      expect(JSON.parse(form.stdout).container_expiration_policy).toMatchObject({
        keep_n: 25,
        name_regex: 'v.*',
        cadence: '1month',
      });
      for (const [attributes, field] of [
        [{ keep_n: 7 }, 'keep_n'],
        [{ cadence: '2d' }, 'cadence'],
        [{ older_than: '1h' }, 'older_than'],
        [{ name_regex: '(' }, 'name_regex'],
      ] as const) {
        const response = await maintainer.put(`/projects/${id}`, {
          container_expiration_policy_attributes: attributes,
        });
        expect(response.status, field).toBe(400);
        expect(response.body.message, field).toContain(field);
      }
      const developerPut = await world.users.developer!.api.put(`/projects/${id}`, {
        container_expiration_policy_attributes: { enabled: false },
      });
      expect(developerPut.status).toBe(403);
      const preview = await world.users.developer!.api.post(
        `/projects/${id}/registry/cleanup_policy/preview`,
        {},
      );
      expect(preview.status).toBe(403);
      expect(
        (await maintainer.expect(200, 'GET', `/projects/${id}`)).container_expiration_policy.enabled,
      ).toBe(true);
    });

    it('runs a due policy over every repository of the project, deleting exactly what the preview showed', async () => {
      const { id, path } = await project('policy-run');
      await repositoryWith(path, [...range('v', 12), 'stable-1', 'stable-2']);
      await repositoryWith(`${path}/worker`, [...range('build-', 8), 'main']);
      await repositoryWith(`${path}/tiny`, ['v1']);
      const maintainer = world.users.maintainer!.api;
      await maintainer.expect(200, 'PUT', `/projects/${id}`, {
        container_expiration_policy_attributes: {
          enabled: true,
          cadence: '7d',
          keep_n: 5,
          older_than: '7d',
          name_regex: '.*',
          name_regex_keep: 'stable-.*|main',
        },
      });
      // Nothing is due yet; eight days later everything is older than 7 days and the policy is due.
      expect(await stack.bff.scheduler.tick()).toEqual([]);
      fixedNow = new Date(Date.now() + 8 * DAY);
      try {
        const preview = await maintainer.expect(
          200,
          'POST',
          `/projects/${id}/registry/cleanup_policy/preview`,
          {},
        );
        const previewed = Object.fromEntries(
          preview.repositories.map((r: { path: string; delete: { name: string }[] }) => [
            r.path,
            r.delete.map((t) => t.name).sort(),
          ]),
        );
        expect(previewed).toEqual({
          [path]: ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'],
          [`${path}/tiny`]: [],
          [`${path}/worker`]: ['build-1', 'build-2', 'build-3'],
        });
        const kept = preview.repositories.find((r: { path: string }) => r.path === path).keep;
        expect(kept.map((t: { name: string; reason: string }) => [t.name, t.reason])).toEqual([
          ['stable-2', 'name'],
          ['stable-1', 'name'],
          ['v12', 'keep_n'],
          ['v11', 'keep_n'],
          ['v10', 'keep_n'],
          ['v9', 'keep_n'],
          ['v8', 'keep_n'],
          ['latest', 'latest'],
        ]);
        const bad = await maintainer.post(`/projects/${id}/registry/cleanup_policy/preview`, {
          name_regex_keep: '(',
        });
        expect(bad.status).toBe(400);
        expect(bad.body.message).toMatch(/^name_regex_keep is an invalid regexp: /);
        // A policy still being edited previews without being saved.
        const edited = await maintainer.expect(
          200,
          'POST',
          `/projects/${id}/registry/cleanup_policy/preview`,
          { keep_n: 10 },
        );
        expect(
          edited.repositories
            .find((r: { path: string }) => r.path === path)
            .delete.map((t: { name: string }) => t.name),
        ).toEqual(['v2', 'v1']);

        const before = Object.fromEntries(
          await Promise.all(Object.keys(previewed).map(async (repo) => [repo, await root.tags(repo)])),
        );
        const reports = await stack.bff.scheduler.tick();
        expect(reports).toHaveLength(1);
        expect(reports[0]!.projectId).toBe(id);
        for (const repo of Object.keys(previewed)) {
          const deleted = reports[0]!.repositories.find((r) => r.path === repo)!.deleted.sort();
          expect(deleted, repo).toEqual(previewed[repo]);
          const remaining = await root.tags(repo);
          expect(remaining, repo).toEqual(before[repo].filter((t: string) => !previewed[repo]!.includes(t)));
        }
        // The repository list shows each repository's cleanup state.
        const listed = await repositoriesOf(path);
        for (const repo of Object.keys(previewed)) {
          expect(listed[repo], repo).toMatchObject({
            expiration_policy_cleanup_status: 'cleanup_unscheduled',
            cleanup_policy_started_at: fixedNow.toISOString(),
          });
        }
        const policy = (await maintainer.expect(200, 'GET', `/projects/${id}`)).container_expiration_policy;
        expect(policy.next_run_at).toBe(new Date(fixedNow.getTime() + 7 * DAY).toISOString());
        // Not due again until the next cadence.
        expect(await stack.bff.scheduler.tick()).toEqual([]);
      } finally {
        fixedNow = undefined;
      }
    });

    it('keeps a policy due while the registry cannot be reached, and runs it once it can', async () => {
      const { id, path } = await project('policy-unreachable');
      await repositoryWith(path, range('v', 3));
      await world.users.maintainer!.api.expect(200, 'PUT', `/projects/${id}`, {
        container_expiration_policy_attributes: {
          enabled: true,
          keep_n: 1,
          older_than: '7d',
          name_regex: 'v.*',
        },
      });
      const before = (await world.root.expect(200, 'GET', `/projects/${id}`)).container_expiration_policy;
      const later = new Date(Date.now() + 8 * DAY);
      // A scheduler whose registry refuses connections (nothing listens on port 1).
      const services = stack.bff.services;
      const cut = new CleanupScheduler({
        policies: services.cleanupPolicies,
        leases: services.leases,
        projects: services.projects,
        registry: cleanupRegistryOf(
          new RegistryClient({
            baseUrl: new URL('http://127.0.0.1:1'),
            signingKey: services.signingKey,
            issuer: stack.bff.config.tokenIssuer,
          }),
        ),
        log: pino({ level: 'silent' }),
        clock: () => later,
        intervalMs: 0,
      });
      expect((await cut.tick()).filter((report) => report.projectId === id)).toEqual([]);
      const after = (await world.root.expect(200, 'GET', `/projects/${id}`)).container_expiration_policy;
      expect(after.next_run_at).toBe(before.next_run_at);
      expect(await root.tags(path)).toEqual(['latest', 'v1', 'v2', 'v3']);
      fixedNow = later;
      try {
        const reports = (await stack.bff.scheduler.tick()).filter((report) => report.projectId === id);
        expect(reports.map((report) => report.repositories.map((r) => r.deleted.sort()))).toEqual([
          [['v1', 'v2']],
        ]);
        expect(await root.tags(path)).toEqual(['latest', 'v3']);
      } finally {
        fixedNow = undefined;
      }
    });

    it('finishes a run that a stopped process left behind', async () => {
      const { id, path } = await project('policy-resume');
      await repositoryWith(path, range('v', 4));
      const repoId = await repositoryId(path, path);
      await world.users.maintainer!.api.expect(200, 'PUT', `/projects/${id}`, {
        container_expiration_policy_attributes: {
          enabled: true,
          keep_n: 1,
          older_than: '7d',
          name_regex: 'v.*',
        },
      });
      const policies = stack.bff.services.cleanupPolicies;
      // What a process that died mid-run leaves: the next run scheduled, the repository still ongoing.
      const later = new Date(Date.now() + 8 * DAY);
      await policies.scheduleNextRun(id, '1d', later);
      await policies.setRepositoryState(
        { id: repoId, path, projectId: id },
        { status: 'cleanup_ongoing', startedAt: later },
      );
      expect((await repositoriesOf(path))[path]).toMatchObject({
        expiration_policy_cleanup_status: 'cleanup_ongoing',
        cleanup_policy_started_at: later.toISOString(),
      });
      fixedNow = later;
      try {
        const reports = await stack.bff.scheduler.tick();
        expect(reports.map((r) => r.projectId)).toEqual([id]);
        expect(await root.tags(path)).toEqual(['latest', 'v4']);
        expect((await repositoriesOf(path))[path].expiration_policy_cleanup_status).toBe(
          'cleanup_unscheduled',
        );
      } finally {
        fixedNow = undefined;
      }
    });

    it('never runs one policy twice at once: two schedulers on one database see one run', async () => {
      const { id, path } = await project('policy-race');
      await repositoryWith(path, range('v', 6));
      await world.users.maintainer!.api.expect(200, 'PUT', `/projects/${id}`, {
        container_expiration_policy_attributes: {
          enabled: true,
          keep_n: 1,
          older_than: '7d',
          name_regex: 'v.*',
        },
      });
      // A second BFF process's scheduler: its own connections to the same database.
      const config = stack.bff.config;
      const second = openDatabase<BffDatabase>({
        url: config.databaseUrl,
        sqlitePath: join(stack.bff.dataDir, 'bff', 'bff.db'),
      });
      const later = new Date(Date.now() + 8 * DAY);
      const other = new CleanupScheduler({
        policies: new CleanupPolicyService(second.db),
        leases: new LeaseService(second.db),
        projects: new ProjectService(second.db),
        registry,
        log: pino({ level: 'silent' }),
        clock: () => later,
        intervalMs: 0,
      });
      fixedNow = later;
      try {
        const [mine, theirs] = await Promise.all([stack.bff.scheduler.tick(), other.tick()]);
        const runs = [...mine, ...theirs].filter((report) => report.projectId === id);
        expect(runs).toHaveLength(1);
        expect(runs[0]!.repositories.map((r) => r.deleted.sort())).toEqual([['v1', 'v2', 'v3', 'v4', 'v5']]);
        expect(await root.tags(path)).toEqual(['latest', 'v6']);
        // The lease itself: many holders racing over two connections, one winner until it expires.
        const leases = [stack.bff.services.leases, new LeaseService(second.db)];
        const taken = await Promise.all(
          range('holder-', 10).map((holder, i) => leases[i % 2]!.tryTake(`race:${id}`, holder, HOUR, later)),
        );
        expect(taken.filter(Boolean)).toHaveLength(1);
        const expired = new Date(later.getTime() + HOUR);
        expect(await leases[1]!.tryTake(`race:${id}`, 'late', HOUR, expired)).toBe(true);
      } finally {
        fixedNow = undefined;
        await other.stop();
        await second.close();
      }
    });
  },
);

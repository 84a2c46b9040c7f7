// GitLab's container registry API on /api/v4 against the real BFF and the real registry process, with
// images pushed by skopeo using BFF credentials; on SQLite and (with BERTH_TEST_POSTGRES_URL) PostgreSQL.
import { rmSync } from 'node:fs';
import { databaseTargets } from '@berth/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Api,
  createRoleGroup,
  createUsers,
  ROOT_PASSWORD,
  startBff,
  type World,
} from './support/bff.js';
import { buildMultiArchLayout, buildOciLayout } from './support/oci-layout.js';
import {
  pushToken,
  registryPrerequisiteOrSkip,
  skopeoPush,
  startBffWithRegistry,
  tagManifest,
} from './support/registry.js';

const missing = await registryPrerequisiteOrSkip('container registry API tests');

describe.skipIf(missing !== undefined).each(databaseTargets())(
  'container registry API on $dialect',
  (target) => {
    let stack: Awaited<ReturnType<typeof startBffWithRegistry>>;
    let world: World;
    let anonymous: Api;
    let host: string;
    const layouts: string[] = [];
    const ids: Record<string, number> = {};
    /** Repository ids by path. */
    const repositories: Record<string, number> = {};
    let deployToken: { username: string; token: string };
    let jobToken: string;

    const users = () =>
      world.users as Record<
        'guest' | 'outsider' | 'reporter' | 'developer' | 'maintainer',
        World['users'][string]
      >;
    const api = (role: string): Api => {
      if (role === 'anonymous') return anonymous;
      if (role === 'root') return world.root;
      if (role === 'deploy') return anonymous.as({ 'PRIVATE-TOKEN': deployToken.token });
      if (role === 'job') return anonymous.as({ 'JOB-TOKEN': jobToken });
      return world.users[role]!.api;
    };

    async function push(layout: string, repository: string, tag: string, username = 'developer') {
      const password = username === 'root' ? ROOT_PASSWORD : world.users[username]!.password;
      await skopeoPush(stack.registry.host, layout, 'v1', repository, tag, { username, password });
    }

    beforeAll(async () => {
      stack = await startBffWithRegistry(target);
      host = stack.bff.config.externalRegistryHost;
      world = await createUsers(stack.bff, ['guest', 'outsider', 'reporter', 'developer', 'maintainer']);
      anonymous = world.root.as({});
      const { root } = world;
      const group = await createRoleGroup(world, 'Reg', 'reg');
      ids.group = group.id;
      const sub = await root.expect(201, 'POST', '/groups', {
        name: 'Sub',
        path: 'sub',
        parent_id: group.id,
      });
      const project = async (namespace: number, path: string, visibility: string) =>
        (await root.expect(201, 'POST', '/projects', { path, namespace_id: namespace, visibility }))
          .id as number;
      ids.app = await project(group.id, 'app', 'public');
      ids.priv = await project(group.id, 'priv', 'private');
      ids.hidden = await project(group.id, 'hidden', 'public');
      ids.off = await project(group.id, 'off', 'public');
      ids.tool = await project(sub.id, 'tool', 'private');

      const image = buildOciLayout('v1', 'one', {
        env: ['PATH=/usr/bin', 'API_SECRET=hunter2'],
        labels: { 'org.opencontainers.image.title': 'app' },
        entrypoint: ['/app'],
        cmd: ['serve', '--port', '8080'],
        exposedPorts: ['8080/tcp'],
        history: [{ created_by: 'COPY app /app' }, { created_by: 'EXPOSE 8080', empty_layer: true }],
      });
      const multi = buildMultiArchLayout('v1', [
        { os: 'linux', architecture: 'amd64', content: 'amd', env: ['A=1'] },
        { os: 'linux', architecture: 'arm64', variant: 'v8', content: 'arm', env: ['B=2'] },
      ]);
      layouts.push(image, multi);
      await push(image, 'reg/app', 'v1');
      await push(multi, 'reg/app/multi', 'latest');
      await push(image, 'reg/priv', 'v1');
      await push(image, 'reg/hidden', 'v1');
      await push(image, 'reg/off', 'v1');
      await push(image, 'reg/sub/tool', 'v1');
      await push(image, 'reg/app/scratch', 'v1');
      // v2…v25 of reg/app, each published after the one before.
      const more = Array.from({ length: 24 }, (_, i) => `v${i + 2}`);
      await tagManifest(
        stack.registry.url,
        pushToken(stack.signingKey, stack.bff.config.tokenIssuer, 'reg/app'),
        'reg/app',
        'v1',
        more,
      );
      await root.expect(200, 'PUT', `/projects/${ids.hidden}`, {
        container_registry_access_level: 'private',
      });
      await root.expect(200, 'PUT', `/projects/${ids.off}`, { container_registry_access_level: 'disabled' });

      const listed = await root.expect(200, 'GET', `/groups/${group.id}/registry/repositories?per_page=100`);
      for (const repository of listed) repositories[repository.path] = repository.id;
      deployToken = await root.expect(201, 'POST', `/projects/${ids.app}/deploy_tokens`, {
        name: 'ci',
        scopes: ['read_registry'],
      });
      jobToken = (await users().developer.api.expect(201, 'POST', `/projects/${ids.app}/job_tokens`, {}))
        .token;
    }, 240_000);

    afterAll(async () => {
      await stack?.stop();
      for (const layout of layouts) rmSync(layout, { recursive: true, force: true });
    });

    describe('project repository list', () => {
      it('lists the project repositories with GitLab fields, sizes and times, as exactly application/json', async () => {
        const response = await anonymous.get(`/projects/${ids.app}/registry/repositories`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/json');
        expect(response.headers.get('x-total')).toBe('3');
        expect(response.headers.get('x-total-pages')).toBe('1');
        expect(response.body.map((r: { path: string }) => r.path)).toEqual([
          'reg/app',
          'reg/app/multi',
          'reg/app/scratch',
        ]);
        const [base, multi] = response.body;
        expect(base).toMatchObject({
          id: repositories['reg/app'],
          name: '',
          path: 'reg/app',
          project_id: ids.app,
          location: `${host}/reg/app`,
          cleanup_policy_started_at: null,
          status: null,
          tags_count: 25,
          project_path: 'reg/app',
          project_name: 'app',
        });
        expect(base.size).toBeGreaterThan(0);
        expect(Date.parse(base.created_at)).not.toBeNaN();
        expect(Date.parse(base.last_published_at)).toBeGreaterThanOrEqual(Date.parse(base.created_at));
        expect(multi).toMatchObject({ name: 'multi', tags_count: 1 });
        expect(base.tags).toBeUndefined();
      });

      it('embeds tags with tags=true, filters with search, sorts and pages', async () => {
        const withTags = await anonymous.expect(
          200,
          'GET',
          `/projects/${ids.app}/registry/repositories?tags=true&search=MUL`,
        );
        expect(withTags).toHaveLength(1);
        expect(withTags[0].tags).toEqual([
          { name: 'latest', path: 'reg/app/multi:latest', location: `${host}/reg/app/multi:latest` },
        ]);
        const page2 = await anonymous.get(
          `/projects/${ids.app}/registry/repositories?order_by=name&sort=desc&per_page=1&page=2`,
        );
        expect(page2.body.map((r: { path: string }) => r.path)).toEqual(['reg/app/multi']);
        expect(page2.headers.get('x-total')).toBe('3');
        expect(page2.headers.get('x-next-page')).toBe('3');
        expect(page2.headers.get('x-prev-page')).toBe('1');
        expect(page2.headers.get('link')).toContain('rel="next"');
        const none = await anonymous.get(
          `/projects/${ids.app}/registry/repositories?search=${encodeURIComponent('no such!')}`,
        );
        expect(none.body).toEqual([]);
        expect(none.headers.get('x-total')).toBe('0');
      });

      it('refuses what the seed table refuses: 404 for a hidden project, 401/403 for a hidden registry', async () => {
        await anonymous.expect(404, 'GET', `/projects/${ids.priv}/registry/repositories`);
        await users().outsider.api.expect(404, 'GET', `/projects/${ids.priv}/registry/repositories`);
        await users().reporter.api.expect(200, 'GET', `/projects/${ids.priv}/registry/repositories`);
        const refused = await anonymous.get(`/projects/${ids.hidden}/registry/repositories`);
        expect(refused.status).toBe(401);
        expect(refused.body).toEqual({ message: '401 Unauthorized' });
        expect(refused.headers.get('content-type')).toBe('application/json');
        await users().guest.api.expect(403, 'GET', `/projects/${ids.hidden}/registry/repositories`);
        await users().reporter.api.expect(200, 'GET', `/projects/${ids.hidden}/registry/repositories`);
        // A disabled registry is refused to everyone, admins included.
        await world.root.expect(403, 'GET', `/projects/${ids.off}/registry/repositories`);
        await users().maintainer.api.expect(403, 'GET', `/projects/${ids.off}/registry/repositories`);
      });
    });

    describe('group repository list', () => {
      const paths = (body: { path: string }[]) => body.map((r) => r.path).sort();

      it('lists the repositories of every project below the group that the caller may see', async () => {
        const all = await users().maintainer.api.get(`/groups/${ids.group}/registry/repositories`);
        expect(paths(all.body)).toEqual([
          'reg/app',
          'reg/app/multi',
          'reg/app/scratch',
          'reg/hidden',
          'reg/priv',
          'reg/sub/tool',
        ]);
        expect(all.headers.get('x-total')).toBe('6');
        const tool = all.body.find((r: { path: string }) => r.path === 'reg/sub/tool');
        expect(tool).toMatchObject({ name: '', project_id: ids.tool, project_path: 'reg/sub/tool' });
        expect(
          paths(await anonymous.expect(200, 'GET', `/groups/${ids.group}/registry/repositories`)),
        ).toEqual(['reg/app', 'reg/app/multi', 'reg/app/scratch']);
        expect(
          paths(await users().outsider.api.expect(200, 'GET', `/groups/${ids.group}/registry/repositories`)),
        ).toEqual(['reg/app', 'reg/app/multi', 'reg/app/scratch']);
        // Guests of a public project with a private registry see nothing of it (the seed table).
        const guest = await users().guest.api.get(
          `/groups/${ids.group}/registry/repositories?per_page=2&order_by=name`,
        );
        expect(guest.body.map((r: { path: string }) => r.path)).toEqual(['reg/app', 'reg/app/multi']);
        expect(guest.headers.get('x-total')).toBe('3');
        const subgroup = await users().reporter.api.expect(
          200,
          'GET',
          `/groups/${encodeURIComponent('reg/sub')}/registry/repositories`,
        );
        expect(paths(subgroup)).toEqual(['reg/sub/tool']);
      });

      it('sorts by creation and filters by search over the path below the group', async () => {
        const newest = await users().maintainer.api.expect(
          200,
          'GET',
          `/groups/${ids.group}/registry/repositories?order_by=created_at&sort=desc&per_page=2`,
        );
        expect(newest.map((r: { path: string }) => r.path)).toEqual(['reg/app/scratch', 'reg/sub/tool']);
        const searched = await users().maintainer.api.expect(
          200,
          'GET',
          `/groups/${ids.group}/registry/repositories?search=sub/`,
        );
        expect(paths(searched)).toEqual(['reg/sub/tool']);
      });
    });

    describe('one repository by id', () => {
      it('answers the repository with tags_count, size and, with tags=true, its tags', async () => {
        const body = await anonymous.expect(
          200,
          'GET',
          `/registry/repositories/${repositories['reg/app/multi']}?tags=true&tags_count=true&size=true`,
        );
        expect(body).toMatchObject({ path: 'reg/app/multi', project_id: ids.app, tags_count: 1 });
        expect(body.tags.map((t: { name: string }) => t.name)).toEqual(['latest']);
        expect(body.size).toBeGreaterThan(0);
      });

      it('hides what the caller may not see, and 404s an unknown id', async () => {
        await anonymous.expect(404, 'GET', `/registry/repositories/${repositories['reg/priv']}`);
        await users().reporter.api.expect(200, 'GET', `/registry/repositories/${repositories['reg/priv']}`);
        await anonymous.expect(401, 'GET', `/registry/repositories/${repositories['reg/hidden']}`);
        await users().outsider.api.expect(403, 'GET', `/registry/repositories/${repositories['reg/hidden']}`);
        expect(await anonymous.expect(404, 'GET', '/registry/repositories/987654321')).toEqual({
          message: '404 Repository Not Found',
        });
        await anonymous.expect(400, 'GET', '/registry/repositories/abc');
      });
    });

    describe('tags', () => {
      const tagsPath = () => `/projects/${ids.app}/registry/repositories/${repositories['reg/app']}/tags`;

      it('pages tags by offset with GitLab headers', async () => {
        const page = await anonymous.get(`${tagsPath()}?per_page=10&page=3`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toBe('application/json');
        expect(page.headers.get('x-total')).toBe('25');
        expect(page.headers.get('x-total-pages')).toBe('3');
        expect(page.headers.get('x-page')).toBe('3');
        expect(page.headers.get('x-next-page')).toBe('');
        expect(page.body).toHaveLength(5);
        const names: string[] = [];
        for (let pageNumber = 1; pageNumber <= 3; pageNumber++) {
          const body = await anonymous.expect(200, 'GET', `${tagsPath()}?per_page=10&page=${pageNumber}`);
          names.push(...body.map((t: { name: string }) => t.name));
        }
        expect(names).toHaveLength(25);
        expect(new Set(names).size).toBe(25);
        expect(names).toEqual([...names].sort());
      });

      it('sorts by published time, searches, and follows keyset Link headers', async () => {
        const newest = await anonymous.expect(
          200,
          'GET',
          `${tagsPath()}?order_by=published_at&sort=desc&per_page=3`,
        );
        expect(newest.map((t: { name: string }) => t.name)).toEqual(['v25', 'v24', 'v23']);
        const searched = await anonymous.expect(200, 'GET', `${tagsPath()}?search=v2&per_page=100`);
        expect(searched.map((t: { name: string }) => t.name)).toEqual([
          'v2',
          'v20',
          'v21',
          'v22',
          'v23',
          'v24',
          'v25',
        ]);
        const seen: string[] = [];
        let next: string | undefined =
          `${tagsPath()}?pagination=keyset&per_page=7&order_by=published_at&sort=asc`;
        let pages = 0;
        while (next) {
          const response = await anonymous.get(next);
          expect(response.status).toBe(200);
          seen.push(...response.body.map((t: { name: string }) => t.name));
          const link = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
          next = link ? new URL(link).pathname.replace(/^\/api\/v4/, '') + new URL(link).search : undefined;
          pages++;
        }
        expect(pages).toBe(4);
        expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `v${i + 1}`));
      });

      it('answers one tag with GitLab fields, sizes and the configuration digest', async () => {
        const tag = await anonymous.expect(200, 'GET', `${tagsPath()}/v1`);
        expect(tag).toMatchObject({
          name: 'v1',
          path: 'reg/app:v1',
          location: `${host}/reg/app:v1`,
          media_type: 'application/vnd.oci.image.manifest.v1+json',
          platforms: [],
        });
        expect(tag.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
        expect(tag.config_digest).toBe(`sha256:${tag.revision}`);
        expect(tag.short_revision).toBe(tag.revision.slice(0, 9));
        expect(tag.total_size).toBeGreaterThan(0);
        expect(Date.parse(tag.published_at)).not.toBeNaN();
        await anonymous.expect(404, 'GET', `${tagsPath()}/nope`);
        await anonymous.expect(400, 'GET', `${tagsPath()}/-bad`);
      });

      it('answers a multi-architecture tag with each platform', async () => {
        const tag = await anonymous.expect(
          200,
          'GET',
          `/projects/${ids.app}/registry/repositories/${repositories['reg/app/multi']}/tags/latest`,
        );
        expect(tag).toMatchObject({ revision: null, short_revision: null, config_digest: null });
        expect(
          tag.platforms.map((p: { os: string; architecture: string; variant: string | null }) => [
            p.os,
            p.architecture,
            p.variant,
          ]),
        ).toEqual([
          ['linux', 'amd64', null],
          ['linux', 'arm64', 'v8'],
        ]);
        for (const platform of tag.platforms) expect(platform.size).toBeGreaterThan(0);
      });

      it('refuses a repository of another project', async () => {
        await anonymous.expect(
          404,
          'GET',
          `/projects/${ids.app}/registry/repositories/${repositories['reg/sub/tool']}/tags`,
        );
      });
    });

    describe('image view', () => {
      it('shows the configuration, environment names without values, layers and history', async () => {
        const view = await anonymous.get(
          `/projects/${ids.app}/registry/repositories/${repositories['reg/app']}/tags/v1/image`,
        );
        expect(view.status).toBe(200);
        expect(JSON.stringify(view.body)).not.toContain('hunter2');
        expect(view.body.images).toHaveLength(1);
        expect(view.body.images[0]).toMatchObject({
          os: 'linux',
          architecture: 'amd64',
          entrypoint: ['/app'],
          cmd: ['serve', '--port', '8080'],
          env: ['PATH', 'API_SECRET'],
          labels: { 'org.opencontainers.image.title': 'app' },
          exposed_ports: ['8080/tcp'],
          created: '2026-11-01T12:00:00Z',
          history: [
            { created: null, created_by: 'COPY app /app', empty_layer: false, comment: null },
            { created: null, created_by: 'EXPOSE 8080', empty_layer: true, comment: null },
          ],
        });
        expect(view.body.images[0].layers).toEqual([
          {
            digest: expect.stringMatching(/^sha256:/),
            size: expect.any(Number),
            media_type: 'application/vnd.oci.image.layer.v1.tar+gzip',
          },
        ]);
      });

      it('shows each platform of an index', async () => {
        const view = await anonymous.expect(
          200,
          'GET',
          `/projects/${ids.app}/registry/repositories/${repositories['reg/app/multi']}/tags/latest/image`,
        );
        expect(view.media_type).toBe('application/vnd.oci.image.index.v1+json');
        expect(
          view.images.map((i: { architecture: string; env: string[] }) => [i.architecture, i.env]),
        ).toEqual([
          ['amd64', ['A']],
          ['arm64', ['B']],
        ]);
      });
    });

    describe('deleting', () => {
      it('deletes one tag only: another tag of the same manifest stays', async () => {
        const path = `/projects/${ids.app}/registry/repositories/${repositories['reg/app']}/tags`;
        await users().reporter.api.expect(403, 'DELETE', `${path}/v25`);
        await anonymous.expect(401, 'DELETE', `${path}/v25`);
        const deleted = await users().developer.api.request('DELETE', `${path}/v25`);
        expect(deleted.status).toBe(200);
        expect(deleted.headers.get('content-type')).toBe('application/json');
        await anonymous.expect(404, 'GET', `${path}/v25`);
        await anonymous.expect(200, 'GET', `${path}/v24`);
        await users().developer.api.expect(404, 'DELETE', `${path}/v25`);
      });

      it('deletes a selected list of tags, saying which were already gone', async () => {
        const path = `/projects/${ids.app}/registry/repositories/${repositories['reg/app']}/tags/delete`;
        await users().reporter.api.expect(403, 'POST', path, { names: ['v23'] });
        expect(
          await users().developer.api.expect(200, 'POST', path, { names: ['v23', 'v22', 'v25'] }),
        ).toEqual({
          deleted: ['v23', 'v22'],
          not_found: ['v25'],
        });
        await users().developer.api.expect(400, 'POST', path, { names: [] });
        await users().developer.api.expect(400, 'POST', path, { names: ['-x'] });
      });

      it('shows a scheduled delete in lists until the registry has dropped the repository', async () => {
        const id = repositories['reg/app/scratch']!;
        await stack.bff.services.repositoryDeletions.schedule(id, ids.app!, new Date());
        const listed = await anonymous.expect(200, 'GET', `/projects/${ids.app}/registry/repositories`);
        expect(listed.find((r: { id: number }) => r.id === id)?.status).toBe('delete_scheduled');
        await stack.bff.services.repositoryDeletions.run();
        await anonymous.expect(404, 'GET', `/registry/repositories/${id}`);
      });

      it('deletes a repository for Maintainers: 202, delete_scheduled, then gone', async () => {
        const id = repositories['reg/sub/tool']!;
        const path = `/projects/${ids.tool}/registry/repositories/${id}`;
        await users().developer.api.expect(403, 'DELETE', path);
        const accepted = await users().maintainer.api.request('DELETE', path);
        expect(accepted.status).toBe(202);
        await stack.bff.services.repositoryDeletions.run();
        await users().maintainer.api.expect(404, 'GET', `/registry/repositories/${id}`);
        expect(
          await users().maintainer.api.expect(200, 'GET', `/projects/${ids.tool}/registry/repositories`),
        ).toEqual([]);
        // The registry has dropped its tags: a pull by digest or tag finds nothing.
        expect(await stack.bff.services.registry.getRepository('reg/sub/tool')).toBeUndefined();
      });
    });

    describe('each credential on each endpoint', () => {
      // reg/app is public with an enabled registry; `job` is the developer's job token of reg/app.
      const roles = [
        'anonymous',
        'guest',
        'outsider',
        'reporter',
        'developer',
        'maintainer',
        'deploy',
        'job',
      ] as const;
      const readOk = {
        anonymous: 200,
        guest: 200,
        outsider: 200,
        reporter: 200,
        developer: 200,
        maintainer: 200,
        deploy: 401,
        job: 200,
      };
      const cases: {
        name: string;
        method: string;
        path: () => string;
        body?: unknown;
        expected: Record<(typeof roles)[number], number>;
      }[] = [
        {
          name: 'project list',
          method: 'GET',
          path: () => `/projects/${ids.app}/registry/repositories`,
          expected: readOk,
        },
        {
          name: 'group list',
          method: 'GET',
          path: () => `/groups/${ids.group}/registry/repositories`,
          expected: readOk,
        },
        {
          name: 'repository',
          method: 'GET',
          path: () => `/registry/repositories/${repositories['reg/app']}`,
          expected: readOk,
        },
        {
          name: 'tag list',
          method: 'GET',
          path: () => `/projects/${ids.app}/registry/repositories/${repositories['reg/app']}/tags`,
          expected: readOk,
        },
        {
          name: 'tag',
          method: 'GET',
          path: () => `/projects/${ids.app}/registry/repositories/${repositories['reg/app']}/tags/v1`,
          expected: readOk,
        },
        {
          name: 'image view',
          method: 'GET',
          path: () => `/projects/${ids.app}/registry/repositories/${repositories['reg/app']}/tags/v1/image`,
          expected: readOk,
        },
        {
          // An unknown tag: allowed callers get 404, refused ones 401/403, and nothing is deleted.
          name: 'tag delete',
          method: 'DELETE',
          path: () => `/projects/${ids.app}/registry/repositories/${repositories['reg/app']}/tags/absent`,
          expected: {
            anonymous: 401,
            guest: 403,
            outsider: 403,
            reporter: 403,
            developer: 404,
            maintainer: 404,
            deploy: 401,
            job: 404,
          },
        },
        {
          name: 'delete selected',
          method: 'POST',
          path: () => `/projects/${ids.app}/registry/repositories/${repositories['reg/app']}/tags/delete`,
          body: { names: ['absent'] },
          expected: {
            anonymous: 401,
            guest: 403,
            outsider: 403,
            reporter: 403,
            developer: 200,
            maintainer: 200,
            deploy: 401,
            job: 200,
          },
        },
        {
          name: 'repository delete',
          method: 'DELETE',
          path: () => `/projects/${ids.app}/registry/repositories/987654321`,
          expected: {
            anonymous: 401,
            guest: 403,
            outsider: 403,
            reporter: 403,
            developer: 403,
            maintainer: 404,
            deploy: 401,
            job: 403,
          },
        },
      ];
      const cells = cases.flatMap((c) => roles.map((role) => ({ ...c, role, status: c.expected[role] })));

      it.each(cells)('$name as $role → $status', async ({ method, path, body, role, status }) => {
        const response = await api(role).request(method, path(), body);
        expect(response.status, JSON.stringify(response.body)).toBe(status);
        expect(response.headers.get('content-type')).toBe('application/json');
      });

      it('lets a job token reach the registry of its own project only', async () => {
        await api('job').expect(403, 'GET', `/projects/${ids.priv}/registry/repositories`);
      });
    });
  },
);

describe.skipIf(missing !== undefined)('a registry that is down', () => {
  it('answers 503 with a GitLab message, not a 500', async () => {
    const bff = await startBff(databaseTargets()[0]!, { REGISTRY_URL: 'http://127.0.0.1:1' });
    try {
      const { root } = await createUsers(bff, []);
      const group = await root.expect(201, 'POST', '/groups', { name: 'G', path: 'g', visibility: 'public' });
      const project = await root.expect(201, 'POST', '/projects', { path: 'p', namespace_id: group.id });
      const response = await root.request('GET', `/projects/${project.id}/registry/repositories`);
      expect(response.status).toBe(503);
      expect(response.body).toEqual({
        message: '503 Service Unavailable - container registry is unreachable',
      });
    } finally {
      await bff.stop();
    }
  });
});

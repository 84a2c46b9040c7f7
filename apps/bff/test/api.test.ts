import { databaseTargets } from '@berth/sql/testing';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorMiddleware } from '../src/http/error-middleware.js';
import { Api, createUsers, ROOT_PASSWORD, type RunningBff, startBff, type World } from './support/bff.js';

describe.each(databaseTargets())('GitLab-compatible API on $dialect', (target) => {
  let bff: RunningBff;
  let world: World;
  let anonymous: Api;
  let acme: { id: number };
  let shop: { id: number };

  beforeAll(async () => {
    bff = await startBff(target);
    anonymous = new Api(`${bff.url}/api/v4`);
    world = await createUsers(bff, ['alice', 'bob', 'carol', 'dave']);
    // alice owns acme (private); bob is a Reporter of acme; carol a Maintainer; dave is nobody there.
    const alice = world.users.alice!.api;
    acme = await alice.expect(201, 'POST', '/groups', { name: 'Acme', path: 'acme', visibility: 'internal' });
    shop = await alice.expect(201, 'POST', '/projects', {
      name: 'Shop',
      namespace_id: acme.id,
      visibility: 'private',
    });
    await alice.expect(201, 'POST', `/groups/${acme.id}/members`, {
      user_id: world.users.bob!.id,
      access_level: 20,
    });
    await alice.expect(201, 'POST', `/groups/${acme.id}/members`, {
      user_id: world.users.carol!.id,
      access_level: 40,
    });
  });
  afterAll(async () => {
    await bff?.stop();
  });

  describe('users and sign-up', () => {
    it('refuses sign-up fields that would grant anything, and creates plain users', async () => {
      const base = { username: 'eve', name: 'Eve', email: 'eve@example.com', password: 'eve-password' };
      const withAdmin = await anonymous.post('/users', { ...base, admin: true });
      expect(withAdmin.status).toBe(400);
      expect(withAdmin.body.message).toContain('admin');
      const withLevel = await anonymous.post('/users', { ...base, access_level: 50 });
      expect(withLevel.status).toBe(400);
      expect(withLevel.body.message).toContain('access_level');
      const created = await anonymous.expect(201, 'POST', '/users', base);
      expect(created).toMatchObject({ username: 'eve', is_admin: false, state: 'active' });
      expect(created).not.toHaveProperty('password');
      expect((await anonymous.post('/users', { ...base, email: 'other@example.com' })).body.message).toBe(
        'Username has already been taken',
      );
    });

    it('lets only admins create users, and admins may create admins', async () => {
      await world.users.dave!.api.expect(403, 'POST', '/users', {
        username: 'x1',
        name: 'x',
        email: 'x1@example.com',
        password: 'password-1',
      });
      const admin = await world.root.expect(201, 'POST', '/users', {
        username: 'ops',
        name: 'Ops',
        email: 'ops@example.com',
        password: 'password-1',
        admin: true,
        skip_confirmation: true,
      });
      expect(admin.is_admin).toBe(true);
    });

    it('shows other users only their basic fields', async () => {
      const seen = await world.users.dave!.api.expect(200, 'GET', `/users/${world.users.alice!.id}`);
      expect(seen).toMatchObject({ username: 'alice' });
      expect(seen).not.toHaveProperty('email');
      const self = await world.users.alice!.api.expect(200, 'GET', '/user');
      expect(self).toMatchObject({ username: 'alice', email: 'alice@example.com', is_admin: false });
      await anonymous.expect(401, 'GET', '/user');
      await anonymous.as({ 'PRIVATE-TOKEN': 'glpat-wrong' }).expect(401, 'GET', '/projects');
    });
  });

  describe('browser sessions', () => {
    it('signs in with an httpOnly SameSite cookie, demands the CSRF token on unsafe methods, and signs out', async () => {
      const wrong = await anonymous.post('/session', { login: 'alice', password: 'nope' });
      expect(wrong.status).toBe(401);
      const signIn = await fetch(`${bff.url}/api/v4/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: 'alice', password: world.users.alice!.password }),
      });
      expect(signIn.status).toBe(201);
      const cookies = signIn.headers.getSetCookie();
      const session = cookies.find((c) => c.startsWith('berth_session='))!;
      expect(session).toMatch(/HttpOnly/);
      expect(session).toMatch(/SameSite=Lax/);
      expect(cookies.find((c) => c.startsWith('berth_csrf='))).not.toMatch(/HttpOnly/);
      const { csrf_token: csrf, user } = (await signIn.json()) as {
        csrf_token: string;
        user: { username: string };
      };
      expect(user.username).toBe('alice');
      const browser = anonymous.as({ cookie: session.split(';')[0]! });
      expect((await browser.expect(200, 'GET', '/user')).username).toBe('alice');
      expect((await browser.post('/groups', { name: 'Via cookie', path: 'via-cookie' })).status).toBe(403);
      await browser
        .as({ cookie: session.split(';')[0]!, 'x-csrf-token': 'wrong' })
        .expect(403, 'POST', '/groups', { name: 'Via cookie', path: 'via-cookie' });
      const withCsrf = browser.as({ cookie: session.split(';')[0]!, 'x-csrf-token': csrf });
      await withCsrf.expect(201, 'POST', '/groups', { name: 'Via cookie', path: 'via-cookie' });
      expect((await withCsrf.expect(200, 'GET', '/session')).csrf_token).toBe(csrf);
      await browser.expect(403, 'DELETE', '/session');
      await withCsrf.expect(204, 'DELETE', '/session');
      await browser.expect(401, 'GET', '/user');
    });

    it('ends the sessions of a blocked user at once', async () => {
      await world.root.expect(201, 'POST', '/users', {
        username: 'mallory',
        name: 'M',
        email: 'm@example.com',
        password: 'mallory-password',
      });
      const signIn = await fetch(`${bff.url}/api/v4/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'mallory', password: 'mallory-password' }),
      });
      const browser = anonymous.as({ cookie: signIn.headers.getSetCookie()[0]!.split(';')[0]! });
      const me = await browser.expect(200, 'GET', '/user');
      await world.root.expect(201, 'POST', `/users/${me.id}/block`);
      await browser.expect(401, 'GET', '/user');
      expect(
        (await anonymous.post('/session', { login: 'mallory', password: 'mallory-password' })).status,
      ).toBe(401);
    });
  });

  describe('groups and projects', () => {
    it.each([
      ['Acme2', /lowercase/],
      ['_lead', /start with a letter or digit/],
      ['trail-', /end with a letter or digit/],
      ['a..b', /"\.\."/],
      ['a b', /only lowercase letters, digits/],
    ])('refuses the path %s and says why', async (path, why) => {
      const group = await world.users.alice!.api.post('/groups', { name: 'X', path });
      expect(group.status).toBe(400);
      expect(group.body.message).toMatch(/^path: /);
      expect(group.body.message).toMatch(why);
      const project = await world.users.alice!.api.post('/projects', {
        name: 'X',
        path,
        namespace_id: acme.id,
      });
      expect(project.body.message).toMatch(why);
    });

    it('derives a project path from its name, and refuses a name that makes no valid path', async () => {
      const project = await world.users.alice!.api.expect(201, 'POST', '/projects', {
        name: 'My App',
        namespace_id: acme.id,
      });
      expect(project).toMatchObject({
        path: 'my-app',
        path_with_namespace: 'acme/my-app',
        visibility: 'private',
        container_registry_access_level: 'enabled',
        container_registry_image_prefix: '127.0.0.1:5000/acme/my-app',
        registry_ci: {
          variables: {
            CI_REGISTRY: '127.0.0.1:5000',
            CI_REGISTRY_IMAGE: '127.0.0.1:5000/acme/my-app',
            CI_REGISTRY_USER: 'gitlab-ci-token',
          },
          commands: {
            login: 'docker login 127.0.0.1:5000',
            build: 'docker build -t 127.0.0.1:5000/acme/my-app .',
            push: 'docker push 127.0.0.1:5000/acme/my-app',
          },
        },
      });
      const bad = await world.users.alice!.api.post('/projects', { name: '___', namespace_id: acme.id });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/^path: must not be empty/);
      expect(
        (await world.users.alice!.api.post('/projects', { path: 'my-app', namespace_id: acme.id })).body
          .message,
      ).toMatch(/already been taken/);
    });

    it('keeps a project or subgroup no more visible than its group', async () => {
      const alice = world.users.alice!.api;
      const refused = await alice.post('/projects', {
        path: 'open',
        namespace_id: acme.id,
        visibility: 'public',
      });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/cannot be more visible than its group \(internal\)/);
      expect(
        (await alice.post('/groups', { name: 'S', path: 'pub', parent_id: acme.id, visibility: 'public' }))
          .status,
      ).toBe(400);
      const sub = await alice.expect(201, 'POST', '/groups', {
        name: 'Sub',
        path: 'sub',
        parent_id: acme.id,
        visibility: 'internal',
      });
      expect(sub).toMatchObject({ full_path: 'acme/sub', full_name: 'Acme / Sub', parent_id: acme.id });
      expect((await alice.put(`/groups/${acme.id}`, { visibility: 'private' })).body.message).toMatch(
        /higher visibility/,
      );
      await alice.expect(200, 'PUT', `/groups/${sub.id}`, { visibility: 'private' });
      expect((await alice.put(`/projects/${shop.id}`, { visibility: 'public' })).status).toBe(400);
    });

    it('answers 404 for what the caller may not see and 403 for what it may see but not change', async () => {
      const dave = world.users.dave!.api;
      const bob = world.users.bob!.api;
      await dave.expect(404, 'GET', `/projects/${shop.id}`);
      await dave.expect(404, 'PUT', `/projects/${shop.id}`, { description: 'x' });
      await dave.expect(404, 'GET', `/projects/${shop.id}/members`);
      await anonymous.expect(404, 'GET', `/groups/${acme.id}`);
      expect((await dave.expect(200, 'GET', `/groups/${acme.id}`)).full_path).toBe('acme');
      await bob.expect(403, 'PUT', `/projects/${shop.id}`, { description: 'x' });
      await bob.expect(403, 'GET', `/projects/${shop.id}/deploy_tokens`);
      await bob.expect(403, 'DELETE', `/groups/${acme.id}`);
      await world.users.carol!.api.expect(200, 'PUT', `/projects/${shop.id}`, { description: 'by carol' });
      await world.users.carol!.api.expect(403, 'DELETE', `/projects/${shop.id}`);
      const byPath = await bob.expect(200, 'GET', '/projects/acme%2Fshop');
      expect(byPath).toMatchObject({
        id: shop.id,
        description: 'by carol',
        permissions: { project_access: null, group_access: { access_level: 20 } },
      });
    });

    it('lists only what the caller may see', async () => {
      const names = (list: { path_with_namespace: string }[]) => list.map((p) => p.path_with_namespace);
      expect(names(await world.users.dave!.api.expect(200, 'GET', '/projects'))).not.toContain('acme/shop');
      expect(names(await world.users.bob!.api.expect(200, 'GET', '/projects?search=sho'))).toEqual([
        'acme/shop',
      ]);
      expect(
        names(
          await world.users.bob!.api.expect(200, 'GET', `/groups/${acme.id}/projects?order_by=path&sort=asc`),
        ),
      ).toEqual(['acme/my-app', 'acme/shop']);
      expect(await anonymous.expect(200, 'GET', '/groups')).toEqual([]);
    });

    it('refuses to delete a group that still holds projects', async () => {
      const response = await world.users.alice!.api.delete(`/groups/${acme.id}`);
      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(/projects/);
    });
  });

  describe('members', () => {
    it('inherits group membership down the tree and refuses a lower direct level', async () => {
      const all = await world.users.bob!.api.expect(200, 'GET', `/projects/${shop.id}/members/all`);
      expect(
        all.map((m: { username: string; access_level: number }) => [m.username, m.access_level]),
      ).toEqual(
        expect.arrayContaining([
          ['alice', 50],
          ['bob', 20],
          ['carol', 40],
        ]),
      );
      expect(await world.users.bob!.api.expect(200, 'GET', `/projects/${shop.id}/members`)).toEqual([]);
      const lower = await world.users.alice!.api.post(`/projects/${shop.id}/members`, {
        user_id: world.users.carol!.id,
        access_level: 30,
      });
      expect(lower.status).toBe(400);
      expect(lower.body.message).toMatch(/Maintainer inherited/);
      const added = await world.users.carol!.api.expect(201, 'POST', `/projects/${shop.id}/members`, {
        user_id: world.users.dave!.id,
        access_level: 30,
      });
      expect(added).toMatchObject({ username: 'dave', access_level: 30, expires_at: null });
      await world.users.carol!.api.expect(409, 'POST', `/projects/${shop.id}/members`, {
        user_id: world.users.dave!.id,
        access_level: 30,
      });
      await world.users.carol!.api.expect(
        403,
        'PUT',
        `/projects/${shop.id}/members/${world.users.dave!.id}`,
        { access_level: 50 },
      );
      await world.users.bob!.api.expect(
        403,
        'DELETE',
        `/projects/${shop.id}/members/${world.users.dave!.id}`,
      );
      expect(
        (await world.users.dave!.api.expect(200, 'GET', `/projects/${shop.id}`)).permissions.project_access,
      ).toEqual({ access_level: 30 });
      await world.users.carol!.api.expect(
        204,
        'DELETE',
        `/projects/${shop.id}/members/${world.users.dave!.id}`,
      );
      await world.users.dave!.api.expect(404, 'GET', `/projects/${shop.id}`);
    });

    it('keeps an owner on a top-level group', async () => {
      const response = await world.users.alice!.api.delete(
        `/groups/${acme.id}/members/${world.users.alice!.id}`,
      );
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(/at least one owner/);
    });
  });

  describe('tokens', () => {
    it('shows a personal access token once, lists only the caller’s own, and enforces read_api', async () => {
      const bob = world.users.bob!.api;
      const created = await bob.expect(201, 'POST', '/user/personal_access_tokens', {
        name: 'ro',
        scopes: ['read_api'],
        expires_at: '2099-01-01',
      });
      expect(created.token).toMatch(/^glpat-/);
      expect(created).toMatchObject({
        name: 'ro',
        scopes: ['read_api'],
        active: true,
        revoked: false,
        expires_at: '2099-01-01',
      });
      const listed = await bob.expect(200, 'GET', '/personal_access_tokens');
      expect(listed.every((t: { user_id: number }) => t.user_id === world.users.bob!.id)).toBe(true);
      expect(listed.some((t: Record<string, unknown>) => 'token' in t)).toBe(false);
      const readOnly = anonymous.withToken(created.token);
      await readOnly.expect(200, 'GET', `/projects/${shop.id}`);
      await readOnly.expect(403, 'POST', '/groups', { name: 'N', path: 'nope' });
      await world.users.dave!.api.expect(404, 'GET', `/personal_access_tokens/${created.id}`);
      await world.users.dave!.api.expect(
        403,
        'POST',
        `/users/${world.users.bob!.id}/personal_access_tokens`,
        { name: 'x', scopes: ['api'] },
      );
      const registryOnly = await bob.expect(201, 'POST', '/user/personal_access_tokens', {
        name: 'reg',
        scopes: ['read_registry'],
      });
      await anonymous.withToken(registryOnly.token).expect(401, 'GET', '/user');
      expect((await readOnly.expect(200, 'GET', '/personal_access_tokens/self')).id).toBe(created.id);
      await readOnly.expect(204, 'DELETE', '/personal_access_tokens/self');
      await readOnly.expect(401, 'GET', `/projects/${shop.id}`);
      expect(
        (
          await bob.post('/user/personal_access_tokens', {
            name: 'past',
            scopes: ['api'],
            expires_at: '2000-01-01',
          })
        ).status,
      ).toBe(400);
      expect((await bob.post('/user/personal_access_tokens', { name: 'bad', scopes: ['sudo'] })).status).toBe(
        400,
      );
    });

    it('creates deploy tokens with registry scopes only', async () => {
      const alice = world.users.alice!.api;
      expect(
        (await alice.post(`/projects/${shop.id}/deploy_tokens`, { name: 'x', scopes: ['read_repository'] }))
          .status,
      ).toBe(400);
      const token = await alice.expect(201, 'POST', `/projects/${shop.id}/deploy_tokens`, {
        name: 'pull',
        scopes: ['read_registry'],
        username: 'puller',
      });
      expect(token).toMatchObject({
        username: 'puller',
        scopes: ['read_registry'],
        revoked: false,
        expired: false,
      });
      expect(token.token).toMatch(/^gldt-/);
      const listed = await alice.expect(200, 'GET', `/projects/${shop.id}/deploy_tokens`);
      expect(listed.map((t: { id: number }) => t.id)).toContain(token.id);
      await alice.expect(404, 'GET', `/groups/${acme.id}/deploy_tokens/${token.id}`);
    });

    it('issues OAuth tokens for the password grant and refuses wrong passwords the OAuth way', async () => {
      const wrong = await fetch(`${bff.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=root&password=wrong',
      });
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });
      const right = await fetch(`${bff.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=password&username=root&password=${ROOT_PASSWORD}`,
      });
      const body = (await right.json()) as { access_token: string; token_type: string };
      expect(body.token_type).toBe('Bearer');
      expect(
        (await anonymous.as({ authorization: `Bearer ${body.access_token}` }).expect(200, 'GET', '/user'))
          .username,
      ).toBe('root');
    });
  });

  describe('pagination and errors', () => {
    it('paginates with GitLab headers and caps per_page at 100', async () => {
      for (const n of [1, 2, 3, 4])
        await world.users.carol!.api.expect(201, 'POST', '/groups', { name: `Page ${n}`, path: `page-${n}` });
      const page = await world.users.carol!.api.request('GET', '/groups?search=page&per_page=3&page=1');
      expect(page.body.map((g: { path: string }) => g.path)).toEqual(['page-1', 'page-2', 'page-3']);
      const second = await world.users.carol!.api.request('GET', '/groups?search=page&per_page=3&page=2');
      expect(second.body.map((g: { path: string }) => g.path)).toEqual(['page-4']);
      const h = second.headers;
      expect([
        h.get('x-total'),
        h.get('x-total-pages'),
        h.get('x-page'),
        h.get('x-per-page'),
        h.get('x-next-page'),
        h.get('x-prev-page'),
      ]).toEqual(['4', '2', '2', '3', '', '1']);
      expect(h.get('link')).toContain('/api/v4/groups?search=page&per_page=3&page=1>; rel="prev"');
      expect(h.get('link')).toContain('rel="last"');
      expect(h.get('link')).not.toContain('rel="next"');
      expect(
        (await world.users.carol!.api.request('GET', '/groups?per_page=500')).headers.get('x-per-page'),
      ).toBe('100');
    });

    it('answers malformed bodies and unknown routes with a GitLab-style message', async () => {
      const malformed = await fetch(`${bff.url}/api/v4/groups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'PRIVATE-TOKEN': world.users.alice!.token },
        body: '{"name":',
      });
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toEqual({ message: '400 Bad request - malformed body' });
      expect(await anonymous.expect(404, 'GET', '/nothing-here')).toEqual({ message: '404 Not Found' });
    });
  });
});

describe('error middleware', () => {
  it('hides the internals of unexpected errors', async () => {
    const app = express();
    app.get('/boom', () => {
      throw new Error('database password is hunter2');
    });
    app.use(errorMiddleware);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/boom`);
    server.close();
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('{"message":"500 Internal Server Error"}');
  });
});

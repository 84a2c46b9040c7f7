import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { databaseTargets } from '@berth/sql/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SPA_POLICY } from '../src/http/security-headers.js';
import { Api, createUsers, type RunningBff, startBff, type World } from './support/bff.js';
import { verifyRegistryToken } from './support/jwt.js';

const EXTERNAL_URL = 'https://berth.example/';

/** A raw request, so headers fetch would refuse (a malformed Host) can be sent. */
function rawGet(url: string, path: string, headers: Record<string, string>) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ hostname, port, path, method: 'GET', headers, setHost: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

const dayOffset = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe.each(databaseTargets())('security hardening on $dialect', (target) => {
  let bff: RunningBff;
  let world: World;
  let anonymous: Api;
  const logLines: { level: number; msg: string; err?: { stack?: string } }[] = [];
  const webRoot = mkdtempSync(join(tmpdir(), 'berth-web-'));
  let group: { id: number };
  let project: { id: number; path_with_namespace: string };

  beforeAll(async () => {
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Berth</title>');
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log("app")');
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    bff = await startBff(
      target,
      { BERTH_EXTERNAL_URL: EXTERNAL_URL },
      { logger: pino({ level: 'info' }, sink), webRoot },
    );
    anonymous = new Api(`${bff.url}/api/v4`);
    world = await createUsers(bff, ['alice', 'bob', 'mallory']);
    const alice = world.users.alice!.api;
    group = await alice.expect(201, 'POST', '/groups', { name: 'Sec', path: 'sec', visibility: 'public' });
    project = await alice.expect(201, 'POST', '/projects', { name: 'App', namespace_id: group.id });
    await alice.expect(201, 'POST', '/projects', { name: 'Two', namespace_id: group.id });
    await alice.expect(201, 'POST', `/groups/${group.id}/members`, {
      user_id: world.users.bob!.id,
      access_level: 30,
    });
  });
  afterAll(async () => {
    await bff?.stop();
    rmSync(webRoot, { recursive: true, force: true });
  });

  describe('login CSRF', () => {
    const signIn = (headers: Record<string, string>) =>
      fetch(`${bff.url}/api/v4/session`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body: new URLSearchParams({ login: 'mallory', password: world.users.mallory!.password }),
      });

    it('refuses a sign-in posted from another site, and sets no cookie', async () => {
      const crossSite: Record<string, string>[] = [
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
        { 'sec-fetch-site': 'same-site', origin: 'https://evil.berth.example' },
      ];
      for (const headers of crossSite) {
        const response = await signIn(headers);
        expect(response.status).toBe(403);
        expect(response.headers.get('set-cookie')).toBeNull();
        expect(((await response.json()) as { message: string }).message).toContain('cross-site');
      }
    });

    it('signs in from the SPA’s own origin and from scripts', async () => {
      const sameOrigin: Record<string, string>[] = [
        { origin: 'https://berth.example' },
        { 'sec-fetch-site': 'same-origin', origin: 'https://berth.example' },
        { 'sec-fetch-site': 'none' },
        {},
      ];
      for (const headers of sameOrigin) {
        const response = await signIn(headers);
        expect(response.status).toBe(201);
        expect(response.headers.get('set-cookie')).toContain('berth_session=');
      }
    });
  });

  describe('Host header', () => {
    it('answers a malformed Host with 400, logging no error', async () => {
      const before = logLines.length;
      const response = await rawGet(bff.url, '/api/v4/projects?per_page=1', { host: '[' });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body).message).toContain('Host');
      const logged = logLines.slice(before);
      expect(logged.some((line) => line.level >= 50 || line.err?.stack !== undefined)).toBe(false);
    });

    it('builds Link headers from the external URL, never from a foreign Host', async () => {
      const token = world.users.alice!.token;
      const response = await rawGet(bff.url, '/api/v4/projects?per_page=1', {
        host: 'evil.example',
        'private-token': token,
      });
      expect(response.status).toBe(200);
      const link = String(response.headers.link);
      expect(link).not.toContain('evil.example');
      const targets = [...link.matchAll(/<([^>]+)>/g)].map((match) => match[1]);
      expect(targets.length).toBeGreaterThanOrEqual(3);
      for (const url of targets) expect(url).toMatch(/^https:\/\/berth\.example\/api\/v4\/projects\?/);
      const forwarded = await rawGet(bff.url, '/api/v4/projects?per_page=1', {
        host: '127.0.0.1',
        'private-token': token,
        'x-forwarded-host': 'evil.example',
        'x-forwarded-proto': 'http',
      });
      expect(String(forwarded.headers.link)).not.toContain('evil.example');
    });
  });

  describe('reserved user names', () => {
    it.each(['GITLAB-CI-TOKEN', 'gitlab-ci-token', 'oauth2', 'OAuth2', 'Root'])(
      'refuses sign-up as %s',
      async (username) => {
        const response = await anonymous.post('/users', {
          username,
          name: 'x',
          email: `${username.toLowerCase()}-x@example.com`,
          password: 'password-123',
        });
        expect(response.status).toBe(400);
        expect(response.body.message).toContain('reserved');
      },
    );

    it('refuses deploy tokens named like the routing’s special users, and signs their JWTs apart from users', async () => {
      const alice = world.users.alice!.api;
      for (const username of ['root', 'ROOT', 'gitlab-ci-token', 'Oauth2']) {
        const response = await alice.post(`/projects/${project.id}/deploy_tokens`, {
          name: 'd',
          scopes: ['read_registry'],
          username,
        });
        expect(response.status).toBe(400);
      }
      // A deploy token may still take a user's name; its registry JWTs cannot be read as that user's.
      const token = await alice.expect(201, 'POST', `/projects/${project.id}/deploy_tokens`, {
        name: 'd',
        scopes: ['read_registry'],
        username: 'bob',
      });
      const scope = `repository:${project.path_with_namespace}:pull`;
      const response = await fetch(`${bff.url}/jwt/auth?service=container_registry&scope=${scope}`, {
        headers: { authorization: `Basic ${Buffer.from(`bob:${token.token}`).toString('base64')}` },
      });
      expect(response.status).toBe(200);
      const { claims } = verifyRegistryToken(
        ((await response.json()) as { token: string }).token,
        bff.dataDir,
      );
      expect(claims.sub).toBe('deploy-token:bob');
      expect(claims.access).toEqual([
        { type: 'repository', name: project.path_with_namespace, actions: ['pull'] },
      ]);
    });
  });

  describe('names and descriptions', () => {
    const hidden = [
      'evil\r\nname',
      'evil\u202ename',
      'evil\u0000<script>',
      'a\u2066b',
      'esc\u001b[31m',
      'c1\u0085',
    ];

    it('refuses control and bidi-override characters in group, project, user and token names', async () => {
      const alice = world.users.alice!.api;
      for (const name of hidden) {
        const groupAnswer = await alice.post('/groups', { name, path: 'evil' });
        expect(groupAnswer.status).toBe(400);
        expect(groupAnswer.body.message).toMatch(/name: must not contain (control|bidirectional)/);
        expect((await alice.post('/projects', { name, path: 'evil', namespace_id: group.id })).status).toBe(
          400,
        );
        expect((await alice.put(`/projects/${project.id}`, { name })).status).toBe(400);
        expect((await alice.put(`/groups/${group.id}`, { name })).status).toBe(400);
        const signUp = { username: 'evil', name, email: 'evil@example.com', password: 'password-123' };
        expect((await anonymous.post('/users', signUp)).status).toBe(400);
        expect((await alice.post('/user/personal_access_tokens', { name, scopes: ['api'] })).status).toBe(
          400,
        );
      }
      expect((await alice.get('/groups?search=evil')).body).toEqual([]);
    });

    it('refuses them in descriptions, where line breaks and tabs are still text', async () => {
      const alice = world.users.alice!.api;
      const bad = await alice.put(`/projects/${project.id}`, { description: 'safe\u202eexe.txt' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('bidirectional');
      expect((await alice.put(`/groups/${group.id}`, { description: 'nul\u0000' })).status).toBe(400);
      const multiLine = 'First line\r\nsecond\tline\n';
      const updated = await alice.expect(200, 'PUT', `/projects/${project.id}`, { description: multiLine });
      expect(updated.description).toBe(multiLine);
    });

    it('keeps display names free Unicode text', async () => {
      const name = 'Zoë Øster 東京 🚢 עברית';
      const created = await world.users.alice!.api.expect(201, 'POST', '/groups', { name, path: 'unicode' });
      expect(created.name).toBe(name);
      const user = await anonymous.expect(201, 'POST', '/users', {
        username: 'zoe',
        name,
        email: 'zoe@example.com',
        password: 'password-123',
      });
      expect(user.name).toBe(name);
    });
  });

  describe('response headers', () => {
    const hardening = {
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000',
    };

    it('hardens every API answer, errors included, and never lets them be cached', async () => {
      for (const path of [
        '/api/v4/projects',
        '/api/v4/user',
        '/api/v4/nothing-here',
        '/jwt/jwks',
        '/-/health',
      ]) {
        const response = await fetch(`${bff.url}${path}`);
        for (const [name, value] of Object.entries(hardening)) expect(response.headers.get(name)).toBe(value);
        expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
        expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
    });

    it('gives the SPA a strict policy without inline script', async () => {
      for (const path of ['/', '/acme/shop/container_registry', '/assets/app.js']) {
        const response = await fetch(`${bff.url}${path}`);
        expect(response.status).toBe(200);
        const policy = response.headers.get('content-security-policy') ?? '';
        expect(policy).toBe(SPA_POLICY);
        expect(policy).toContain("script-src 'self'");
        expect(policy).not.toContain('unsafe-inline');
        expect(policy).not.toContain('unsafe-eval');
        expect(policy).toContain("frame-ancestors 'none'");
        for (const [name, value] of Object.entries(hardening)) expect(response.headers.get(name)).toBe(value);
      }
    });

    it('marks every answer that carries a secret no-store', async () => {
      const alice = world.users.alice!;
      const answers = [
        await fetch(`${bff.url}/api/v4/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ login: 'alice', password: alice.password }),
        }),
        await fetch(`${bff.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'password', username: 'alice', password: alice.password }),
        }),
        await fetch(`${bff.url}/jwt/auth?service=container_registry`, {
          headers: { authorization: `Basic ${Buffer.from(`alice:${alice.token}`).toString('base64')}` },
        }),
      ];
      for (const [path, body] of [
        ['/user/personal_access_tokens', { name: 'n', scopes: ['api'] }],
        [`/projects/${project.id}/deploy_tokens`, { name: 'n', scopes: ['read_registry'] }],
        [`/projects/${project.id}/job_tokens`, {}],
      ] as const) {
        answers.push(
          await fetch(`${bff.url}/api/v4${path}`, {
            method: 'POST',
            headers: { 'private-token': alice.token, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          }),
        );
      }
      for (const response of answers) {
        expect(response.status).toBeLessThan(300);
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
    });
  });

  it('keeps its data private: folder 0700, database, WAL and signing key 0600', async () => {
    const mode = (path: string) => statSync(path).mode & 0o777;
    const bffDir = join(bff.dataDir, 'bff');
    expect(mode(bffDir)).toBe(0o700);
    expect(mode(join(bffDir, 'token-signing-key.pem'))).toBe(0o600);
    if (target.dialect === 'sqlite') {
      expect(mode(join(bffDir, 'bff.db'))).toBe(0o600);
      expect(mode(join(bffDir, 'bff.db-wal'))).toBe(0o600);
      expect(mode(join(bffDir, 'bff.db-shm'))).toBe(0o600);
    }
  });

  describe('token lifetimes', () => {
    it('caps personal access tokens at 365 days, and gives a token asked without expiry the longest', async () => {
      const alice = world.users.alice!.api;
      const forever = await alice.post('/user/personal_access_tokens', {
        name: 'forever',
        scopes: ['api'],
        expires_at: '9999-12-31',
      });
      expect(forever.status).toBe(400);
      expect(forever.body.message).toContain('365 days');
      expect(
        (
          await alice.post('/user/personal_access_tokens', {
            name: 'x',
            scopes: ['api'],
            expires_at: dayOffset(367),
          })
        ).status,
      ).toBe(400);
      const longest = await alice.expect(201, 'POST', '/user/personal_access_tokens', {
        name: 'year',
        scopes: ['api'],
        expires_at: dayOffset(365),
      });
      expect(longest.expires_at).toBe(dayOffset(365));
      const unset = await alice.expect(201, 'POST', '/user/personal_access_tokens', {
        name: 'unset',
        scopes: ['api'],
      });
      expect(unset.expires_at).toBe(dayOffset(365));
      const admin = await world.root.post(`/users/${world.users.bob!.id}/personal_access_tokens`, {
        name: 'admin-made',
        scopes: ['api'],
        expires_at: '9999-12-31',
      });
      expect(admin.status).toBe(400);
    });

    it('revokes OAuth tokens with POST /oauth/revoke', async () => {
      const { password } = world.users.bob!;
      const oauth = (await fetch(`${bff.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'password', username: 'bob', password }),
      }).then((r) => r.json())) as { access_token: string };
      const bearer = anonymous.as({ authorization: `Bearer ${oauth.access_token}` });
      const registry = () =>
        fetch(`${bff.url}/jwt/auth?service=container_registry`, {
          headers: {
            authorization: `Basic ${Buffer.from(`oauth2:${oauth.access_token}`).toString('base64')}`,
          },
        });
      expect((await bearer.get('/user')).status).toBe(200);
      expect((await registry()).status).toBe(200);
      const revoked = await fetch(`${bff.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: oauth.access_token }),
      });
      expect(revoked.status).toBe(200);
      expect(revoked.headers.get('cache-control')).toBe('no-store');
      expect((await bearer.get('/user')).status).toBe(401);
      expect((await registry()).status).toBe(401);
      // RFC 7009: an unknown token is answered alike; a request without one is malformed.
      const unknown = await fetch(`${bff.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: 'gloat-unknown' }),
      });
      expect(unknown.status).toBe(200);
      const missing = await fetch(`${bff.url}/oauth/revoke`, { method: 'POST' });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ error: 'invalid_request' });
    });

    describe('job tokens', () => {
      const jobAuth = (token: string) =>
        fetch(
          `${bff.url}/jwt/auth?service=container_registry&scope=repository:${project.path_with_namespace}:push`,
          {
            headers: { authorization: `Basic ${Buffer.from(`gitlab-ci-token:${token}`).toString('base64')}` },
          },
        );

      it('are revoked on demand by the user who minted them or a Maintainer, and by nobody else', async () => {
        const alice = world.users.alice!.api;
        const minted = await alice.expect(201, 'POST', `/projects/${project.id}/job_tokens`, {});
        expect(minted.id).toEqual(expect.any(Number));
        expect((await jobAuth(minted.token)).status).toBe(200);
        expect(
          (await world.users.bob!.api.delete(`/projects/${project.id}/job_tokens/${minted.id}`)).status,
        ).toBe(403);
        // A Developer may mint job tokens but not revoke another user's; a stranger does not see the project.
        expect(
          (await world.users.mallory!.api.delete(`/projects/${project.id}/job_tokens/${minted.id}`)).status,
        ).toBe(404);
        const otherProject = await alice.expect(201, 'POST', '/projects', {
          name: 'Three',
          namespace_id: group.id,
        });
        expect((await alice.delete(`/projects/${otherProject.id}/job_tokens/${minted.id}`)).status).toBe(404);
        expect((await jobAuth(minted.token)).status).toBe(200);
        expect((await alice.delete(`/projects/${project.id}/job_tokens/${minted.id}`)).status).toBe(204);
        expect((await jobAuth(minted.token)).status).toBe(401);
        expect(
          (await anonymous.as({ 'JOB-TOKEN': minted.token }).get(`/projects/${project.id}`)).status,
        ).toBe(401);
      });

      it('revoke themselves when the job ends', async () => {
        const minted = await world.users.alice!.api.expect(
          201,
          'POST',
          `/projects/${project.id}/job_tokens`,
          {},
        );
        const job = anonymous.as({ 'JOB-TOKEN': minted.token });
        expect((await job.get(`/projects/${project.id}`)).status).toBe(200);
        expect((await job.delete('/job_tokens/self')).status).toBe(204);
        expect((await job.get(`/projects/${project.id}`)).status).toBe(401);
        expect((await jobAuth(minted.token)).status).toBe(401);
        expect((await job.delete('/job_tokens/self')).status).toBe(401);
      });

      it('stop working when they expire, and expired ones are deleted', async () => {
        const expired = await bff.services.tokens.createJobToken(project.id, world.users.alice!.id, -1);
        expect((await jobAuth(expired.token)).status).toBe(401);
        expect(await bff.services.tokens.findJobToken(expired.row.id)).toBeDefined();
        await world.users.alice!.api.expect(201, 'POST', `/projects/${project.id}/job_tokens`, {});
        expect(await bff.services.tokens.findJobToken(expired.row.id)).toBeUndefined();
      });
    });
  });

  describe('user listing', () => {
    it('is closed to anonymous callers by default (GitLab’s restricted Public visibility)', async () => {
      expect((await anonymous.get('/users')).status).toBe(401);
      expect((await anonymous.get('/users?username=alice')).status).toBe(401);
      expect((await anonymous.get(`/users/${world.users.alice!.id}`)).status).toBe(401);
      const listed = await world.users.bob!.api.expect(200, 'GET', '/users?username=alice');
      expect(listed).toMatchObject([{ username: 'alice' }]);
    });

    it('opens to anonymous callers with BFF_ANONYMOUS_USER_LIST=true', async () => {
      if (target.dialect !== 'sqlite') return;
      const open = await startBff(target, { BFF_ANONYMOUS_USER_LIST: 'true' });
      try {
        const listed = await new Api(`${open.url}/api/v4`).expect(200, 'GET', '/users');
        expect(listed.map((user: { username: string }) => user.username)).toEqual(['root']);
      } finally {
        await open.stop();
      }
    });
  });
});

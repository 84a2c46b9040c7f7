import { databaseTargets } from '@berth/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Api,
  createRoleGroup,
  createUsers,
  ROOT_PASSWORD,
  type RunningBff,
  startBff,
  type World,
} from './support/bff.js';
import { verifyRegistryToken } from './support/jwt.js';
import { REGISTRY_LEVELS, ROLES, type Role, SEED_PULL, VISIBILITIES } from './support/seed-table.js';

/** Push and delete: Developer and above, and admins; never when the registry is disabled. */
const WRITERS: ReadonlySet<Role> = new Set(['developer', 'maintainer', 'admin']);

function expectedActions(visibility: string, level: string, role: Role): string[] {
  if (level === 'disabled') return [];
  const actions: string[] = [];
  if (SEED_PULL[`${visibility}/${level}`]?.[role]) actions.push('pull');
  if (WRITERS.has(role)) actions.push('push', 'delete');
  return actions;
}

describe.each(databaseTargets())('token service on $dialect', (target) => {
  let bff: RunningBff;
  let world: World;
  const credentials: Record<string, { username: string; password: string } | undefined> = {};

  /** Asks `/jwt/auth` for scopes; returns the verified claims (or the status when not 200). */
  async function auth(scopes: string[], basic?: { username: string; password: string }) {
    const query = new URLSearchParams({ service: 'container_registry' });
    for (const scope of scopes) query.append('scope', scope);
    const response = await fetch(`${bff.url}/jwt/auth?${query}`, {
      headers: basic
        ? { authorization: `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}` }
        : {},
    });
    if (response.status !== 200) return { status: response.status, claims: undefined };
    const body = (await response.json()) as {
      token: string;
      access_token: string;
      expires_in: number;
      issued_at: string;
    };
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    const { header, claims } = verifyRegistryToken(body.token, bff.dataDir);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    expect(new Date(body.issued_at).getTime() / 1000).toBe(claims.iat);
    return { status: 200, claims, header };
  }

  async function granted(
    name: string,
    basic?: { username: string; password: string },
    actions = 'pull,push,delete',
  ) {
    const { status, claims } = await auth([`repository:${name}:${actions}`], basic);
    expect(status).toBe(200);
    return claims?.access.find((entry) => entry.type === 'repository' && entry.name === name)?.actions ?? [];
  }

  beforeAll(async () => {
    bff = await startBff(target);
    world = await createUsers(bff, ['guest', 'outsider', 'reporter', 'developer', 'maintainer']);
    const { root, users } = world;
    const group = await createRoleGroup(world, 'Matrix', 'matrix');
    for (const visibility of VISIBILITIES) {
      for (const level of REGISTRY_LEVELS) {
        await root.expect(201, 'POST', '/projects', {
          name: `${visibility}-${level}`,
          namespace_id: group.id,
          visibility,
          container_registry_access_level: level,
        });
      }
    }
    for (const role of ROLES) {
      if (role === 'anonymous') continue;
      if (role === 'admin') credentials[role] = { username: 'root', password: ROOT_PASSWORD };
      else credentials[role] = { username: role, password: users[role]!.password };
    }
  });
  afterAll(async () => {
    await bff?.stop();
  });

  describe('the seed visibility table', () => {
    const cells = VISIBILITIES.flatMap((visibility) =>
      REGISTRY_LEVELS.flatMap((level) => ROLES.map((role) => ({ visibility, level, role }))),
    );
    it.each(cells)('$visibility project, registry $level, $role', async ({ visibility, level, role }) => {
      const name = `matrix/${visibility}-${level}/app`;
      expect(await granted(name, credentials[role])).toEqual(expectedActions(visibility, level, role));
    });
  });

  it('signs with the key in the JWKS and sets the documented claims', async () => {
    const { claims, header } = await auth(['repository:matrix/public-enabled:pull'], credentials.developer);
    const jwks = (await fetch(`${bff.url}/jwt/jwks`).then((r) => r.json())) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([header?.kid]);
    expect(claims).toMatchObject({ iss: 'berth-token-service', aud: 'container_registry', sub: 'developer' });
    expect(claims!.exp - claims!.iat).toBe(300);
    expect(claims!.nbf).toBe(claims!.iat);
    expect(claims!.jti).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const anonymous = await auth(['repository:matrix/public-enabled:pull']);
    expect(anonymous.claims?.sub).toBe('');
  });

  it('parses every scope, strips host:port from names, and merges repeated scopes', async () => {
    const { claims } = await auth(
      [
        'repository:127.0.0.1:5000/matrix/private-enabled/app:pull',
        'repository:matrix/private-enabled/app:push repository:matrix/public-enabled:pull',
        'repository:matrix/internal-enabled/a/b/c:pull',
        'repository:matrix/internal-enabled/a/b/c/d:pull',
        'repository:matrix/missing:pull',
        'repository:Not/Valid:pull',
      ],
      credentials.developer,
    );
    expect(claims?.access).toEqual([
      { type: 'repository', name: 'matrix/private-enabled/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'matrix/public-enabled', actions: ['pull'] },
      { type: 'repository', name: 'matrix/internal-enabled/a/b/c', actions: ['pull'] },
    ]);
  });

  it('expands * to what is allowed and never grants more', async () => {
    expect(await granted('matrix/private-enabled/app', credentials.reporter, '*')).toEqual(['pull']);
    expect(await granted('matrix/private-enabled/app', credentials.developer, '*')).toEqual([
      'pull',
      'push',
      'delete',
    ]);
  });

  it('answers 401 to wrong credentials instead of falling back to anonymous', async () => {
    expect(
      (await auth(['repository:matrix/public-enabled:pull'], { username: 'developer', password: 'wrong' }))
        .status,
    ).toBe(401);
    expect(
      (await auth(['repository:matrix/public-enabled:pull'], { username: 'nobody', password: 'x' })).status,
    ).toBe(401);
  });

  it('grants registry:catalog:* only to admins', async () => {
    const scope = ['registry:catalog:*'];
    expect((await auth(scope, credentials.admin)).claims?.access).toEqual([
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    expect((await auth(scope, credentials.maintainer)).claims?.access).toEqual([]);
    expect((await auth(scope)).claims?.access).toEqual([]);
  });

  it('limits personal access tokens to their scopes', async () => {
    const tokenWith = async (scopes: string[]) =>
      (
        await world.users.developer!.api.expect(201, 'POST', '/user/personal_access_tokens', {
          name: scopes.join(),
          scopes,
        })
      ).token as string;
    const name = 'matrix/private-enabled/app';
    const as = async (scopes: string[]) =>
      granted(name, { username: 'developer', password: await tokenWith(scopes) });
    expect(await as(['read_registry'])).toEqual(['pull']);
    expect(await as(['write_registry'])).toEqual(['push']);
    expect(await as(['read_registry', 'write_registry'])).toEqual(['pull', 'push']);
    expect(await as(['read_api'])).toEqual(['pull']);
    expect(await as(['api'])).toEqual(['pull', 'push', 'delete']);
    // A token never gives more than its user may do.
    const reporterToken = (
      await world.users.reporter!.api.expect(201, 'POST', '/user/personal_access_tokens', {
        name: 'w',
        scopes: ['write_registry', 'read_registry'],
      })
    ).token;
    expect(await granted(name, { username: 'reporter', password: reporterToken })).toEqual(['pull']);
    // A token of another user under this name is refused, not silently accepted.
    expect(
      (await auth([`repository:${name}:pull`], { username: 'reporter', password: await tokenWith(['api']) }))
        .status,
    ).toBe(401);
    // Revoked at once.
    const created = await world.users.developer!.api.expect(201, 'POST', '/user/personal_access_tokens', {
      name: 'r',
      scopes: ['read_registry'],
    });
    const basic = { username: 'developer', password: created.token };
    expect(await granted(name, basic)).toEqual(['pull']);
    await world.users.developer!.api.expect(204, 'DELETE', `/personal_access_tokens/${created.id}`);
    expect((await auth([`repository:${name}:pull`], basic)).status).toBe(401);
  });

  describe('deploy tokens', () => {
    let a: { id: number };
    let deploy: { username: string; password: string; id: number };
    /** A created deploy token as the Basic credentials docker login would send. */
    const basicOf = (created: { username: string; token: string; id: number }) => ({
      username: created.username,
      password: created.token,
      id: created.id,
    });

    beforeAll(async () => {
      const { root } = world;
      const group = await root.expect(201, 'POST', '/groups', { name: 'Deploy', path: 'deploy' });
      a = await root.expect(201, 'POST', '/projects', { path: 'a', namespace_id: group.id });
      await root.expect(201, 'POST', '/projects', { path: 'b', namespace_id: group.id });
      deploy = basicOf(
        await root.expect(201, 'POST', `/projects/${a.id}/deploy_tokens`, {
          name: 'ci',
          scopes: ['read_registry', 'write_registry'],
        }),
      );
    });

    it('pulls and pushes its own private project but never deletes', async () => {
      expect(deploy.username).toBe(`gitlab+deploy-token-${deploy.id}`);
      expect(await granted('deploy/a/app', deploy)).toEqual(['pull', 'push']);
    });

    it('cannot read another private project', async () => {
      expect(await granted('deploy/b/app', deploy)).toEqual([]);
    });

    it('with read_registry only, cannot push', async () => {
      const read = basicOf(
        await world.root.expect(201, 'POST', `/projects/${a.id}/deploy_tokens`, {
          name: 'r',
          scopes: ['read_registry'],
        }),
      );
      expect(await granted('deploy/a/app', read)).toEqual(['pull']);
    });

    it('gives nothing when the registry is disabled', async () => {
      await world.root.expect(200, 'PUT', `/projects/${a.id}`, {
        container_registry_access_level: 'disabled',
      });
      expect(await granted('deploy/a/app', deploy)).toEqual([]);
      await world.root.expect(200, 'PUT', `/projects/${a.id}`, {
        container_registry_access_level: 'enabled',
      });
      expect(await granted('deploy/a/app', deploy)).toEqual(['pull', 'push']);
    });

    it('of a group, covers the projects of the group and its subgroups', async () => {
      const parent = await world.root.expect(201, 'POST', '/groups', { name: 'G', path: 'gdeploy' });
      const child = await world.root.expect(201, 'POST', '/groups', {
        name: 'Sub',
        path: 'sub',
        parent_id: parent.id,
      });
      await world.root.expect(201, 'POST', '/projects', { path: 'p', namespace_id: child.id });
      const groupToken = basicOf(
        await world.root.expect(201, 'POST', `/groups/${parent.id}/deploy_tokens`, {
          name: 'g',
          scopes: ['read_registry'],
        }),
      );
      expect(await granted('gdeploy/sub/p/app', groupToken)).toEqual(['pull']);
      expect(await granted('deploy/a/app', groupToken)).toEqual([]);
    });

    it('stops working when revoked', async () => {
      const other = basicOf(
        await world.root.expect(201, 'POST', `/projects/${a.id}/deploy_tokens`, {
          name: 'x',
          scopes: ['read_registry'],
        }),
      );
      expect(await granted('deploy/a/app', other)).toEqual(['pull']);
      await world.root.expect(204, 'DELETE', `/projects/${a.id}/deploy_tokens/${other.id}`);
      expect((await auth(['repository:deploy/a/app:pull'], other)).status).toBe(401);
      const listed = await world.root.expect(200, 'GET', `/projects/${a.id}/deploy_tokens/${other.id}`);
      expect(listed).toMatchObject({ revoked: true, expired: false });
    });

    it('stops working when expired', async () => {
      const expiresAt = new Date(Date.now() + 1500).toISOString();
      const soon = basicOf(
        await world.root.expect(201, 'POST', `/projects/${a.id}/deploy_tokens`, {
          name: 's',
          scopes: ['read_registry'],
          expires_at: expiresAt,
        }),
      );
      expect(await granted('deploy/a/app', soon)).toEqual(['pull']);
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expect((await auth(['repository:deploy/a/app:pull'], soon)).status).toBe(401);
    });
  });

  describe('job tokens', () => {
    it('push only to their own project, pull where the user may read', async () => {
      const developer = world.users.developer!.api;
      const project = await developer.expect(
        200,
        'GET',
        `/projects/${encodeURIComponent('matrix/private-enabled')}`,
      );
      const job = await developer.expect(201, 'POST', `/projects/${project.id}/job_tokens`, {});
      expect(job.ci_variables).toMatchObject({
        CI_REGISTRY_USER: 'gitlab-ci-token',
        CI_REGISTRY_IMAGE: `127.0.0.1:5000/matrix/private-enabled`,
      });
      const basic = { username: 'gitlab-ci-token', password: job.token };
      expect(await granted('matrix/private-enabled/app', basic)).toEqual(['pull', 'push', 'delete']);
      expect(await granted('matrix/private-private/app', basic)).toEqual(['pull']);
      expect(await granted('matrix/public-enabled', basic)).toEqual(['pull']);
      expect(
        (
          await auth(['repository:matrix/private-enabled:pull'], {
            username: 'developer',
            password: job.token,
          })
        ).status,
      ).toBe(401);
      const claims = (await auth(['repository:matrix/private-enabled:pull'], basic)).claims;
      expect(claims?.sub).toBe('gitlab-ci-token');
      // On the API a job token reads what its user may read, and changes nothing.
      const jobApi = new Api(`${bff.url}/api/v4`).as({ 'JOB-TOKEN': job.token });
      expect((await jobApi.expect(200, 'GET', `/projects/${project.id}`)).id).toBe(project.id);
      await jobApi.expect(403, 'PUT', `/projects/${project.id}`, { description: 'from a job' });
    });

    it('can only be minted by a Developer or above', async () => {
      const reporter = world.users.reporter!.api;
      const project = await reporter.expect(
        200,
        'GET',
        `/projects/${encodeURIComponent('matrix/private-enabled')}`,
      );
      await reporter.expect(403, 'POST', `/projects/${project.id}/job_tokens`, {});
    });
  });

  it('refuses a blocked user at once: password, tokens and job tokens', async () => {
    const { root } = world;
    const user = await root.expect(201, 'POST', '/users', {
      username: 'soon-blocked',
      name: 'B',
      email: 'b@example.com',
      password: 'blocked-password',
    });
    const project = await root.expect(
      200,
      'GET',
      `/projects/${encodeURIComponent('matrix/private-enabled')}`,
    );
    await root.expect(201, 'POST', `/projects/${project.id}/members`, { user_id: user.id, access_level: 30 });
    const pat = await root.expect(201, 'POST', `/users/${user.id}/personal_access_tokens`, {
      name: 'p',
      scopes: ['api'],
    });
    const userApi = new Api(`${bff.url}/api/v4`).withToken(pat.token);
    const job = await userApi.expect(201, 'POST', `/projects/${project.id}/job_tokens`, {});
    const name = 'matrix/private-enabled/app';
    const password = { username: 'soon-blocked', password: 'blocked-password' };
    const token = { username: 'soon-blocked', password: pat.token };
    const jobBasic = { username: 'gitlab-ci-token', password: job.token };
    for (const basic of [password, token, jobBasic]) expect(await granted(name, basic)).toContain('push');

    await root.expect(201, 'POST', `/users/${user.id}/block`);
    for (const basic of [password, token, jobBasic])
      expect((await auth([`repository:${name}:pull`], basic)).status).toBe(401);
    await userApi.expect(401, 'GET', '/user');

    await root.expect(201, 'POST', `/users/${user.id}/unblock`);
    expect(await granted(name, token)).toEqual(['pull', 'push', 'delete']);
  });

  it('refuses a removed member at once', async () => {
    const { root, users } = world;
    const project = await root.expect(
      200,
      'GET',
      `/projects/${encodeURIComponent('matrix/private-private')}`,
    );
    await root.expect(201, 'POST', `/projects/${project.id}/members`, {
      user_id: users.outsider!.id,
      access_level: 30,
    });
    expect(await granted('matrix/private-private/app', credentials.outsider)).toEqual([
      'pull',
      'push',
      'delete',
    ]);
    await root.expect(204, 'DELETE', `/projects/${project.id}/members/${users.outsider!.id}`);
    expect(await granted('matrix/private-private/app', credentials.outsider)).toEqual([]);
  });
});

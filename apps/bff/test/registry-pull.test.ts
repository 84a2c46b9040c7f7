import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { databaseTargets } from '@berth/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRoleGroup,
  createUsers,
  ROOT_PASSWORD,
  type RunningBff,
  startBff,
  type World,
} from './support/bff.js';
import { buildOciLayout } from './support/oci-layout.js';
import { REGISTRY_LEVELS, ROLES, SEED_PULL, VISIBILITIES } from './support/seed-table.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const registrySupport = resolve(here, '../../../packages/registry/test/support/registry-process.ts');
const registryBin = resolve(here, '../../../packages/registry/dist/berth-registry.mjs');

/** The shape of packages/registry/test/support/registry-process.ts (imported at run time: another package). */
interface RunningRegistry {
  url: string;
  host: string;
  stop(): Promise<void>;
}
type StartRegistry = (options: { env?: Record<string, string> }) => Promise<RunningRegistry>;

const REFUSED = /unauthorized|denied|authentication required|insufficient_scope/i;

/** Why the real-registry run cannot happen here, or undefined when it can. */
async function missingPrerequisite(): Promise<string | undefined> {
  if (!existsSync(registrySupport)) return `${registrySupport} (startRegistry) does not exist`;
  if (!existsSync(registryBin)) return `the built registry ${registryBin} does not exist (run pnpm build)`;
  try {
    await run('skopeo', ['--version']);
  } catch {
    return 'skopeo is not installed';
  }
  return undefined;
}

const missing = await missingPrerequisite();
// CI installs and builds everything these runs need: there, a missing piece is a failure.
if (missing && process.env.CI) throw new Error(`real registry pulls cannot run: ${missing}`);
if (missing) {
  console.warn(`\n*** SKIPPED: real registry pulls with skopeo: ${missing} ***\n`);
}
const sqlite = databaseTargets()[0]!;

describe.skipIf(missing !== undefined)('real pulls through the registry with skopeo', () => {
  let bff: RunningBff;
  let registry: RunningRegistry;
  let world: World;
  let image: string;
  const work = mkdtempSync(join(tmpdir(), 'berth-pull-'));
  const passwords: Record<string, string> = {};

  async function skopeo(args: string[]): Promise<{ ok: boolean; output: string }> {
    try {
      const { stdout, stderr } = await run('skopeo', ['--insecure-policy', ...args], { timeout: 60_000 });
      return { ok: true, output: stdout + stderr };
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string };
      return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
    }
  }

  const creds = (flag: 'src' | 'dest', username: string | undefined, password?: string) =>
    username === undefined
      ? [`--${flag}-no-creds`]
      : [`--${flag}-creds`, `${username}:${password ?? passwords[username]}`];

  function pull(repository: string, username?: string, password?: string) {
    const target = mkdtempSync(join(work, 'pulled-'));
    return skopeo([
      'copy',
      '--src-tls-verify=false',
      ...creds('src', username, password),
      `docker://${registry.host}/${repository}:v1`,
      `oci:${target}:v1`,
    ]);
  }

  function push(repository: string, username: string, password?: string) {
    return skopeo([
      'copy',
      '--dest-tls-verify=false',
      ...creds('dest', username, password),
      `oci:${image}:v1`,
      `docker://${registry.host}/${repository}:v1`,
    ]);
  }

  beforeAll(async () => {
    bff = await startBff(sqlite);
    const { startRegistry } = (await import(registrySupport)) as { startRegistry: StartRegistry };
    registry = await startRegistry({
      env: {
        REGISTRY_AUTH: 'token',
        REGISTRY_AUTH_TOKEN_REALM: `${bff.url}/jwt/auth`,
        REGISTRY_AUTH_TOKEN_SERVICE: 'container_registry',
        REGISTRY_AUTH_TOKEN_ISSUER: bff.config.tokenIssuer,
        REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE: join(bff.dataDir, 'bff', 'token-signing-key.pub.pem'),
      },
    });
    image = buildOciLayout('v1', 'hello from berth');
    world = await createUsers(bff, ['guest', 'outsider', 'reporter', 'developer', 'maintainer']);
    const { root, users } = world;
    passwords.root = ROOT_PASSWORD;
    for (const [name, user] of Object.entries(users)) passwords[name] = user.password;
    const group = await createRoleGroup(world, 'Pull', 'pull');
    // Push while every registry is enabled, then set each project's real access level.
    for (const visibility of VISIBILITIES) {
      for (const level of REGISTRY_LEVELS) {
        const project = await root.expect(201, 'POST', '/projects', {
          path: `${visibility}-${level}`,
          namespace_id: group.id,
          visibility,
        });
        const pushed = await push(`pull/${visibility}-${level}/app`, 'developer');
        expect(pushed.ok, pushed.output).toBe(true);
        await root.expect(200, 'PUT', `/projects/${project.id}`, { container_registry_access_level: level });
      }
    }
  }, 180_000);

  afterAll(async () => {
    await registry?.stop();
    await bff?.stop();
    rmSync(work, { recursive: true, force: true });
    if (image) rmSync(image, { recursive: true, force: true });
  });

  const cells = VISIBILITIES.flatMap((visibility) =>
    REGISTRY_LEVELS.flatMap((level) => ROLES.map((role) => ({ visibility, level, role }))),
  );
  it.each(cells)(
    '$visibility project, registry $level: $role pulls?',
    async ({ visibility, level, role }) => {
      const allowed = level !== 'disabled' && SEED_PULL[`${visibility}/${level}`]![role];
      const username = role === 'anonymous' ? undefined : role === 'admin' ? 'root' : role;
      const result = await pull(`pull/${visibility}-${level}/app`, username);
      expect(result.ok, result.output).toBe(allowed);
      // A refusal must come from the registry's authorization, not from anything else going wrong.
      if (!allowed) expect(result.output).toMatch(REFUSED);
    },
  );

  it('refuses a push with a read_registry token and accepts one with write_registry', async () => {
    const developer = world.users.developer!.api;
    const read = await developer.expect(201, 'POST', '/user/personal_access_tokens', {
      name: 'r',
      scopes: ['read_registry'],
    });
    const write = await developer.expect(201, 'POST', '/user/personal_access_tokens', {
      name: 'w',
      scopes: ['read_registry', 'write_registry'],
    });
    {
      const refused = await push('pull/private-enabled/by-token', 'developer', read.token);
      expect(refused.ok).toBe(false);
      expect(refused.output).toMatch(REFUSED);
    }
    expect((await pull('pull/private-enabled/app', 'developer', read.token)).ok).toBe(true);
    const pushed = await push('pull/private-enabled/by-token', 'developer', write.token);
    expect(pushed.ok, pushed.output).toBe(true);
  });

  it('lets a deploy token pull its project only, and a job token push to its own project only', async () => {
    const { root } = world;
    const own = await root.expect(200, 'GET', `/projects/${encodeURIComponent('pull/private-private')}`);
    const deploy = await root.expect(201, 'POST', `/projects/${own.id}/deploy_tokens`, {
      name: 'd',
      scopes: ['read_registry'],
    });
    expect((await pull('pull/private-private/app', deploy.username, deploy.token)).ok).toBe(true);
    {
      const refused = await pull('pull/private-enabled/app', deploy.username, deploy.token);
      expect(refused.ok).toBe(false);
      expect(refused.output).toMatch(REFUSED);
    }

    const job = await world.users.developer!.api.expect(201, 'POST', `/projects/${own.id}/job_tokens`, {});
    const pushedOwn = await push('pull/private-private/from-ci', 'gitlab-ci-token', job.token);
    expect(pushedOwn.ok, pushedOwn.output).toBe(true);
    {
      const refused = await push('pull/private-enabled/from-ci', 'gitlab-ci-token', job.token);
      expect(refused.ok).toBe(false);
      expect(refused.output).toMatch(REFUSED);
    }
    expect((await pull('pull/private-enabled/app', 'gitlab-ci-token', job.token)).ok).toBe(true);
  });
});

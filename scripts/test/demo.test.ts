import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningCommand, runCommand, stopAll, tempFolder } from './support/stack.js';

const folder = tempFolder('berth-demo-');
const pullFolder = mkdtempSync(join(tmpdir(), 'berth-demo-pull-'));
let env: Record<string, string>;
let bff: string;
let registryHost: string;
let stack: RunningCommand;

beforeAll(async () => {
  env = {
    BERTH_DATA_DIR: folder.dataDir,
    BFF_PORT: String(await freePort()),
    REGISTRY_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
  bff = `http://127.0.0.1:${env.BFF_PORT}`;
  registryHost = `127.0.0.1:${env.REGISTRY_PORT}`;
  stack = runCommand(process.execPath, ['scripts/start.mjs', '--demo'], env);
  await stack.waitFor(/berth: up/);
});

afterAll(() => {
  stopAll();
  folder.remove();
  rmSync(pullFolder, { recursive: true, force: true });
});

async function apiToken(username: string, password: string): Promise<string> {
  const response = await fetch(`${bff}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username, password }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function api(path: string, token?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${bff}/api/v4${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, body: await response.json() };
}

async function tagsOf(name: string, credentials?: string): Promise<string[]> {
  const scope = encodeURIComponent(`repository:${name}:pull`);
  const tokenResponse = await fetch(`${bff}/jwt/auth?service=container_registry&scope=${scope}`, {
    headers: credentials ? { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } : {},
  });
  const { token } = (await tokenResponse.json()) as { token: string };
  const response = await fetch(`http://${registryHost}/v2/${name}/tags/list`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 200) return [];
  return ((await response.json()) as { tags: string[] }).tags.sort();
}

describe('pnpm start --demo', () => {
  it('prints how to sign in, with the known passwords', () => {
    expect(stack.stdout()).toContain('alice / demo-password (Owner of the acme group)');
    expect(stack.stdout()).toContain('root / berth-demo-root (administrator)');
  });

  it('holds projects of each visibility, one with the registry for members only', async () => {
    const token = await apiToken('root', 'berth-demo-root');
    const { body } = await api('/groups/acme/projects?include_subgroups=true&per_page=100', token);
    const projects = (body as Array<Record<string, string>>).map((project) => [
      project.path_with_namespace,
      project.visibility,
      project.container_registry_access_level,
    ]);
    expect(projects.sort()).toEqual([
      ['acme/billing', 'private', 'enabled'],
      ['acme/handbook', 'public', 'private'],
      ['acme/platform/api', 'internal', 'enabled'],
      ['acme/website', 'public', 'enabled'],
    ]);
    // An anonymous visitor sees the public projects only.
    const anonymous = await api('/projects?per_page=100');
    expect(
      (anonymous.body as Array<{ path_with_namespace: string }>).map((p) => p.path_with_namespace).sort(),
    ).toEqual(['acme/handbook', 'acme/website']);
  });

  it('gives each demo user the role it prints', async () => {
    const token = await apiToken('alice', 'demo-password');
    const members = (await api('/groups/acme/members', token)).body as Array<{
      username: string;
      access_level: number;
    }>;
    expect(members.map((member) => [member.username, member.access_level]).sort()).toEqual([
      ['alice', 50],
      ['dave', 10],
      ['root', 50], // who creates a group owns it, as in GitLab
    ]);
    const platform = (await api('/groups/acme%2Fplatform/members', token)).body as Array<{
      username: string;
    }>;
    expect(platform.map((member) => member.username).sort()).toEqual(['bob', 'root']);
  });

  it('holds images with several tags, readable as the access rules say', async () => {
    expect(await tagsOf('acme/website')).toEqual(['1.0.0', '1.1.0', '2.0.0', 'latest']);
    expect(await tagsOf('acme/website/nginx')).toEqual(['1.27', 'stable']);
    expect(await tagsOf('acme/platform/api', 'bob:demo-password')).toEqual([
      'main',
      'v1.0',
      'v1.1',
      'v1.2',
      'v2.0-rc1',
    ]);
    // "Only project members": anonymous gets nothing, the reporter gets the tags.
    expect(await tagsOf('acme/handbook')).toEqual([]);
    expect(await tagsOf('acme/handbook', 'carol:demo-password')).toEqual(['draft', 'latest']);
  });

  const skopeo = spawnSync('skopeo', ['--version']).status === 0;
  it.skipIf(!skopeo)('serves a multi-arch image that skopeo pulls for each platform', () => {
    const index = JSON.parse(
      execFileSync(
        'skopeo',
        ['inspect', '--tls-verify=false', '--raw', `docker://${registryHost}/acme/website:latest`],
        {
          encoding: 'utf8',
        },
      ),
    ) as { mediaType: string; manifests: Array<{ platform: { architecture: string } }> };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((manifest) => manifest.platform.architecture)).toEqual(['amd64', 'arm64']);
    for (const arch of ['amd64', 'arm64']) {
      const target = join(pullFolder, arch);
      execFileSync('skopeo', [
        'copy',
        '--override-arch',
        arch,
        '--src-tls-verify=false',
        `docker://${registryHost}/acme/website:latest`,
        `dir:${target}`,
      ]);
      const manifest = JSON.parse(readFileSync(join(target, 'manifest.json'), 'utf8')) as {
        layers: Array<{ digest: string }>;
      };
      const layer = readFileSync(join(target, manifest.layers[0]!.digest.replace('sha256:', '')));
      expect(`sha256:${createHash('sha256').update(layer).digest('hex')}`).toBe(manifest.layers[0]!.digest);
      const motd = execFileSync('tar', ['-xzO', '-f', join(target, manifest.layers[0]!.digest.slice(7))], {
        encoding: 'utf8',
      });
      expect(motd).toBe(`website 2.0.0 (linux/${arch})\n`);
    }
  });

  it('adds nothing on a second start with BERTH_DEMO=1', async () => {
    const token = await apiToken('root', 'berth-demo-root');
    const before = (await api('/projects?per_page=100', token)).body as unknown[];
    const usersBefore = (await api('/users?per_page=100', token)).body as unknown[];
    stack.interrupt();
    expect(await stack.exited).toBe(0);

    const again = runCommand(process.execPath, ['scripts/start.mjs'], { ...env, BERTH_DEMO: '1' });
    await again.waitFor(/berth: up/);
    expect(again.stdout()).toContain('Berth demo (already loaded)');
    const rootToken = await apiToken('root', 'berth-demo-root');
    expect(((await api('/projects?per_page=100', rootToken)).body as unknown[]).length).toBe(before.length);
    expect(((await api('/users?per_page=100', rootToken)).body as unknown[]).length).toBe(usersBefore.length);
    expect(await tagsOf('acme/website')).toEqual(['1.0.0', '1.1.0', '2.0.0', 'latest']);
    again.interrupt();
    expect(await again.exited).toBe(0);
  });
});

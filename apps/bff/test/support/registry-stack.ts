import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DatabaseTarget } from '@berth/sql/testing';
import { type RunningBff, startBff } from './bff.js';
import { buildOciLayout } from './oci-layout.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const registrySupport = resolve(here, '../../../../packages/registry/test/support/registry-process.ts');
const freePortSupport = resolve(here, '../../../../packages/registry/test/support/free-port.ts');
const registryBin = resolve(here, '../../../../packages/registry/dist/berth-registry.mjs');

/** The shape of packages/registry/test/support/registry-process.ts (imported at run time: another package). */
interface RunningRegistry {
  url: string;
  host: string;
  stop(): Promise<void>;
}
type StartRegistry = (options: { env?: Record<string, string> }) => Promise<RunningRegistry>;

/** Why the BFF + registry stack cannot run here, or undefined when it can. */
export async function missingStackPrerequisite(): Promise<string | undefined> {
  if (!existsSync(registrySupport)) return `${registrySupport} (startRegistry) does not exist`;
  if (!existsSync(registryBin)) return `the built registry ${registryBin} does not exist (run pnpm build)`;
  try {
    await run('skopeo', ['--version']);
  } catch {
    return 'skopeo is not installed';
  }
  return undefined;
}

export interface RunningStack {
  bff: RunningBff;
  registry: RunningRegistry;
  stop(): Promise<void>;
}

/**
 * The real BFF (in-process) and the real registry process, each pointing at the other: the registry
 * trusts the BFF's signing key and sends clients to its token service; the BFF calls the registry's
 * extension API. The registry's port is chosen first, since the BFF's configuration names it.
 */
export async function startStack(
  target: DatabaseTarget,
  options: { clock?: () => Date; env?: Record<string, string> } = {},
): Promise<RunningStack> {
  const { freePort } = (await import(freePortSupport)) as { freePort: () => Promise<number> };
  const port = await freePort();
  const bff = await startBff(
    target,
    { REGISTRY_URL: `http://127.0.0.1:${port}`, BFF_CLEANUP_INTERVAL_SECONDS: '0', ...options.env },
    options.clock ? { clock: options.clock } : {},
  );
  const { startRegistry } = (await import(registrySupport)) as { startRegistry: StartRegistry };
  const registry = await startRegistry({
    env: {
      REGISTRY_PORT: String(port),
      REGISTRY_AUTH: 'token',
      REGISTRY_AUTH_TOKEN_REALM: `${bff.url}/jwt/auth`,
      REGISTRY_AUTH_TOKEN_SERVICE: 'container_registry',
      REGISTRY_AUTH_TOKEN_ISSUER: bff.config.tokenIssuer,
      REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE: join(bff.dataDir, 'bff', 'token-signing-key.pub.pem'),
    },
  }).catch(async (error: unknown) => {
    await bff.stop();
    throw error;
  });
  return {
    bff,
    registry,
    stop: async () => {
      await bff.stop();
      await registry.stop();
    },
  };
}

export interface Credentials {
  username: string;
  password: string;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** A registry client for tests that gets its tokens from the BFF's token service, as docker does. */
export class RegistryClient {
  constructor(
    private readonly stack: RunningStack,
    private readonly credentials: Credentials,
  ) {}

  private async token(repository: string, actions: string): Promise<string> {
    const url = new URL('/jwt/auth', this.stack.bff.url);
    url.searchParams.set('service', 'container_registry');
    url.searchParams.set('scope', `repository:${repository}:${actions}`);
    const basic = Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64');
    const response = await fetch(url, { headers: { authorization: `Basic ${basic}` } });
    if (!response.ok) throw new Error(`token service answered ${response.status}`);
    return ((await response.json()) as { token: string }).token;
  }

  /** Pushes a one-layer image as `<repository>:<tag>` with skopeo. */
  async pushImage(repository: string, tag: string, content = `image of ${repository}`): Promise<void> {
    const layout = buildOciLayout(tag, content);
    try {
      await run(
        'skopeo',
        [
          '--insecure-policy',
          'copy',
          '--dest-tls-verify=false',
          '--dest-creds',
          `${this.credentials.username}:${this.credentials.password}`,
          `oci:${layout}:${tag}`,
          `docker://${this.stack.registry.host}/${repository}:${tag}`,
        ],
        { timeout: 60_000 },
      );
    } finally {
      rmSync(layout, { recursive: true, force: true });
    }
  }

  /** Points each of `tags` at the manifest of `from`, one tag after the other (so published times rise). */
  async addTags(repository: string, from: string, tags: readonly string[]): Promise<void> {
    const token = await this.token(repository, 'pull,push');
    const headers = { authorization: `Bearer ${token}` };
    const base = `${this.stack.registry.url}/v2/${repository}/manifests`;
    const source = await fetch(`${base}/${from}`, { headers: { ...headers, accept: OCI_MANIFEST } });
    if (!source.ok) throw new Error(`manifest ${repository}:${from}: ${source.status}`);
    const manifest = Buffer.from(await source.arrayBuffer());
    for (const tag of tags) {
      const put = await fetch(`${base}/${tag}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': OCI_MANIFEST },
        body: manifest,
      });
      if (put.status !== 201) throw new Error(`tag ${repository}:${tag}: ${put.status} ${await put.text()}`);
    }
  }

  /** Every tag of a repository, through `/v2/<name>/tags/list` and its `Link` pages; sorted. */
  async tags(repository: string): Promise<string[]> {
    const token = await this.token(repository, 'pull');
    const names: string[] = [];
    let next: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    while (next) {
      const response = await fetch(new URL(next, this.stack.registry.url), {
        headers: { authorization: `Bearer ${token}` },
      });
      if (response.status === 404) return [];
      if (!response.ok) throw new Error(`tags of ${repository}: ${response.status}`);
      names.push(...(((await response.json()) as { tags: string[] | null }).tags ?? []));
      next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    return names.sort();
  }
}

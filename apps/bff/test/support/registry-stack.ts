import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatabaseTarget } from '@berth/sql/testing';
import { type RunningBff, startBff } from './bff.js';
import { buildOciLayout } from './oci-layout.js';
import { type RunningRegistry, skopeoPush, startTokenRegistry, tagManifest } from './registry.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const freePortSupport = resolve(here, '../../../../packages/registry/test/support/free-port.ts');

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
  const registry = await startTokenRegistry({
    bffDataDir: bff.dataDir,
    issuer: bff.config.tokenIssuer,
    realm: `${bff.url}/jwt/auth`,
    env: { REGISTRY_PORT: String(port) },
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

/** A user of the registry in tests, with tokens from the BFF's token service as docker gets them. */
export class RegistryUser {
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
      await skopeoPush(this.stack.registry.host, layout, tag, repository, tag, this.credentials);
    } finally {
      rmSync(layout, { recursive: true, force: true });
    }
  }

  /** Points each of `tags` at the manifest of `from`, one tag after the other (so published times rise). */
  async addTags(repository: string, from: string, tags: readonly string[]): Promise<void> {
    const token = await this.token(repository, 'pull,push');
    await tagManifest(this.stack.registry.url, token, repository, from, [...tags]);
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

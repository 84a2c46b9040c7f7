import { rmSync } from 'node:fs';
import type { DatabaseTarget } from '@berth/sql/testing';
import { buildOciLayout } from './oci-layout.js';
import { skopeoPush, startBffWithRegistry, tagManifest } from './registry.js';

export type RunningStack = Awaited<ReturnType<typeof startBffWithRegistry>>;

/** The real BFF and registry (see `startBffWithRegistry`), with the cleanup scheduler's timer off and `clock`. */
export function startStack(
  target: DatabaseTarget,
  options: { clock?: () => Date } = {},
): Promise<RunningStack> {
  return startBffWithRegistry(target, { BFF_CLEANUP_INTERVAL_SECONDS: '0' }, options);
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

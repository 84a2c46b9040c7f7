// The BFF's registry client against the real registry process with token auth: scopes, parsing,
// paging and the mapping of registry failures to typed errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, RegistryRenameError } from '../src/errors.js';
import { RegistryClient } from '../src/registry/registry-client.js';
import { loadOrCreateSigningKey, type SigningKey } from '../src/token-service/keys.js';
import { buildMultiArchLayout, buildOciLayout } from './support/oci-layout.js';
import {
  pushToken,
  type RunningRegistry,
  registryPrerequisiteOrSkip,
  skopeoPush,
  startTokenRegistry,
  tagManifest,
} from './support/registry.js';

const missing = await registryPrerequisiteOrSkip('registry client tests');
const ISSUER = 'berth-token-service';

/** A loopback pass-through that records each request's method, path and the access its token carries. */
async function recordingProxy(target: string) {
  const seen: { method: string; path: string; access: unknown }[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((incoming, outgoing) => {
    const token = /^Bearer (.+)$/.exec(incoming.headers.authorization ?? '')?.[1] ?? '';
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString() || '{}');
    seen.push({ method: incoming.method ?? '', path: incoming.url ?? '', access: payload.access });
    const forward = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    seen,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe.skipIf(missing !== undefined)('registry client against the real registry', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-client-'));
  let signingKey: SigningKey;
  let registry: RunningRegistry;
  let client: RegistryClient;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  const layouts: string[] = [];

  const push = async (layout: string, repository: string, tag: string) =>
    skopeoPush(registry.host, layout, 'v1', repository, tag, {
      token: pushToken(signingKey, ISSUER, repository),
    });

  beforeAll(async () => {
    signingKey = loadOrCreateSigningKey(join(dataDir, 'bff'));
    registry = await startTokenRegistry({
      bffDataDir: dataDir,
      issuer: ISSUER,
      realm: 'http://127.0.0.1:1/jwt/auth',
    });
    proxy = await recordingProxy(registry.url);
    client = new RegistryClient({ baseUrl: proxy.url, signingKey, issuer: ISSUER });
    const image = buildOciLayout('v1', 'one', {
      env: ['PATH=/usr/bin', 'SECRET_TOKEN=hunter2'],
      labels: { team: 'shop' },
      entrypoint: ['/app'],
      cmd: ['serve'],
      exposedPorts: ['8080/tcp'],
      history: [{ created_by: 'COPY app /app' }, { created_by: 'ENV x=1', empty_layer: true }],
    });
    const multi = buildMultiArchLayout('v1', [
      { os: 'linux', architecture: 'amd64', content: 'amd' },
      { os: 'linux', architecture: 'arm64', variant: 'v8', content: 'arm' },
    ]);
    layouts.push(image, multi);
    await push(image, 'acme/shop', 'v1');
    await push(image, 'acme/shop/api', 'v1');
    await push(multi, 'acme/shop/api', 'multi');
    await push(image, 'acme/other', 'v1');
    await push(image, 'moves/app', 'v1');
    await push(image, 'moves/app/sub', 'v1');
    await push(image, 'taken/app', 'v1');
    await tagManifest(registry.url, pushToken(signingKey, ISSUER, 'acme/shop'), 'acme/shop', 'v1', [
      'v2',
      'v3',
      'v4',
    ]);
  }, 120_000);

  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    for (const layout of layouts) rmSync(layout, { recursive: true, force: true });
  });

  it('lists repositories under a prefix with a total, with a wildcard pull token for that prefix only', async () => {
    proxy.seen.length = 0;
    const page = await client.listRepositories('acme', {
      n: 2,
      offset: 1,
      sort: { field: 'name', direction: 'asc' },
    });
    expect(page.total).toBe(3);
    expect(page.items.map((r) => r.path)).toEqual(['acme/shop', 'acme/shop/api']);
    expect(page.items[0]).toMatchObject({ name: 'shop', tags_count: 4 });
    expect(proxy.seen).toEqual([
      expect.objectContaining({
        method: 'GET',
        access: [{ type: 'repository', name: 'acme/*', actions: ['pull'] }],
      }),
    ]);
    const scoped = await client.listRepositoriesInScope('acme', { include: ['acme/shop'] }, { n: 10 });
    expect(scoped.items.map((r) => r.path)).toEqual(['acme/shop', 'acme/shop/api']);
    expect(scoped.total).toBe(2);
    expect((await client.listRepositoriesUnder('acme')).map((r) => r.path).sort()).toEqual([
      'acme/other',
      'acme/shop',
      'acme/shop/api',
    ]);
    expect(await client.listRepositoriesUnder('nobody')).toEqual([]);
  });

  it('reads one repository by path with a pull token for it, and by id with the admin scope', async () => {
    proxy.seen.length = 0;
    const repository = await client.getRepository('acme/shop/api');
    expect(repository).toMatchObject({ path: 'acme/shop/api', tags_count: 2 });
    expect(await client.getRepositoryById(repository!.id)).toEqual(repository);
    expect(proxy.seen.map((s) => s.access)).toEqual([
      [{ type: 'repository', name: 'acme/shop/api', actions: ['pull'] }],
      [{ type: 'registry', name: 'berth', actions: ['*'] }],
    ]);
    expect(await client.getRepository('acme/none')).toBeUndefined();
    expect(await client.getRepositoryById(987654)).toBeUndefined();
  });

  it('pages tags by offset and by marker, sorted by published time, with totals', async () => {
    const newest = await client.listTags('acme/shop', {
      n: 2,
      sort: { field: 'published_at', direction: 'desc' },
    });
    expect(newest?.items.map((t) => t.name)).toEqual(['v4', 'v3']);
    expect(newest?.total).toBe(4);
    expect(newest?.next).toBeDefined();
    const following = await client.listTags('acme/shop', {
      n: 2,
      sort: { field: 'published_at', direction: 'desc' },
      last: newest!.next!,
    });
    expect(following?.items.map((t) => t.name)).toEqual(['v2', 'v1']);
    expect(following?.next).toBeUndefined();
    expect(following?.previous).toBeDefined();
    const byOffset = await client.listTags('acme/shop', { n: 3, offset: 3 });
    expect(byOffset?.items.map((t) => t.name)).toEqual(['v4']);
    expect((await client.listTags('acme/shop', { n: 10, filter: 'v1' }))?.total).toBe(1);
    expect(await client.listTags('acme/none', { n: 10 })).toBeUndefined();
    expect((await client.listAllTags('acme/shop')).map((t) => t.name)).toEqual(['v1', 'v2', 'v3', 'v4']);
  });

  it('reads a tag of a multi-architecture image with its platforms', async () => {
    const tag = await client.getTag('acme/shop/api', 'multi');
    expect(tag?.media_type).toBe('application/vnd.oci.image.index.v1+json');
    expect(tag?.references?.map((r) => r.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    expect(await client.getTag('acme/shop/api', 'nope')).toBeUndefined();
  });

  it('reads manifests and image configurations through /v2/', async () => {
    const manifest = await client.getManifest('acme/shop', 'v1');
    expect(manifest?.digest).toMatch(/^sha256:/);
    const read = RegistryClient.readManifest(manifest!);
    expect(read.kind).toBe('image');
    if (read.kind !== 'image') return;
    const config = await client.getImageConfig('acme/shop', read.image.config.digest);
    expect(config?.config?.Env).toEqual(['PATH=/usr/bin', 'SECRET_TOKEN=hunter2']);
    expect(config?.history?.map((h) => h.created_by)).toEqual(['COPY app /app', 'ENV x=1']);
    const index = RegistryClient.readManifest((await client.getManifest('acme/shop/api', 'multi'))!);
    expect(index.kind === 'index' && index.index.manifests.length).toBe(2);
    expect(await client.getManifest('acme/shop', 'nope')).toBeUndefined();
  });

  it('deletes tags, and repositories, with the admin scope; a second delete finds nothing', async () => {
    proxy.seen.length = 0;
    expect(await client.deleteTags('acme/shop', ['v3', 'v9'])).toEqual({
      deleted: ['v3'],
      not_found: ['v9'],
    });
    expect(proxy.seen[0]?.access).toEqual([{ type: 'registry', name: 'berth', actions: ['*'] }]);
    expect(await client.deleteTags('acme/ghost', ['v1'])).toEqual({ deleted: [], not_found: ['v1'] });
    expect(await client.deleteRepository('acme/other')).toBe(true);
    expect(await client.deleteRepository('acme/other')).toBe(false);
    expect(await client.getRepository('acme/other')).toBeUndefined();
  });

  it('renames a path and everything below it, checking first with a dry run', async () => {
    const plan = await client.renameRepositories('moves', 'moved', { dryRun: true });
    expect(plan.repositories).toEqual([
      { from: 'moves/app', to: 'moved/app' },
      { from: 'moves/app/sub', to: 'moved/app/sub' },
    ]);
    expect(await client.getRepository('moves/app')).toBeDefined();
    const error = await client.renameRepositories('moves/app', 'taken/app', { dryRun: true }).catch((e) => e);
    expect(error).toBeInstanceOf(RegistryRenameError);
    expect(error).toMatchObject({ reason: 'taken', names: ['taken/app'], kind: 'conflict' });
    const invalid = await client
      .renameRepositories('moves/app', `x/${'a'.repeat(250)}`, { dryRun: true })
      .catch((e) => e);
    expect(invalid).toMatchObject({ reason: 'invalid', kind: 'bad_request' });
    expect((await client.renameRepositories('nothing/here', 'else', { dryRun: false })).repositories).toEqual(
      [],
    );
    await client.renameRepositories('moves', 'moved', { dryRun: false });
    expect(await client.getRepository('moves/app')).toBeUndefined();
    expect((await client.getRepository('moved/app/sub'))?.tags_count).toBe(1);
  });

  it('answers 503 when the registry is unreachable or refuses the BFF key', async () => {
    const closed = new RegistryClient({ baseUrl: new URL('http://127.0.0.1:1'), signingKey, issuer: ISSUER });
    const down = await closed.getRepository('acme/shop').catch((e) => e);
    expect(down).toBeInstanceOf(AppError);
    expect(down).toMatchObject({ kind: 'service_unavailable', message: 'container registry is unreachable' });
    const otherKey = loadOrCreateSigningKey(join(dataDir, 'other'));
    const stranger = new RegistryClient({
      baseUrl: new URL(registry.url),
      signingKey: otherKey,
      issuer: ISSUER,
    });
    expect(await stranger.getRepository('acme/shop').catch((e) => e)).toMatchObject({
      kind: 'service_unavailable',
      message: 'container registry refused the BFF credentials',
    });
  });
});

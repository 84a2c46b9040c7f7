import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFastGcRegistry } from '../support/fast-gc-registry.js';
import { type OciClient, sha256 } from '../support/oci-client.js';
import { REGISTRY_BIN, type RunningRegistry } from '../support/registry-process.js';

let registry: RunningRegistry;
let client: OciClient;
let blobFile: (digest: string) => string;
let waitForCollection: () => Promise<void>;

beforeAll(async () => {
  ({ registry, client, blobFile, waitForCollection } = await startFastGcRegistry());
});
afterAll(() => registry?.stop());

async function repositorySize(): Promise<number> {
  const response = await client.fetch('/berth/v1/repositories/gc/process/');
  expect(response.status).toBe(200);
  return ((await response.json()) as { size_bytes: number }).size_bytes;
}

/** `berth-registry gc --dry-run` against the running registry's data folder. */
function dryRun(): { manifests: { digest: string }[]; blobs: { digest: string }[]; bytes: number } {
  const result = spawnSync(process.execPath, [REGISTRY_BIN, 'gc', '--dry-run'], {
    env: {
      PATH: process.env.PATH,
      BERTH_DATA_DIR: registry.dataDir,
      REGISTRY_AUTH: 'none',
      LOG_LEVEL: 'warn',
    },
    encoding: 'utf8',
    timeout: 10_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe('online garbage collection in the running registry', () => {
  it('frees the bytes of a deleted image and keeps a re-pushed one', async () => {
    const gone = await client.pushImage('gc/process', 'gone', { layers: 2 });
    const kept = await client.pushImage('gc/process', 'kept');
    const goneBlobs = [sha256(gone.config), ...gone.layers.map((layer) => sha256(layer))];
    for (const digest of goneBlobs) expect(existsSync(blobFile(digest))).toBe(true);

    const sizeBefore = await repositorySize();
    expect((await client.fetch('/v2/gc/process/manifests/gone', { method: 'DELETE' })).status).toBe(202);
    expect((await client.fetch('/v2/gc/process/manifests/kept', { method: 'DELETE' })).status).toBe(202);
    // Pushed again within the delay: referenced again, so nothing of it may go.
    await client.pushManifest('gc/process', 'kept', kept.body, kept.mediaType);

    // The operator's view before collection: what would go, without changing anything.
    const plan = dryRun();
    expect(plan.manifests.map((m) => m.digest)).toEqual([gone.digest]);
    expect(plan.blobs.map((b) => b.digest).sort()).toEqual([...goneBlobs].sort());
    expect(plan.bytes).toBe(gone.config.length + gone.layers.reduce((sum, layer) => sum + layer.length, 0));

    await waitForCollection();
    expect(await repositorySize()).toBe(sizeBefore - plan.bytes);
    expect(dryRun().blobs).toEqual([]);
    for (const digest of goneBlobs) expect(existsSync(blobFile(digest)), digest).toBe(false);
    expect((await client.fetch(`/v2/gc/process/manifests/${gone.digest}`, { method: 'HEAD' })).status).toBe(
      404,
    );
    const layer = await client.fetch(`/v2/gc/process/blobs/${sha256(kept.layers[0]!)}`);
    expect(Buffer.from(await layer.arrayBuffer()).equals(kept.layers[0]!)).toBe(true);
    expect((await client.fetch('/v2/gc/process/manifests/kept', { method: 'HEAD' })).status).toBe(200);
  });
});

// Extension deletes feed online garbage collection like the distribution API's deletes do:
// the real process with a one-second review delay.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFastGcRegistry } from '../support/fast-gc-registry.js';
import { type OciClient, sha256 } from '../support/oci-client.js';
import type { RunningRegistry } from '../support/registry-process.js';

let registry: RunningRegistry;
let client: OciClient;
let blobFile: (digest: string) => string;
let waitForCollection: () => Promise<void>;

beforeAll(async () => {
  ({ registry, client, blobFile, waitForCollection } = await startFastGcRegistry());
});
afterAll(() => registry?.stop());

describe('extension deletes and garbage collection', () => {
  it('frees the bytes of bulk-deleted tags, keeping what another tag still references', async () => {
    const gone = await client.pushImage('gcx/tags', 'gone', { layers: 2 });
    const kept = await client.pushImage('gcx/tags', 'kept');
    const response = await client.fetch('/berth/v1/repositories/gcx/tags/tags/', {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ names: ['gone'] }),
    });
    expect(await response.json()).toEqual({ deleted: ['gone'], not_found: [] });
    await waitForCollection();
    for (const blob of [gone.config, ...gone.layers]) expect(existsSync(blobFile(sha256(blob)))).toBe(false);
    for (const blob of [kept.config, ...kept.layers]) expect(existsSync(blobFile(sha256(blob)))).toBe(true);
  });

  it('frees the bytes of a deleted repository but not a blob another repository shares', async () => {
    const gone = await client.pushImage('gcx/repo', 'latest', { layers: 2 });
    // `other` mounts one layer of `gone` and references it from its own image.
    const shared = gone.layers[0]!;
    const mount = await client.fetch(`/v2/gcx/other/blobs/uploads/?mount=${sha256(shared)}&from=gcx/repo`, {
      method: 'POST',
    });
    expect(mount.status).toBe(201);
    const other = await client.pushImage('gcx/other', 'latest');
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(other.config),
        size: other.config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: sha256(shared),
          size: shared.length,
        },
      ],
    };
    await client.pushManifest('gcx/other', 'shared', manifest);
    // An upload left half-way in the repository goes with it, file included.
    const location = await client.startUpload('gcx/repo');
    const uploadFile = join(registry.dataDir, 'registry/storage/uploads', location.split('/').pop()!);
    expect(existsSync(uploadFile)).toBe(true);

    expect((await client.fetch('/berth/v1/repositories/gcx/repo/', { method: 'DELETE' })).status).toBe(204);
    expect(existsSync(uploadFile)).toBe(false);
    expect((await client.fetch(location)).status).toBe(404);
    await waitForCollection();
    for (const blob of [gone.config, gone.layers[1]!]) expect(existsSync(blobFile(sha256(blob)))).toBe(false);
    expect(existsSync(blobFile(sha256(shared)))).toBe(true);
    const pulled = await client.fetch(`/v2/gcx/other/blobs/${sha256(shared)}`);
    expect(Buffer.from(await pulled.arrayBuffer()).equals(shared)).toBe(true);
  });
});

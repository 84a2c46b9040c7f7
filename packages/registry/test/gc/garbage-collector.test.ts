import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { SqlDatabase } from '@berth/sql';
import { databaseTargets } from '@berth/sql/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryError } from '../../src/core/errors.js';
import { KeyedMutex } from '../../src/core/keyed-mutex.js';
import { Registry } from '../../src/core/registry.js';
import { gcDryRun } from '../../src/gc/dry-run.js';
import { GarbageCollector } from '../../src/gc/garbage-collector.js';
import { MetadataStore } from '../../src/meta/metadata-store.js';
import type { RegistryDatabase } from '../../src/meta/schema.js';
import { FilesystemDriver } from '../../src/storage/filesystem-driver.js';
import { descriptorOf, imageManifest, MediaType } from '../support/oci-client.js';
import { openTestRegistryDatabase } from '../support/registry-database.js';

const DELAY = 60_000;
const tmp = mkdtempSync(join(tmpdir(), 'berth-gc-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe.each(databaseTargets())('online garbage collection on $dialect', (target) => {
  let database: SqlDatabase<RegistryDatabase>;
  let dispose: () => Promise<void>;
  let storageRoot: string;
  let now: number;
  let registry: Registry;
  let collector: GarbageCollector;

  beforeAll(async () => {
    ({ database, dispose } = await openTestRegistryDatabase(target, tmp));
    storageRoot = join(tmp, `${target.dialect}-storage`);
    now = 1_000_000;
    const clock = () => now;
    const storage = new FilesystemDriver(storageRoot);
    const digestLocks = new KeyedMutex();
    registry = new Registry({
      meta: new MetadataStore(database, { reviewDelayMs: DELAY }),
      storage,
      digestLocks,
      clock,
    });
    collector = new GarbageCollector({
      db: database.db,
      dialect: database.dialect,
      storage,
      digestLocks,
      logger: pino({ level: 'silent' }),
      reviewDelayMs: DELAY,
      uploadPurgeAgeMs: 10 * DELAY,
      clock,
    });
  });
  afterAll(async () => {
    await dispose?.();
  });
  beforeEach(() => {
    now += 100 * DELAY;
  });

  const blobFile = (digest: string) => join(storageRoot, 'blobs/sha256', digest.slice(7, 9), digest.slice(7));

  async function pushBlob(repository: string, bytes: Buffer): Promise<string> {
    return registry.putBlob(repository, sha256(bytes), Readable.from([bytes]));
  }

  /** An image with its own config and one layer; returns every digest. */
  async function pushImage(repository: string, tag: string | undefined, layer = randomBytes(2048)) {
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }),
    );
    const configDigest = await pushBlob(repository, config);
    const layerDigest = await pushBlob(repository, layer);
    const manifest = imageManifestBytes(config, layer);
    const { digest } = await registry.putManifest(repository, tag ?? sha256(manifest), undefined, manifest);
    return { manifestDigest: digest, configDigest, layerDigest, manifest };
  }

  async function blobBytes(repository: string, digest: string): Promise<Buffer> {
    const sink = new PassThrough();
    const collected = buffer(sink);
    await registry.sendBlob(repository, digest, sink);
    sink.end();
    return collected;
  }

  /** An OCI image manifest over one config and one layer, as pushed bytes. */
  function imageManifestBytes(config: Buffer, layer: Buffer): Buffer {
    const manifest = imageManifest({
      config: descriptorOf(MediaType.ociConfig, config),
      layers: [descriptorOf(MediaType.ociLayer, layer)],
    });
    return Buffer.from(JSON.stringify(manifest));
  }

  /** Passes until nothing more is due, advancing the clock past each review delay. */
  async function collectEverythingDue() {
    const total = { manifestsDeleted: 0, blobsDeleted: 0, bytesFreed: 0 };
    for (let round = 0; round < 4; round += 1) {
      now += DELAY + 1;
      const result = await collector.runOnce();
      total.manifestsDeleted += result.manifestsDeleted;
      total.blobsDeleted += result.blobsDeleted;
      total.bytesFreed += result.bytesFreed;
    }
    return total;
  }

  it('keeps content that is re-pushed within the delay after its tag was deleted', async () => {
    const layer = randomBytes(4096);
    const image = await pushImage('gc/repush', 'v1', layer);
    await registry.deleteManifest('gc/repush', 'v1');
    now += DELAY / 2;
    await registry.putManifest('gc/repush', 'v1', undefined, image.manifest);
    now += DELAY / 2 + 1;
    await collector.runOnce();
    await collectEverythingDue();
    expect((await registry.getManifest('gc/repush', 'v1')).digest).toBe(image.manifestDigest);
    expect(await blobBytes('gc/repush', image.layerDigest)).toEqual(layer);
  });

  it('deletes everything unreferenced once the delay has passed, bytes included', async () => {
    const image = await pushImage('gc/all', 'v1');
    const other = await pushImage('gc/all', 'v2');
    expect(existsSync(blobFile(image.layerDigest))).toBe(true);
    const before = await gcDryRun(database.db, now);
    expect(before.blobs.map((b) => b.digest)).not.toContain(image.layerDigest);

    await registry.deleteManifest('gc/all', 'v1');
    await registry.deleteManifest('gc/all', other.manifestDigest);
    const planned = await gcDryRun(database.db, now);
    expect(planned.manifests.map((m) => m.digest)).toContain(image.manifestDigest);
    expect(planned.blobs.map((b) => b.digest)).toEqual(
      expect.arrayContaining([image.layerDigest, image.configDigest, other.layerDigest]),
    );
    // Nothing is due yet: the delay protects content for a while.
    expect((await collector.runOnce()).blobsDeleted).toBe(0);
    expect(existsSync(blobFile(image.layerDigest))).toBe(true);

    const result = await collectEverythingDue();
    expect(result.manifestsDeleted).toBe(1);
    expect(result.blobsDeleted).toBe(4);
    const freedDigests = [image.layerDigest, image.configDigest, other.layerDigest, other.configDigest];
    const expectedBytes = planned.blobs
      .filter((b) => freedDigests.includes(b.digest))
      .reduce((s, b) => s + b.size, 0);
    expect(result.bytesFreed).toBe(expectedBytes);
    for (const digest of [image.layerDigest, image.configDigest, other.layerDigest, other.configDigest]) {
      expect(existsSync(blobFile(digest)), digest).toBe(false);
      await expect(registry.statBlob('gc/all', digest)).rejects.toBeInstanceOf(RegistryError);
    }
    const after = await gcDryRun(database.db, now);
    expect(after.blobs.map((b) => b.digest)).not.toContain(image.layerDigest);
  });

  it('keeps a blob shared with another repository while that one still uses it', async () => {
    const layer = randomBytes(1024);
    await pushImage('gc/shared-a', 'v1', layer);
    const b = await pushImage('gc/shared-b', 'v1', layer);
    await registry.deleteManifest('gc/shared-a', 'v1');
    await collectEverythingDue();
    expect(await blobBytes('gc/shared-b', b.layerDigest)).toEqual(layer);
    expect(existsSync(blobFile(b.layerDigest))).toBe(true);
  });

  it("keeps an index's children while the index is tagged, and removes them after it goes", async () => {
    const amd = await pushImage('gc/index', undefined);
    const arm = await pushImage('gc/index', undefined);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: amd.manifestDigest,
            size: amd.manifest.length,
            platform: { os: 'linux', architecture: 'amd64' },
          },
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: arm.manifestDigest,
            size: arm.manifest.length,
            platform: { os: 'linux', architecture: 'arm64' },
          },
        ],
      }),
    );
    await registry.putManifest('gc/index', 'multi', undefined, index);
    await collectEverythingDue();
    expect((await registry.getManifest('gc/index', amd.manifestDigest)).digest).toBe(amd.manifestDigest);
    expect(existsSync(blobFile(arm.layerDigest))).toBe(true);

    await registry.deleteManifest('gc/index', 'multi');
    const result = await collectEverythingDue();
    expect(result.manifestsDeleted).toBe(3);
    await expect(registry.getManifest('gc/index', amd.manifestDigest)).rejects.toBeInstanceOf(RegistryError);
    expect(existsSync(blobFile(arm.layerDigest))).toBe(false);
  });

  it('loses nothing a push was told succeeded when the push races a collection pass', async () => {
    for (let round = 0; round < 8; round += 1) {
      // Blobs whose reviews are due right now, as if a client uploaded them long ago.
      const config = Buffer.from(JSON.stringify({ round, nonce: randomBytes(8).toString('hex') }));
      const layer = randomBytes(1500);
      const configDigest = await pushBlob('gc/race', config);
      const layerDigest = await pushBlob('gc/race', layer);
      now += DELAY + 1;
      const manifest = imageManifestBytes(config, layer);
      const [push] = await Promise.allSettled([
        registry.putManifest('gc/race', `r${round}`, undefined, manifest),
        collector.runOnce(),
      ]);
      if (push.status === 'fulfilled') {
        // Acknowledged: every byte must still be there, now and after later passes.
        await collectEverythingDue();
        expect(await blobBytes('gc/race', layerDigest)).toEqual(layer);
        expect(await blobBytes('gc/race', configDigest)).toEqual(config);
      } else {
        // Refused with a clear code, so the client uploads the blobs again.
        expect((push.reason as RegistryError).code).toBe('MANIFEST_BLOB_UNKNOWN');
      }
    }
  });

  it('purges uploads abandoned for longer than the purge age', async () => {
    const upload = await registry.startUpload('gc/uploads');
    await registry.appendUpload('gc/uploads', upload.id, Readable.from([randomBytes(100)]));
    expect(existsSync(join(storageRoot, 'uploads', upload.id))).toBe(true);
    now += 5 * DELAY;
    expect((await collector.runOnce()).uploadsPurged).toBe(0);
    now += 6 * DELAY;
    expect((await collector.runOnce()).uploadsPurged).toBe(1);
    expect(existsSync(join(storageRoot, 'uploads', upload.id))).toBe(false);
    await expect(registry.getUpload('gc/uploads', upload.id)).rejects.toBeInstanceOf(RegistryError);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadPg, migrateToLatest, openDatabase, type SqlDatabase } from '@berth/sql';
import { createPostgresDatabase } from '@berth/sql/testing';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseLocks } from '../../src/core/database-locks.js';
import { Registry } from '../../src/core/registry.js';
import { GarbageCollector } from '../../src/gc/garbage-collector.js';
import { MetadataStore } from '../../src/meta/metadata-store.js';
import { registryMigrations } from '../../src/meta/migrations.js';
import type { RegistryDatabase } from '../../src/meta/schema.js';
import { FilesystemDriver } from '../../src/storage/filesystem-driver.js';
import {
  descriptorOf,
  imageManifest,
  MediaType,
  OciClient,
  randomName,
  sha256,
} from '../support/oci-client.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';

const adminUrl = process.env.BERTH_TEST_POSTGRES_URL;
if (!adminUrl)
  console.warn('\n*** SKIPPED: registry replicas on one PostgreSQL — set BERTH_TEST_POSTGRES_URL ***\n');

describe.skipIf(!adminUrl)('two registry processes on one PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  let a: RunningRegistry;
  let b: RunningRegistry;
  let clientA: OciClient;
  let clientB: OciClient;

  beforeAll(async () => {
    database = await createPostgresDatabase(adminUrl!);
    // One blob store (an S3-protocol server, as in a deployment) and one metadata database.
    const env = { REGISTRY_DATABASE_URL: database.url, GC_ENABLED: 'false' };
    a = await startRegistry({ env, storage: 's3' });
    b = await startRegistry({ env: { ...env, ...a.s3!.registryEnv }, storage: 'filesystem' });
    clientA = new OciClient(a.url);
    clientB = new OciClient(b.url);
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  it('completes on one replica an upload started on the other', async () => {
    const repo = randomName('replicas/upload');
    const data = randomBytes(300_000);
    let location = await clientA.startUpload(repo);
    const first = await clientA.patchChunk(location, data.subarray(0, 100_000), 0);
    expect(first.status).toBe(202);
    location = first.headers.get('location') ?? location;
    const second = await clientB.patchChunk(location, data.subarray(100_000, 200_000), 100_000);
    expect(second.status).toBe(202);
    expect(second.headers.get('range')).toBe('0-199999');
    location = second.headers.get('location') ?? location;
    const third = await clientA.patchChunk(location, data.subarray(200_000), 200_000);
    expect(third.status).toBe(202);
    const closed = await clientB.putUpload(third.headers.get('location') ?? location, sha256(data));
    expect(closed.status).toBe(201);
    for (const client of [clientA, clientB]) {
      const pulled = await client.fetch(`/v2/${repo}/blobs/${sha256(data)}`);
      expect(Buffer.from(await pulled.arrayBuffer())).toEqual(data);
    }
  });

  it('loses nothing when both replicas push the same blobs and tags at once', async () => {
    const repo = randomName('replicas/race');
    const rounds = Array.from({ length: 8 }, (_, round) => {
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', round }));
      const layers = [randomBytes(50_000), randomBytes(20_000)];
      const manifest = imageManifest({
        config: descriptorOf(MediaType.ociConfig, config),
        layers: layers.map((layer) => descriptorOf(MediaType.ociLayer, layer)),
      });
      return { config, layers, manifest, tag: `t${round % 3}` };
    });
    // Every round is pushed by both replicas concurrently; tags are shared between rounds.
    await Promise.all(
      rounds.flatMap((round) =>
        [clientA, clientB].map(async (client) => {
          await Promise.all([round.config, ...round.layers].map((blob) => client.pushBlob(repo, blob)));
          await client.pushManifest(repo, undefined, round.manifest);
          await client.pushManifest(repo, round.tag, round.manifest);
        }),
      ),
    );
    for (const round of rounds) {
      const digest = sha256(Buffer.from(JSON.stringify(round.manifest)));
      for (const client of [clientA, clientB]) {
        expect((await client.fetch(`/v2/${repo}/manifests/${digest}`, { method: 'HEAD' })).status).toBe(200);
        for (const blob of [round.config, ...round.layers]) {
          const pulled = await client.fetch(`/v2/${repo}/blobs/${sha256(blob)}`);
          expect(Buffer.from(await pulled.arrayBuffer())).toEqual(blob);
        }
      }
    }
    const { tags } = await clientB.listTags(repo);
    expect(tags).toEqual(['t0', 't1', 't2']);
  });
});

describe.skipIf(!adminUrl)('garbage collection by two replicas on one PostgreSQL', () => {
  const DELAY = 60_000;
  let database: { url: string; drop(): Promise<void> };
  let storageRoot: string;
  const replicas: {
    database: SqlDatabase<RegistryDatabase>;
    locks: DatabaseLocks;
    registry: Registry;
    collector: GarbageCollector;
  }[] = [];
  let now = 1_000_000;

  beforeAll(async () => {
    database = await createPostgresDatabase(adminUrl!);
    storageRoot = mkdtempSync(join(tmpdir(), 'berth-replicas-gc-'));
    for (let i = 0; i < 2; i += 1) {
      const db = openDatabase<RegistryDatabase>({ url: database.url, sqlitePath: ':memory:' });
      await migrateToLatest(db.db as Kysely<unknown>, registryMigrations(db.dialect));
      const storage = new FilesystemDriver(storageRoot);
      const locks = new DatabaseLocks(new (loadPg().Pool)({ connectionString: database.url, max: 3 }));
      const clock = () => now;
      replicas.push({
        database: db,
        locks,
        registry: new Registry({
          meta: new MetadataStore(db, { reviewDelayMs: DELAY }),
          storage,
          digestLocks: locks,
          clock,
        }),
        collector: new GarbageCollector({
          db: db.db,
          dialect: db.dialect,
          storage,
          digestLocks: locks,
          logger: pino({ level: 'silent' }),
          reviewDelayMs: DELAY,
          uploadPurgeAgeMs: 10 * DELAY,
          clock,
        }),
      });
    }
  }, 60_000);
  afterAll(async () => {
    for (const replica of replicas) {
      await replica.locks.close();
      await replica.database.close();
    }
    await database?.drop();
    rmSync(storageRoot, { recursive: true, force: true });
  });

  it('processes every due review exactly once when both collect at the same time', async () => {
    const [first, second] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const images = 40;
    for (let i = 0; i < images; i += 1) {
      const registry = i % 2 === 0 ? first.registry : second.registry;
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', i }));
      const layer = randomBytes(1000);
      for (const blob of [config, layer])
        await registry.putBlob('gc/race', sha256(blob), Readable.from([blob]));
      const manifest = Buffer.from(
        JSON.stringify(
          imageManifest({
            config: descriptorOf(MediaType.ociConfig, config),
            layers: [descriptorOf(MediaType.ociLayer, layer)],
          }),
        ),
      );
      await registry.putManifest('gc/race', `v${i}`, undefined, manifest);
      await registry.deleteManifest('gc/race', `v${i}`);
    }
    const totals = { manifests: 0, blobs: 0, bytes: 0 };
    for (let pass = 0; pass < 3; pass += 1) {
      now += DELAY + 1;
      const results = await Promise.all([first.collector.runOnce(), second.collector.runOnce()]);
      for (const result of results) {
        totals.manifests += result.manifestsDeleted;
        totals.blobs += result.blobsDeleted;
        totals.bytes += result.bytesFreed;
      }
    }
    expect(totals.manifests).toBe(images);
    expect(totals.blobs).toBe(images * 2);
    const left = await first.database.db.selectFrom('blobs').select('digest').execute();
    expect(left).toEqual([]);
    const queued = await first.database.db.selectFrom('gc_blob_review_queue').select('digest').execute();
    expect(queued).toEqual([]);
  });
});

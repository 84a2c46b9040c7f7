import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlDatabase } from '@berth/sql';
import { databaseTargets } from '@berth/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/core/digest.js';
import { type ManifestRecord, MetadataStore } from '../../src/meta/metadata-store.js';
import type { RegistryDatabase } from '../../src/meta/schema.js';
import { openTestRegistryDatabase } from '../support/registry-database.js';

const tmp = mkdtempSync(join(tmpdir(), 'berth-meta-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const blob = (seed: string) => digestOf(Buffer.from(seed));

function imageManifest(
  config: string,
  layers: string[],
  extra: Partial<ManifestRecord> = {},
): ManifestRecord {
  const payload = Buffer.from(JSON.stringify({ config, layers, nonce: Math.random() }));
  return {
    digest: digestOf(payload),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: null,
    configDigest: config,
    configMediaType: 'application/vnd.oci.image.config.v1+json',
    subjectDigest: null,
    annotations: null,
    payload,
    blobDigests: [config, ...layers],
    children: [],
    ...extra,
  };
}

describe.each(databaseTargets())('metadata store on $dialect', (target) => {
  let database: SqlDatabase<RegistryDatabase>;
  let dispose: () => Promise<void>;
  let store: MetadataStore;

  beforeAll(async () => {
    ({ database, dispose } = await openTestRegistryDatabase(target, tmp));
    store = new MetadataStore(database, { reviewDelayMs: 1000 });
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('creates a repository once, even when creations race', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map(() => store.ensureRepository('race/repo', 1)));
    expect(new Set(ids).size).toBe(1);
    expect(await store.findRepositoryId('race/repo')).toBe(ids[0]);
    expect(await store.findRepositoryId('race/other')).toBeUndefined();
  });

  it('makes a blob visible only in repositories it is linked to', async () => {
    const a = await store.ensureRepository('links/a', 1);
    await store.ensureRepository('links/b', 1);
    const digest = blob('links');
    await store.linkBlob(a, digest, 2 ** 33, 5);
    await store.linkBlob(a, digest, 2 ** 33, 6);
    expect(await store.findRepositoryBlob('links/a', digest)).toEqual({ size: 2 ** 33 });
    expect(await store.findRepositoryBlob('links/b', digest)).toBeUndefined();
    expect(await store.findBlob(digest)).toEqual({ size: 2 ** 33 });
    expect(await store.unlinkBlob(a, digest, 7)).toBe(true);
    expect(await store.unlinkBlob(a, digest, 7)).toBe(false);
    expect(await store.findRepositoryBlob('links/a', digest)).toBeUndefined();
  });

  it('refuses a manifest whose blobs or children are not in the repository, naming each one', async () => {
    const repo = await store.ensureRepository('manifests/missing', 1);
    const config = blob('config-m');
    await store.linkBlob(repo, config, 10, 1);
    const result = await store.putManifest(repo, imageManifest(config, [blob('l1'), blob('l2')]), 'v1', 2);
    expect(result).toEqual({ ok: false, missingBlobs: [blob('l1'), blob('l2')], missingManifests: [] });
    const index = imageManifest(config, [], {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      blobDigests: [],
      children: [{ digest: blob('child'), platform: 'linux/amd64' }],
    });
    expect(await store.putManifest(repo, index, 'v1', 2)).toEqual({
      ok: false,
      missingBlobs: [],
      missingManifests: [blob('child')],
    });
    expect(await store.findManifest('manifests/missing', { tag: 'v1' })).toBeUndefined();
  });

  it('stores a manifest once, moves tags with published times and deletes tags one by one', async () => {
    const repo = await store.ensureRepository('manifests/tags', 1);
    const config = blob('config-t');
    const layer = blob('layer-t');
    await store.linkBlob(repo, config, 10, 1);
    await store.linkBlob(repo, layer, 20, 1);
    const first = imageManifest(config, [layer]);
    const second = imageManifest(config, [layer]);
    expect(await store.putManifest(repo, first, 'latest', 100)).toEqual({ ok: true });
    expect(await store.putManifest(repo, first, 'stable', 101)).toEqual({ ok: true });
    const stored = await store.findManifest('manifests/tags', { tag: 'latest' });
    expect(stored?.digest).toBe(first.digest);
    expect(Buffer.from(stored!.payload).equals(first.payload)).toBe(true);
    expect((await store.findManifest('manifests/tags', { digest: first.digest }))?.id).toBe(stored?.id);

    expect(await store.putManifest(repo, second, 'latest', 200)).toEqual({ ok: true });
    expect((await store.findManifest('manifests/tags', { tag: 'latest' }))?.digest).toBe(second.digest);
    const latest = await database.db
      .selectFrom('tags')
      .selectAll()
      .where('name', '=', 'latest')
      .executeTakeFirstOrThrow();
    expect([latest.created_at, latest.updated_at, latest.published_at]).toEqual([100, 200, 200]);

    expect(await store.deleteTags(repo, ['latest', 'nothing'], 300)).toEqual(new Set(['latest']));
    expect(await store.deleteTags(repo, ['latest'], 300)).toEqual(new Set());
    expect((await store.findManifest('manifests/tags', { tag: 'stable' }))?.digest).toBe(first.digest);
  });

  it('lists tags in byte order with keyset pages', async () => {
    const repo = await store.ensureRepository('manifests/order', 1);
    const config = blob('config-o');
    await store.linkBlob(repo, config, 1, 1);
    const manifest = imageManifest(config, []);
    const names = ['b', 'B', 'a', '_x', '1.0', '1-0', 'a-b', 'a.b', 'a_b', 'Z'];
    for (const name of names) await store.putManifest(repo, manifest, name, 1);
    const sorted = [...names].sort((x, y) => (Buffer.from(x) < Buffer.from(y) ? -1 : 1));
    expect(await store.listTags(repo, {})).toEqual(sorted);
    expect(await store.listTags(repo, { limit: 3 })).toEqual(sorted.slice(0, 3));
    expect(await store.listTags(repo, { last: sorted[2]!, limit: 4 })).toEqual(sorted.slice(3, 7));
  });

  it('deletes a manifest with all its tags, but not while an index references it', async () => {
    const repo = await store.ensureRepository('manifests/delete', 1);
    const config = blob('config-d');
    await store.linkBlob(repo, config, 1, 1);
    const child = imageManifest(config, []);
    await store.putManifest(repo, child, 'child-a', 1);
    await store.putManifest(repo, child, 'child-b', 1);
    const index = imageManifest(config, [], {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      blobDigests: [],
      children: [{ digest: child.digest, platform: 'linux/arm64/v8' }],
    });
    expect(await store.putManifest(repo, index, 'multi', 2)).toEqual({ ok: true });
    expect(await store.deleteManifest(repo, child.digest, 3)).toBe('referenced');
    expect(await store.deleteManifest(repo, index.digest, 3)).toBe('deleted');
    expect(await store.deleteManifest(repo, child.digest, 3)).toBe('deleted');
    expect(await store.deleteManifest(repo, child.digest, 3)).toBe('not-found');
    expect(await store.listTags(repo, {})).toEqual([]);
  });

  it('pages repositories in byte order', async () => {
    const all = await store.listRepositories({ limit: 1000 });
    expect(all).toEqual([...all].sort((x, y) => (Buffer.from(x) < Buffer.from(y) ? -1 : 1)));
    expect(all).toContain('links/a');
    const page = await store.listRepositories({ last: all[1]!, limit: 2 });
    expect(page).toEqual(all.slice(2, 4));
  });

  it('finds referrers of a subject, with their artifact type', async () => {
    const repo = await store.ensureRepository('manifests/referrers', 1);
    const config = blob('config-r');
    await store.linkBlob(repo, config, 1, 1);
    const subject = blob('subject');
    const signature = imageManifest(config, [], {
      subjectDigest: subject,
      artifactType: 'application/vnd.example.signature',
      annotations: { 'org.example.key': 'v' },
    });
    const sbom = imageManifest(config, [], {
      subjectDigest: subject,
      configMediaType: 'application/vnd.example.sbom',
    });
    await store.putManifest(repo, signature, undefined, 1);
    await store.putManifest(repo, sbom, undefined, 1);
    const referrers = await store.listReferrers(repo, subject);
    expect(referrers.map((r) => [r.digest, r.artifactType])).toEqual([
      [signature.digest, 'application/vnd.example.signature'],
      [sbom.digest, 'application/vnd.example.sbom'],
    ]);
    expect(referrers[0]?.annotations).toEqual({ 'org.example.key': 'v' });
    const filtered = await store.listReferrers(repo, subject, 'application/vnd.example.sbom');
    expect(filtered.map((r) => r.digest)).toEqual([sbom.digest]);
  });

  it("keeps upload progress and the storage driver's record of it in the database", async () => {
    const repo = await store.ensureRepository('uploads/repo', 1);
    await store.createUpload(
      '11111111-2222-4333-8444-555555555555',
      repo,
      { size: 0, storageState: null },
      1,
    );
    // Larger than 32 bits, and a driver record as large as thousands of S3 parts make.
    const parts = JSON.stringify({ parts: Array.from({ length: 5000 }, (_, n) => ({ n, etag: `"${n}"` })) });
    await store.setUploadState(
      '11111111-2222-4333-8444-555555555555',
      { size: 2 ** 34, storageState: parts },
      2,
    );
    expect(await store.findUpload('11111111-2222-4333-8444-555555555555')).toEqual({
      id: '11111111-2222-4333-8444-555555555555',
      repositoryId: repo,
      repositoryName: 'uploads/repo',
      size: 2 ** 34,
      storageState: parts,
    });
    await store.deleteUpload('11111111-2222-4333-8444-555555555555');
    expect(await store.findUpload('11111111-2222-4333-8444-555555555555')).toBeUndefined();
  });
});

// OCI Distribution Spec v1.1 — Content management (conformance/04_management_test.go; spec "Deleting tags",
// "Deleting Manifests", "Deleting Blobs"), with Berth's rule that deleting a tag deletes that tag only (docs/design.md §6).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPT_ALL_MANIFESTS, randomBlob, randomName, sha256 } from '../support/oci-client.js';
import { expectOciError, onCncf, startTarget, type Target } from './harness.js';

let target: Target;

beforeAll(async () => {
  target = await startTarget();
});

afterAll(async () => {
  await target?.stop();
});

const getManifest = (repo: string, reference: string) =>
  target.client.fetch(`/v2/${repo}/manifests/${reference}`, { headers: { accept: ACCEPT_ALL_MANIFESTS } });
const del = (path: string) => target.client.fetch(path, { method: 'DELETE' });

describe('delete a manifest by digest', () => {
  const repo = `${randomName('mgmt')}/by-digest`;
  let digest: string;
  let keptDigest: string;

  beforeAll(async () => {
    const image = await target.client.pushImage(repo, 'one');
    digest = image.digest;
    await target.client.pushManifest(repo, 'two', image.body);
    await target.client.pushManifest(repo, 'three', image.body);
    keptDigest = (await target.client.pushImage(repo, 'kept')).digest;
  });

  it('answers 202 Accepted', async () => {
    const response = await del(`/v2/${repo}/manifests/${digest}`);
    expect(response.status).toBe(202);
    await response.arrayBuffer();
  });

  it('GET by digest then answers 404 MANIFEST_UNKNOWN', async () => {
    await expectOciError(await getManifest(repo, digest), 404, 'MANIFEST_UNKNOWN');
  });

  it('every tag that pointed at it is gone, from GET and from the tag list', async () => {
    for (const tag of ['one', 'two', 'three']) {
      await expectOciError(await getManifest(repo, tag), 404, 'MANIFEST_UNKNOWN');
    }
    const { tags } = await target.client.listTags(repo);
    expect(tags).toEqual(['kept']);
  });

  it('another manifest of the repository is untouched', async () => {
    const response = await getManifest(repo, 'kept');
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-content-digest')).toBe(keptDigest);
    await response.arrayBuffer();
  });

  it('deleting it again answers 404 MANIFEST_UNKNOWN', async () => {
    await expectOciError(await del(`/v2/${repo}/manifests/${digest}`), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('delete a tag', () => {
  const repo = `${randomName('mgmt')}/by-tag`;
  let digest: string;

  beforeAll(async () => {
    const image = await target.client.pushImage(repo, 'doomed');
    digest = image.digest;
    await target.client.pushManifest(repo, 'stays', image.body);
  });

  // CNCF 2.8 refuses tag deletes (400 DIGEST_INVALID, within the spec's "disabled" 400/405), so these are Berth-only.
  it.skipIf(onCncf)(
    'answers 202 and removes only that tag; other tags on the same digest remain',
    async () => {
      const response = await del(`/v2/${repo}/manifests/doomed`);
      expect(response.status).toBe(202);
      await response.arrayBuffer();
      await expectOciError(await getManifest(repo, 'doomed'), 404, 'MANIFEST_UNKNOWN');
      const stays = await getManifest(repo, 'stays');
      expect(stays.status).toBe(200);
      expect(stays.headers.get('docker-content-digest')).toBe(digest);
      await stays.arrayBuffer();
      const byDigest = await getManifest(repo, digest);
      expect(byDigest.status).toBe(200);
      await byDigest.arrayBuffer();
      const { tags } = await target.client.listTags(repo);
      expect(tags).toEqual(['stays']);
    },
  );

  it.skipIf(onCncf)(
    'deleting the last tag leaves the manifest reachable by digest and an empty tag list',
    async () => {
      const response = await del(`/v2/${repo}/manifests/stays`);
      expect(response.status).toBe(202);
      const byDigest = await getManifest(repo, digest);
      expect(byDigest.status).toBe(200);
      await byDigest.arrayBuffer();
      const { response: list, tags } = await target.client.listTags(repo);
      expect(list.status).toBe(200);
      expect(tags ?? []).toEqual([]);
    },
  );

  it.skipIf(onCncf)('deleting an unknown tag answers 404 MANIFEST_UNKNOWN', async () => {
    await expectOciError(await del(`/v2/${repo}/manifests/nosuchtag`), 404, 'MANIFEST_UNKNOWN');
  });
});

describe('delete a blob', () => {
  const repo = `${randomName('mgmt')}/blobs`;
  const blob = randomBlob(256);
  let digest: string;

  beforeAll(async () => {
    digest = await target.client.pushBlob(repo, blob);
  });

  it('answers 202 Accepted', async () => {
    const response = await del(`/v2/${repo}/blobs/${digest}`);
    expect(response.status).toBe(202);
    await response.arrayBuffer();
  });

  it('GET and HEAD then answer 404 BLOB_UNKNOWN', async () => {
    await expectOciError(await target.client.fetch(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    expect((await target.client.fetch(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('deleting it again answers 404 BLOB_UNKNOWN', async () => {
    await expectOciError(await del(`/v2/${repo}/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
  });

  it('deleting it from one repository leaves it in another', async () => {
    const shared = randomBlob(256);
    const a = `${randomName('mgmt')}/a`;
    const b = `${randomName('mgmt')}/b`;
    const sharedDigest = await target.client.pushBlob(a, shared);
    await target.client.pushBlob(b, shared);
    expect((await del(`/v2/${a}/blobs/${sharedDigest}`)).status).toBe(202);
    const inB = await target.client.fetch(`/v2/${b}/blobs/${sharedDigest}`);
    expect(inB.status).toBe(200);
    expect(Buffer.from(await inB.arrayBuffer()).equals(shared)).toBe(true);
  });

  it('a blob can be pushed again after it was deleted', async () => {
    expect(await target.client.pushBlob(repo, blob)).toBe(digest);
    expect((await target.client.fetch(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('deleting unknown things', () => {
  const repo = `${randomName('mgmt')}/unknown`;

  beforeAll(async () => {
    await target.client.pushImage(repo, 'latest');
  });

  it('an unknown manifest digest answers 404 MANIFEST_UNKNOWN', async () => {
    await expectOciError(await del(`/v2/${repo}/manifests/${sha256(randomBlob())}`), 404, 'MANIFEST_UNKNOWN');
  });

  it('an unknown blob answers 404 BLOB_UNKNOWN', async () => {
    await expectOciError(await del(`/v2/${repo}/blobs/${sha256(randomBlob())}`), 404, 'BLOB_UNKNOWN');
  });

  it('a manifest in an unknown repository answers 404 NAME_UNKNOWN or MANIFEST_UNKNOWN', async () => {
    const response = await del(`/v2/${randomName('nosuch')}/manifests/${sha256(randomBlob())}`);
    await expectOciError(response, 404, ['NAME_UNKNOWN', 'MANIFEST_UNKNOWN']);
  });

  it('a blob in an unknown repository answers 404 NAME_UNKNOWN or BLOB_UNKNOWN', async () => {
    const response = await del(`/v2/${randomName('nosuch')}/blobs/${sha256(randomBlob())}`);
    await expectOciError(response, 404, ['NAME_UNKNOWN', 'BLOB_UNKNOWN']);
  });

  it('an unknown upload session answers 404 BLOB_UPLOAD_UNKNOWN', async () => {
    const location = await target.client.startUpload(repo);
    expect((await del(location)).status).toBe(204);
    await expectOciError(await del(location), 404, 'BLOB_UPLOAD_UNKNOWN');
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type BuiltImage,
  type BuiltIndex,
  buildImageLayout,
  buildMultiPlatformLayout,
  OCI_INDEX,
  OCI_MANIFEST,
  readLayoutBlobs,
  readLayoutRefs,
  sha256,
  skopeo,
} from '../support/oci-layout.js';
import { type RecordedRequest, startRecordingProxy } from './recording-proxy.js';
import { type RegistryUnderTest, startRegistryUnderTest } from './registry-under-test.js';

const MiB = 1024 * 1024;

let registry: RegistryUnderTest;
let work: string;
let dirCount = 0;
const newDir = () => join(work, `layout-${++dirCount}`);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'berth-skopeo-'));
  registry = await startRegistryUnderTest();
});

afterAll(async () => {
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Every blob pulled is byte-identical to one pushed, and none is missing or extra. */
function expectSameBlobs(pulledDir: string, pushedDir: string): void {
  const pushed = readLayoutBlobs(pushedDir);
  const pulled = readLayoutBlobs(pulledDir);
  expect([...pulled.keys()].sort()).toEqual([...pushed.keys()].sort());
  for (const [digest, bytes] of pushed) {
    expect(pulled.get(digest)?.equals(bytes), `${digest} differs`).toBe(true);
  }
}

/** Upload requests into `repo` (POST/PATCH/PUT under /blobs/uploads/), with their query. */
function uploadsInto(requests: RecordedRequest[], repo: string) {
  return requests
    .filter((r) => r.url.startsWith(`/v2/${repo}/blobs/uploads/`))
    .map((r) => ({ ...r, query: new URL(r.url, 'http://x').searchParams }));
}

describe('a two-platform OCI index', () => {
  const repo = 'berth/multi';
  let pushedDir: string;
  let built: BuiltIndex;

  beforeAll(async () => {
    pushedDir = newDir();
    // gzip and plain tar layers; 1000 bytes is not a multiple of the 512-byte tar block
    built = buildMultiPlatformLayout(pushedDir, 'v1', [
      { size: 256 * 1024 },
      { size: 64 * 1024, compression: 'none' },
      { size: 1000 },
    ]);
    const digestFile = join(work, 'pushed-digest');
    // --preserve-digests makes skopeo fail rather than silently rewrite a manifest
    await skopeo(
      'copy',
      '--all',
      '--preserve-digests',
      '--digestfile',
      digestFile,
      `oci:${pushedDir}:v1`,
      `docker://${registry.host}/${repo}:v1`,
    );
    expect(readFileSync(digestFile, 'utf8')).toBe(built.index.digest);
  });

  test('pulls back with the same index digest and every blob byte for byte', async () => {
    const pulledDir = newDir();
    await skopeo(
      'copy',
      '--all',
      '--preserve-digests',
      // keep the plain tar layer as it is instead of compressing it on the way in
      '--dest-oci-accept-uncompressed-layers',
      `docker://${registry.host}/${repo}:v1`,
      `oci:${pulledDir}:pulled`,
    );
    expect(readLayoutRefs(pulledDir)).toEqual([
      {
        mediaType: OCI_INDEX,
        digest: built.index.digest,
        size: built.index.size,
        annotations: { 'org.opencontainers.image.ref.name': 'pulled' },
      },
    ]);
    // index, 2 manifests, 2 configs, 6 layers
    expect(readLayoutBlobs(pulledDir).size).toBe(11);
    expectSameBlobs(pulledDir, pushedDir);
  });

  test('skopeo inspect --raw returns the index and each manifest exactly as pushed', async () => {
    const blobs = readLayoutBlobs(pushedDir);
    const index = await skopeo('inspect', '--raw', `docker://${registry.host}/${repo}:v1`);
    expect(index.stdout).toBe(blobs.get(built.index.digest)?.toString());
    for (const image of built.images) {
      const { digest } = image.manifest;
      const manifest = await skopeo('inspect', '--raw', `docker://${registry.host}/${repo}@${digest}`);
      expect(sha256(manifest.stdout)).toBe(digest);
    }
  });

  test('skopeo inspect picks the platform from the served index', async () => {
    const arm64 = built.images.find((image) => image.platform.architecture === 'arm64') as BuiltImage;
    const platform = ['--override-os', 'linux', '--override-arch', 'arm64', '--override-variant', 'v8'];
    const { stdout } = await skopeo('inspect', ...platform, `docker://${registry.host}/${repo}:v1`);
    expect(JSON.parse(stdout)).toMatchObject({
      Name: `${registry.host}/${repo}`,
      // skopeo reports the digest of what the tag names (the index), then the chosen image's details
      Digest: built.index.digest,
      Architecture: 'arm64',
      Os: 'linux',
      Layers: arm64.layers.map((layer) => layer.digest),
    });
    const config = await skopeo(
      'inspect',
      ...platform,
      '--config',
      '--raw',
      `docker://${registry.host}/${repo}:v1`,
    );
    expect(sha256(config.stdout)).toBe(arm64.config.digest);
  });

  test('skopeo list-tags lists every tag of the repository', async () => {
    // a registry-to-registry copy re-puts the same index under a second tag
    await skopeo(
      'copy',
      '--all',
      '--preserve-digests',
      `docker://${registry.host}/${repo}:v1`,
      `docker://${registry.host}/${repo}:v2`,
    );
    const second = await skopeo('inspect', '--raw', `docker://${registry.host}/${repo}:v2`);
    expect(sha256(second.stdout)).toBe(built.index.digest);
    const { stdout } = await skopeo('list-tags', `docker://${registry.host}/${repo}`);
    const listed = JSON.parse(stdout) as { Repository: string; Tags: string[] };
    expect(listed.Repository).toBe(`${registry.host}/${repo}`);
    expect(listed.Tags.sort()).toEqual(['v1', 'v2']);
  });
});

test('a 20 MiB layer goes up through the upload session and comes back intact', async () => {
  const proxy = await startRecordingProxy(registry);
  try {
    const repo = 'berth/big';
    const pushedDir = newDir();
    const image = buildImageLayout(pushedDir, 'big', [{ size: 20 * MiB }]);
    const layer = image.layers[0]!;
    expect(layer.size).toBeGreaterThan(20 * MiB);
    await skopeo('copy', '--preserve-digests', `oci:${pushedDir}:big`, `docker://${proxy.host}/${repo}:big`);

    // the layer was streamed in a PATCH and committed by a PUT naming its digest
    const uploads = uploadsInto(proxy.requests, repo);
    const commit = uploads.find((r) => r.method === 'PUT' && r.query.get('digest') === layer.digest);
    expect(commit?.status).toBe(201);
    expect(uploads.some((r) => r.method === 'PATCH' && r.status === 202)).toBe(true);

    const pulledDir = newDir();
    await skopeo(
      'copy',
      '--preserve-digests',
      `docker://${registry.host}/${repo}:big`,
      `oci:${pulledDir}:big`,
    );
    expect(readLayoutRefs(pulledDir)[0]).toMatchObject({
      mediaType: OCI_MANIFEST,
      digest: image.manifest.digest,
    });
    expectSameBlobs(pulledDir, pushedDir);
  } finally {
    await proxy.stop();
  }
});

test('a copy between two repositories mounts the layers instead of uploading them', async () => {
  const proxy = await startRecordingProxy(registry);
  try {
    const pushedDir = newDir();
    const image = buildImageLayout(pushedDir, 'v1', [{ size: 128 * 1024 }, { size: 32 * 1024 }]);
    await skopeo('copy', `oci:${pushedDir}:v1`, `docker://${proxy.host}/mount/source:v1`);
    // skopeo remembers (blob info cache) where it pushed each layer and offers that repository as `from`
    await skopeo(
      'copy',
      '--preserve-digests',
      `docker://${proxy.host}/mount/source:v1`,
      `docker://${proxy.host}/mount/target:v1`,
    );

    const uploads = uploadsInto(proxy.requests, 'mount/target');
    for (const layer of image.layers) {
      const mount = uploads.find((r) => r.method === 'POST' && r.query.get('mount') === layer.digest);
      expect(mount, `no mount of ${layer.digest}`).toBeDefined();
      expect(mount?.query.get('from')).toBe('mount/source');
      expect(mount?.status).toBe(201);
      expect(uploads.some((r) => r.method === 'PUT' && r.query.get('digest') === layer.digest)).toBe(false);
    }

    const pulledDir = newDir();
    await skopeo('copy', `docker://${registry.host}/mount/target:v1`, `oci:${pulledDir}:v1`);
    expect(readLayoutRefs(pulledDir)[0]?.digest).toBe(image.manifest.digest);
    expectSameBlobs(pulledDir, pushedDir);
  } finally {
    await proxy.stop();
  }
});

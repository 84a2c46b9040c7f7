import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, expect, test } from 'vitest';
import {
  buildMultiPlatformLayout,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_LAYER_TAR,
  readLayoutBlobs,
  readLayoutRefs,
  run,
  sha256,
} from '../support/oci-layout.js';

// The client tests trust this fixture to be a valid image; a wrong diff_id or a broken tar would
// otherwise show up as a confusing registry failure.
const work = mkdtempSync(join(tmpdir(), 'berth-layout-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('builds a valid two-platform OCI layout with real tars and correct diff_ids', async () => {
  const dir = join(work, 'layout');
  const built = buildMultiPlatformLayout(dir, 'v1', [{ size: 1000 }, { size: 1536, compression: 'none' }]);
  expect(JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  expect(readLayoutRefs(dir)).toEqual([
    { ...built.index, annotations: { 'org.opencontainers.image.ref.name': 'v1' } },
  ]);

  const blobs = readLayoutBlobs(dir);
  for (const [digest, bytes] of blobs) expect(sha256(bytes)).toBe(digest);
  const index = JSON.parse(blobs.get(built.index.digest)!.toString());
  expect(index.mediaType).toBe(OCI_INDEX);
  expect(index.manifests.map((m: { platform: unknown }) => m.platform)).toEqual([
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux', variant: 'v8' },
  ]);

  for (const image of built.images) {
    const config = JSON.parse(blobs.get(image.config.digest)!.toString());
    expect(config).toMatchObject({ architecture: image.platform.architecture, os: 'linux' });
    expect(image.layers.map((layer) => layer.mediaType)).toEqual([OCI_LAYER_GZIP, OCI_LAYER_TAR]);
    const tars = image.layers.map((layer) => {
      const bytes = blobs.get(layer.digest)!;
      return layer.mediaType === OCI_LAYER_GZIP ? gunzipSync(bytes) : bytes;
    });
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: tars.map((tar) => sha256(tar)) });
    // GNU tar checks each header's checksum and the file size against the data
    const listing = await run('tar', [
      '-tvf',
      join(dir, 'blobs', 'sha256', image.layers[0]!.digest.slice(7)),
    ]);
    expect(listing.stdout).toMatch(/^-rw-r--r-- root\/root\s+1000 .* layer-\d+\.bin\n$/);
    expect(listing.stderr).toBe('');
  }
  // the two platforms carry different random content
  expect(new Set(built.images.flatMap((image) => image.layers.map((l) => l.digest))).size).toBe(4);
});

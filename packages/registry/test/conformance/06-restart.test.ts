// Resumable push across a restart (spec "Use Cases: Resumable Push"; docs/design.md §3: upload state survives a
// restart). A chunked upload is started, the registry stopped and started again on the same data folder,
// and the upload resumed through the Location the first process gave.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPT_ALL_MANIFESTS, randomBlob, randomName, sha256 } from '../support/oci-client.js';
import { expectBody, startTarget, type Target } from './harness.js';

let target: Target | undefined;
let dataDir: string;
const repo = `${randomName('restart')}/app`;
const blob = randomBlob(3000);
const digest = sha256(blob);
/** The session Location's path and query; the port changes across the restart, the path must not matter. */
let session: string;
let before: { manifestDigest: string; layer: Buffer; layerDigest: string };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'berth-restart-'));
  target = await startTarget({ dataDir });
  const image = await target.client.pushImage(repo, 'persisted');
  before = { manifestDigest: image.digest, layer: image.layers[0]!, layerDigest: sha256(image.layers[0]!) };
  const location = await target.client.startUpload(repo);
  const patch = await target.client.patchChunk(location, blob.subarray(0, 1000), 0);
  expect(patch.status).toBe(202);
  expect(patch.headers.get('range')).toBe('0-999');
  const url = target.client.url(patch.headers.get('location')!);
  session = `${url.pathname}${url.search}`;
  await target.stop({ keepData: true });
  target = await startTarget({ dataDir });
});

afterAll(async () => {
  await target?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('after a restart on the same data folder', () => {
  it('the upload status GET answers 204 with the same Range', async () => {
    const response = await target!.client.fetch(session);
    expect(response.status).toBe(204);
    expect(response.headers.get('range')).toBe('0-999');
    expect(response.headers.get('location')).toBeTruthy();
  });

  it('a further PATCH continues at byte 1000 and answers 202 with Range 0-1999', async () => {
    const response = await target!.client.patchChunk(session, blob.subarray(1000, 2000), 1000);
    expect(response.status).toBe(202);
    expect(response.headers.get('range')).toBe('0-1999');
    const url = target!.client.url(response.headers.get('location')!);
    session = `${url.pathname}${url.search}`;
  });

  it('the closing PUT with the last chunk answers 201 and the blob has the right digest and bytes', async () => {
    const put = await target!.client.putUpload(session, digest, blob.subarray(2000), {
      'content-range': '2000-2999',
    });
    expect(put.status).toBe(201);
    expect(put.headers.get('docker-content-digest')).toBe(digest);
    const pulled = await target!.client.fetch(`/v2/${repo}/blobs/${digest}`);
    expect(pulled.status).toBe(200);
    expect(pulled.headers.get('docker-content-digest')).toBe(digest);
    await expectBody(pulled, blob);
  });

  it('what was pushed before the restart is still there', async () => {
    const manifest = await target!.client.fetch(`/v2/${repo}/manifests/persisted`, {
      headers: { accept: ACCEPT_ALL_MANIFESTS },
    });
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('docker-content-digest')).toBe(before.manifestDigest);
    await manifest.arrayBuffer();
    const layer = await target!.client.fetch(`/v2/${repo}/blobs/${before.layerDigest}`);
    await expectBody(layer, before.layer);
  });
});

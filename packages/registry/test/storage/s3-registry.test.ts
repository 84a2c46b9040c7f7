// The registry process on S3 storage (s3rver on loopback): uploads as multipart uploads
// that survive a killed process, digests checked before a blob becomes visible, nothing
// left behind in the bucket, and blob GETs redirected to presigned URLs when asked.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOciError } from '../conformance/harness.js';
import { OciClient, randomBlob, randomName, sha256 } from '../support/oci-client.js';
import { buildImageLayout, readLayoutBlobs, skopeo } from '../support/oci-layout.js';
import {
  type RunningRegistry,
  type StartRegistryOptions,
  startRegistry,
} from '../support/registry-process.js';
import { S3_CREDENTIALS } from '../support/s3-server.js';

const MiB = 1024 * 1024;
const PART_SIZE = 5 * MiB;

const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** A registry on S3 with 5 MiB parts, on a data folder (SQLite and s3rver's objects) that outlives it. */
async function startOnS3(dataDir: string, env: Record<string, string> = {}): Promise<RunningRegistry> {
  const options: StartRegistryOptions = {
    dataDir,
    storage: 's3',
    env: { REGISTRY_S3_PART_SIZE: String(PART_SIZE), ...env },
  };
  return startRegistry(options);
}

function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-s3-registry-'));
  dataDirs.push(dir);
  return dir;
}

async function bucketKeys(registry: RunningRegistry, prefix: string): Promise<string[]> {
  const client = new S3Client({
    endpoint: registry.s3!.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  });
  try {
    const page = await client.send(new ListObjectsV2Command({ Bucket: registry.s3!.bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((object) => object.Key!);
  } finally {
    client.destroy();
  }
}

/** Path and query of a Location, which stays valid across a restart on another port. */
function sessionOf(client: OciClient, location: string): string {
  const url = client.url(location);
  return `${url.pathname}${url.search}`;
}

/** Sends `sent` bytes of a PATCH meant to be longer, then kills the registry before the body ends. */
async function killDuringChunk(registry: RunningRegistry, session: string, sent: Buffer): Promise<void> {
  const failed = new Promise<void>((resolve) => {
    const patch = request(`${registry.url}${session}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(sent.length + MiB) },
    });
    patch.on('error', () => resolve());
    patch.on('response', () => resolve());
    patch.write(sent);
  });
  // Give the registry time to pass a whole part on to S3 before it dies.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const exited = new Promise((resolve) => registry.process.once('exit', resolve));
  registry.process.kill('SIGKILL');
  await Promise.all([failed, exited]);
  await registry.stop({ keepData: true });
}

describe('an upload on S3 across killed registry processes', () => {
  let dataDir: string;
  let registry: RunningRegistry;
  let client: OciClient;
  const repo = `${randomName('s3')}/app`;
  const blob = randomBlob(19 * MiB + 321);
  let session: string;

  beforeAll(async () => {
    dataDir = freshDataDir();
    registry = await startOnS3(dataDir);
    client = new OciClient(registry.url);
  });

  afterAll(async () => {
    await registry?.stop({ keepData: true });
  });

  it('acknowledges chunks below and above the part size', async () => {
    session = sessionOf(client, await client.startUpload(repo));
    // 7 MiB: one part and a staged rest; then 1000 bytes: staged too.
    for (const [start, end] of [
      [0, 7 * MiB],
      [7 * MiB, 7 * MiB + 1000],
    ] as const) {
      const response = await client.patchChunk(session, blob.subarray(start, end), start);
      expect(response.status).toBe(202);
      expect(response.headers.get('range')).toBe(`0-${end - 1}`);
      session = sessionOf(client, response.headers.get('location')!);
    }
    expect(await bucketKeys(registry, 'uploads/')).not.toEqual([]);
  });

  it('a chunk cut off by a killed process is dropped, and the acknowledged bytes survive', async () => {
    await killDuringChunk(registry, session, blob.subarray(7 * MiB + 1000, 13 * MiB));
    registry = await startOnS3(dataDir);
    client = new OciClient(registry.url);
    const status = await client.fetch(session);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe(`0-${7 * MiB + 999}`);
  });

  it('continues on the new process and completes with the right digest and bytes', async () => {
    const patch = await client.patchChunk(session, blob.subarray(7 * MiB + 1000, 16 * MiB), 7 * MiB + 1000);
    expect(patch.status).toBe(202);
    session = sessionOf(client, patch.headers.get('location')!);
    // The running digest died with the first process: it is checked on the finished object.
    const put = await client.putUpload(session, sha256(blob), blob.subarray(16 * MiB), {
      'content-range': `${16 * MiB}-${blob.length - 1}`,
    });
    expect(put.status).toBe(201);
    const get = await client.fetch(`/v2/${repo}/blobs/${sha256(blob)}`);
    expect(get.status).toBe(200);
    expect(Buffer.from(await get.arrayBuffer()).equals(blob)).toBe(true);
  });

  it('keeps the blob in the bucket, leaves no upload objects and nothing on the local disk', async () => {
    const hex = sha256(blob).slice('sha256:'.length);
    expect(await bucketKeys(registry, 'blobs/')).toContain(`blobs/sha256/${hex.slice(0, 2)}/${hex}`);
    expect(await bucketKeys(registry, 'uploads/')).toEqual([]);
    expect(existsSync(join(dataDir, 'registry', 'storage'))).toBe(false);
  });

  it('refuses a wrong digest after a restart and shows nothing', async () => {
    const other = randomBlob(6 * MiB);
    let location = sessionOf(client, await client.startUpload(repo));
    const patch = await client.patchChunk(location, other, 0);
    expect(patch.status).toBe(202);
    location = sessionOf(client, patch.headers.get('location')!);
    await registry.stop({ keepData: true });
    registry = await startOnS3(dataDir);
    client = new OciClient(registry.url);
    const wrong = sha256(randomBlob(10));
    await expectOciError(await client.putUpload(location, wrong), 400, 'DIGEST_INVALID');
    expect((await client.fetch(`/v2/${repo}/blobs/${wrong}`, { method: 'HEAD' })).status).toBe(404);
    expect((await client.fetch(`/v2/${repo}/blobs/${sha256(other)}`, { method: 'HEAD' })).status).toBe(404);
    expect(await bucketKeys(registry, 'uploads/')).toEqual([]);
  });
});

describe('an upload whose objects vanished from the bucket', () => {
  let registry: RunningRegistry;

  beforeAll(async () => {
    registry = await startOnS3(freshDataDir());
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('is refused with BLOB_UPLOAD_INVALID, not completed short', async () => {
    const client = new OciClient(registry.url);
    const repo = `${randomName('lost')}/app`;
    const blob = randomBlob(3000);
    const location = await client.startUpload(repo);
    const patch = await client.patchChunk(location, blob, 0);
    expect(patch.status).toBe(202);
    const id = patch.headers.get('docker-upload-uuid')!;
    const s3 = new S3Client({
      endpoint: registry.s3!.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3_CREDENTIALS,
    });
    for (const key of await bucketKeys(registry, `uploads/${id}/`)) {
      await s3.send(new DeleteObjectCommand({ Bucket: registry.s3!.bucket, Key: key }));
    }
    s3.destroy();
    const put = await client.putUpload(patch.headers.get('location')!, sha256(blob));
    await expectOciError(put, 400, 'BLOB_UPLOAD_INVALID');
    expect((await client.fetch(`/v2/${repo}/blobs/${sha256(blob)}`, { method: 'HEAD' })).status).toBe(404);
  });
});

describe('blob GETs redirected to presigned URLs (REGISTRY_S3_REDIRECT=true)', () => {
  let registry: RunningRegistry;
  let client: OciClient;
  const repo = `${randomName('redirect')}/app`;

  beforeAll(async () => {
    registry = await startOnS3(freshDataDir(), { REGISTRY_S3_REDIRECT: 'true' });
    client = new OciClient(registry.url);
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('answers a GET with 307 to the object in S3, a HEAD itself', async () => {
    const blob = randomBlob(100_000);
    const digest = await client.pushBlob(repo, blob);
    const get = await client.fetch(`/v2/${repo}/blobs/${digest}`);
    expect(get.status).toBe(307);
    const location = new URL(get.headers.get('location')!);
    expect(location.origin).toBe(registry.s3!.endpoint);
    expect(location.searchParams.get('X-Amz-Signature')).toBeTruthy();
    const fromS3 = await fetch(location, { headers: { range: 'bytes=10-19' } });
    expect(fromS3.status).toBe(206);
    expect(Buffer.from(await fromS3.arrayBuffer()).equals(blob.subarray(10, 20))).toBe(true);
    const head = await client.fetch(`/v2/${repo}/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(blob.length));
  });

  it('still checks access first: an unknown blob is 404, not a redirect', async () => {
    const response = await client.fetch(`/v2/${repo}/blobs/${sha256(randomBlob(10))}`);
    await expectOciError(response, 404, 'BLOB_UNKNOWN');
  });

  it('skopeo pushes and pulls through the redirects byte for byte', async () => {
    const work = mkdtempSync(join(tmpdir(), 'berth-s3-skopeo-'));
    dataDirs.push(work);
    buildImageLayout(join(work, 'pushed'), 'v1', [{ size: 12 * MiB }, { size: 3000 }]);
    await skopeo('copy', `oci:${join(work, 'pushed')}:v1`, `docker://${registry.host}/${repo}:v1`);
    await skopeo(
      'copy',
      '--preserve-digests',
      `docker://${registry.host}/${repo}:v1`,
      `oci:${join(work, 'pulled')}:v1`,
    );
    const pushed = readLayoutBlobs(join(work, 'pushed'));
    const pulled = readLayoutBlobs(join(work, 'pulled'));
    expect([...pulled.keys()].sort()).toEqual([...pushed.keys()].sort());
    for (const [digest, bytes] of pushed) expect(pulled.get(digest)?.equals(bytes), digest).toBe(true);
  });
});

describe('garbage collection on S3', () => {
  let registry: RunningRegistry;
  let client: OciClient;
  const repo = `${randomName('gc')}/app`;

  beforeAll(async () => {
    registry = await startOnS3(freshDataDir(), {
      GC_REVIEW_DELAY: '500ms',
      GC_INTERVAL: '100ms',
      GC_UPLOAD_PURGE_AGE: '1s',
    });
    client = new OciClient(registry.url);
  });

  afterAll(async () => {
    await registry?.stop();
  });

  /** Polls the bucket until `done` holds for the keys under `prefix`, for at most 10 s. */
  async function untilKeys(prefix: string, done: (keys: string[]) => boolean): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const keys = await bucketKeys(registry, prefix);
      if (done(keys) || Date.now() > deadline) return keys;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('deletes the object of a blob nothing references any more, and keeps a referenced one', async () => {
    const image = await client.pushImage(repo, 'kept');
    const unreferenced = await client.pushBlob(repo, randomBlob(7 * MiB));
    const keyOf = (digest: string) => `blobs/sha256/${digest.slice(7, 9)}/${digest.slice(7)}`;
    expect(await bucketKeys(registry, keyOf(unreferenced))).toEqual([keyOf(unreferenced)]);
    expect((await client.fetch(`/v2/${repo}/blobs/${unreferenced}`, { method: 'DELETE' })).status).toBe(202);
    expect(await untilKeys(keyOf(unreferenced), (keys) => keys.length === 0)).toEqual([]);
    const layer = sha256(image.layers[0]!);
    expect(await bucketKeys(registry, keyOf(layer))).toEqual([keyOf(layer)]);
  });

  it('purges the objects of an abandoned multipart upload', async () => {
    const location = await client.startUpload(repo);
    const patch = await client.patchChunk(location, randomBlob(6 * MiB), 0);
    expect(patch.status).toBe(202);
    // A part in S3 (its marker) and a staged rest.
    const id = patch.headers.get('docker-upload-uuid')!;
    const stored = await bucketKeys(registry, `uploads/${id}/`);
    expect(stored.some((key) => key.startsWith(`uploads/${id}/multipart/`))).toBe(true);
    expect(stored.some((key) => key.startsWith(`uploads/${id}/staged/`))).toBe(true);
    expect(await untilKeys(`uploads/${id}/`, (keys) => keys.length === 0)).toEqual([]);
    expect((await client.fetch(location)).status).toBe(404);
  });
});

describe('a registry whose bucket does not answer', () => {
  it('stops at start and says which bucket', async () => {
    await expect(startOnS3(freshDataDir(), { REGISTRY_S3_BUCKET: 'no-such-bucket' })).rejects.toThrow(
      /S3 bucket no-such-bucket is not usable: NotFound \(404\)/,
    );
  });
});

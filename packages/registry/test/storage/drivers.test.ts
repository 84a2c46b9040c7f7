import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemDriver } from '../../src/storage/filesystem-driver.js';
import { MemoryDriver } from '../../src/storage/memory-driver.js';
import { S3_MIN_PART_SIZE, S3Driver } from '../../src/storage/s3-driver.js';
import { type RunningS3Server, S3_CREDENTIALS, startS3Server } from '../support/s3-server.js';
import { storageDriverSuite } from './driver-suite.js';

const roots: string[] = [];
let s3: RunningS3Server;
let buckets = 0;
const MiB = 1024 * 1024;

beforeAll(async () => {
  s3 = await startS3Server();
});

afterAll(async () => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  await s3?.stop();
});

storageDriverSuite('filesystem', async () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-fs-driver-'));
  roots.push(root);
  return new FilesystemDriver(root);
});

storageDriverSuite('memory', async () => new MemoryDriver());

/** A driver on a bucket of its own, with the smallest part size S3 allows. */
async function createS3Driver(): Promise<S3Driver> {
  const bucket = `suite-${++buckets}`;
  const admin = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  admin.destroy();
  return new S3Driver({
    bucket,
    region: 'us-east-1',
    endpoint: s3.endpoint,
    credentials: S3_CREDENTIALS,
    pathStyle: true,
    partSize: S3_MIN_PART_SIZE,
    redirect: false,
  });
}

storageDriverSuite('s3', createS3Driver);

// s3rver accepts parts of any size; S3 refuses to complete an upload whose parts but the
// last are under 5 MiB. So the parts the driver records are checked here.
describe('S3 driver parts', () => {
  it('are exactly the part size but the last, whatever the chunk sizes, with less than a part staged', async () => {
    const driver = await createS3Driver();
    let state = await driver.startUpload('uploads/parts');
    for (const size of [1, 3 * MiB, 2 * MiB - 1, 2 * MiB, 11 * MiB + 7, 100, 5 * MiB]) {
      state = await driver.appendUpload('uploads/parts', state, Readable.from([randomBytes(size)]));
      const detail = JSON.parse(state.detail!) as {
        multipart?: { parts: { number: number; size: number }[] };
        staged: { size: number }[];
      };
      const parts = detail.multipart?.parts ?? [];
      expect(parts.map((part) => part.number)).toEqual(parts.map((_, index) => index + 1));
      for (const part of parts) expect(part.size).toBe(S3_MIN_PART_SIZE);
      const staged = detail.staged.reduce((sum, object) => sum + object.size, 0);
      expect(staged).toBeLessThan(S3_MIN_PART_SIZE);
      expect(parts.length * S3_MIN_PART_SIZE + staged).toBe(state.size);
    }
    expect(state.size).toBe(1 + 3 * MiB + 2 * MiB - 1 + 2 * MiB + 11 * MiB + 7 + 100 + 5 * MiB);
  });
});

describe('filesystem driver file modes', () => {
  it('keeps blobs private to the registry: folders 0700, files 0600', async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-fs-modes-'));
    roots.push(root);
    const driver = new FilesystemDriver(root);
    const started = await driver.startUpload('uploads/u1/data');
    const state = await driver.appendUpload(
      'uploads/u1/data',
      started,
      Readable.from([Buffer.from('layer')]),
    );
    await driver.move(await driver.finishUpload('uploads/u1/data', state), 'blobs/sha256/ab/abcdef/data');
    const mode = (path: string) => statSync(join(root, path)).mode & 0o777;
    for (const folder of ['uploads', 'uploads/u1', 'blobs', 'blobs/sha256/ab', 'blobs/sha256/ab/abcdef']) {
      expect(mode(folder)).toBe(0o700);
    }
    expect(mode('blobs/sha256/ab/abcdef/data')).toBe(0o600);
  });
});

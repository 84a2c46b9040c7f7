import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { FilesystemDriver } from '../../src/storage/filesystem-driver.js';
import { MemoryDriver } from '../../src/storage/memory-driver.js';
import { S3_MIN_PART_SIZE, S3Driver } from '../../src/storage/s3-driver.js';
import { type RunningS3Server, S3_CREDENTIALS, startS3Server } from '../support/s3-server.js';
import { storageDriverSuite } from './driver-suite.js';

const roots: string[] = [];
let s3: RunningS3Server;
let buckets = 0;

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

storageDriverSuite('s3', async () => {
  // A bucket per test, on the smallest part size S3 allows.
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
});

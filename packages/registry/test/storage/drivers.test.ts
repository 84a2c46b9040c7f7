import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FilesystemDriver } from '../../src/storage/filesystem-driver.js';
import { MemoryDriver } from '../../src/storage/memory-driver.js';
import { storageDriverSuite } from './driver-suite.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

storageDriverSuite('filesystem', async () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-fs-driver-'));
  roots.push(root);
  return new FilesystemDriver(root);
});

storageDriverSuite('memory', async () => new MemoryDriver());

describe('filesystem driver file modes', () => {
  it('keeps blobs private to the registry: folders 0700, files 0600', async () => {
    const root = mkdtempSync(join(tmpdir(), 'berth-fs-modes-'));
    roots.push(root);
    const driver = new FilesystemDriver(root);
    await driver.append('uploads/u1/data', Readable.from([Buffer.from('layer')]));
    await driver.move('uploads/u1/data', 'blobs/sha256/ab/abcdef/data');
    const mode = (path: string) => statSync(join(root, path)).mode & 0o777;
    for (const folder of ['uploads', 'uploads/u1', 'blobs', 'blobs/sha256/ab', 'blobs/sha256/ab/abcdef']) {
      expect(mode(folder)).toBe(0o700);
    }
    expect(mode('blobs/sha256/ab/abcdef/data')).toBe(0o600);
  });
});

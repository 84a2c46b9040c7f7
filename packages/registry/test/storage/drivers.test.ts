import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
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

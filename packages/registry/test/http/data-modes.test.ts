import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';

let registry: RunningRegistry;
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'berth-registry-modes-'));
  // An install from before private modes: its folder is open to everyone.
  mkdirSync(join(dataDir, 'registry'), { mode: 0o755 });
  registry = await startRegistry({ dataDir });
});
afterAll(() => registry?.stop());

/** Every path under `root`, folders included. */
function walk(root: string): string[] {
  return readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
    const path = join(root, entry.name);
    return entry.isDirectory() ? [path, ...walk(path)] : [path];
  });
}

describe('registry data folder', () => {
  it('keeps metadata and blobs private to the registry: folders 0700, files 0600', async () => {
    const layer = Buffer.from('a private layer');
    const digest = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
    const pushed = await fetch(`${registry.url}/v2/acme/app/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: layer,
    });
    expect(pushed.status).toBe(201);
    const mode = (path: string) => statSync(path).mode & 0o777;
    const registryDir = join(dataDir, 'registry');
    expect(mode(registryDir)).toBe(0o700);
    const paths = walk(registryDir);
    expect(paths.some((path) => path.endsWith(join(digest.slice(7, 9), digest.slice(7))))).toBe(true);
    expect(paths.some((path) => path.endsWith('registry.db-wal'))).toBe(true);
    for (const path of paths) {
      expect({ path, mode: mode(path) }).toEqual({
        path,
        mode: statSync(path).isDirectory() ? 0o700 : 0o600,
      });
    }
  });
});

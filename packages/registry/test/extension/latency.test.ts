// Opt-in latency check (BERTH_EXTENSION_LATENCY=1): the two listings the UI opens most, on
// SQLite at a realistic scale, measured over HTTP against the real registry process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '@berth/sql';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryMigrations } from '../../src/meta/migrations.js';
import type { RegistryDatabase } from '../../src/meta/schema.js';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';
import { seed } from './seed-scale.js';

const SAMPLES = 200;
const P50_LIMIT_MS = 10;

describe.runIf(process.env.BERTH_EXTENSION_LATENCY === '1')('extension API latency on SQLite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-latency-'));
  let registry: RunningRegistry;

  beforeAll(async () => {
    const database = openDatabase<RegistryDatabase>({ sqlitePath: join(dataDir, 'registry', 'registry.db') });
    await migrateToLatest(database.db as Kysely<unknown>, registryMigrations(database.dialect));
    await seed(database.db);
    await database.close();
    registry = await startRegistry({ dataDir });
  }, 600_000);

  afterAll(async () => {
    await registry?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function p50(path: string): Promise<{ p50: number; p95: number; count: number }> {
    let count = 0;
    const times: number[] = [];
    for (let i = 0; i < SAMPLES + 20; i++) {
      const started = performance.now();
      const response = await fetch(`${registry.url}${path}`);
      const body = (await response.json()) as unknown[];
      const elapsed = performance.now() - started;
      expect(response.status).toBe(200);
      count = body.length;
      if (i >= 20) times.push(elapsed); // the first requests warm the caches and the JIT
    }
    times.sort((a, b) => a - b);
    return { p50: times[Math.floor(times.length / 2)]!, p95: times[Math.floor(times.length * 0.95)]!, count };
  }

  it.each([
    ['/berth/v1/repositories/perf/big/tags/list/?sort=-published_at'],
    [
      '/berth/v1/repositories/perf/big/tags/list/?sort=-published_at&last=MjAyMy0xMS0xNVQwMzoxNjo0MC4wMDBafGJ1aWxkLTUwMDA%3D',
    ],
    ['/berth/v1/repositories/perf/big/tags/list/?sort=name&last=build-5000'],
    ['/berth/v1/repositories/perf/big/tags/list/?sort=-published_at&name=99'],
    ['/berth/v1/repository-paths/perf/group/repositories/list/'],
    ['/berth/v1/repository-paths/perf/group/repositories/list/?sort=-updated_at'],
    ['/berth/v1/repository-paths/perf/group/repositories/list/?last=perf%2Fgroup%2Fproject-1000%2Fimage'],
    ['/berth/v1/repository-paths/perf/group/repositories/list/?name=project-1'],
    ['/berth/v1/repositories/perf/big/'],
  ])('GET %s', async (path) => {
    const result = await p50(path);
    console.log(
      `${path}\n  p50 ${result.p50.toFixed(2)} ms, p95 ${result.p95.toFixed(2)} ms, ${result.count} items`,
    );
    if (!path.endsWith('/big/')) {
      expect(result.count).toBe(100);
      expect(result.p50).toBeLessThan(P50_LIMIT_MS);
    }
  });
});

/**
 * `pnpm bench`: Berth's registry and the CNCF distribution registry, one after the other in the
 * same run, driven by the same client code; prints a Markdown table with Berth / CNCF ratios.
 *
 *   node packages/registry/dist/bench/run.js [--only berth|cncf] [--quick] [--family tags,catalog,tag-page] [--json file]
 *     [--storage s3]
 *
 * `--storage s3` runs Berth on S3 storage: an s3rver (in this process) on loopback, so the
 * figures are those of s3rver on this machine rather than of a real object store.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startS3Server } from '../test/support/s3-server.js';
import { blobTransfer } from './blob-transfer.js';
import { catalog } from './catalog.js';
import type { BenchConfig, BenchContext, Family } from './family.js';
import { httpLoad } from './http-load.js';
import { limits } from './machine-limits.js';
import { MiB } from './measure.js';
import { MemoryWatch } from './memory-phases.js';
import { OciClient } from './oci-client.js';
import { peakRss } from './peak-rss.js';
import { type BenchResults, emptyResult, markdownReport, type TargetResult } from './report.js';
import { repositoryList } from './repository-list.js';
import { tagPage } from './tag-page.js';
import { tags } from './tags.js';
import {
  packageRoot,
  preflight,
  type RunningTarget,
  startTarget,
  TARGET_LABELS,
  TARGET_NAMES,
  type TargetName,
} from './targets.js';

/**
 * Run order matters: catalog first (the registry then holds exactly its repositories), then the
 * families both registries run, then peak RSS (the high-water mark of everything before it, so
 * the same work on both). Berth-only families (`targets: ['berth']`) come after it, so they
 * neither weigh on Berth's RSS nor change the data under the shared figures; the one exception,
 * machine-limits, uses no server and runs right before the blob figures that are read against it.
 */
const FAMILIES: Family[] = [catalog, tags, httpLoad, limits, blobTransfer, peakRss, tagPage, repositoryList];

const FULL: BenchConfig = {
  blobBytes: 256 * MiB,
  chunkBytes: 16 * MiB,
  blobRuns: 3,
  loadThreads: 2,
  loadConnections: 32,
  loadWarmupSeconds: 2,
  loadSeconds: 10,
  tagCount: 5000,
  tagPageSize: 100,
  listRuns: 25,
  repoCount: 2000,
  catalogPageSize: 100,
  walkRuns: 15,
  pageTagCount: 10_000,
  latencySamples: 200,
  latencyWarmup: 20,
  pushConcurrency: 8,
};

/** A smoke run of the same code paths in well under a minute. */
const QUICK: BenchConfig = {
  ...FULL,
  blobBytes: 32 * MiB,
  chunkBytes: 8 * MiB,
  blobRuns: 1,
  loadWarmupSeconds: 1,
  loadSeconds: 2,
  tagCount: 300,
  listRuns: 2,
  repoCount: 250,
  walkRuns: 2,
  pageTagCount: 1000,
  latencySamples: 50,
};

const log = (message: string) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
const firstLine = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    family: { type: 'string' },
    json: { type: 'string' },
    storage: { type: 'string', default: 'filesystem' },
  },
});

/** Servers and scratch folders still alive; killed and removed synchronously if the process exits early. */
const live = new Set<RunningTarget>();
const scratch = new Set<string>();
process.on('exit', () => {
  for (const target of live) target.abort();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

async function benchTarget(name: TargetName, families: Family[], config: BenchConfig): Promise<TargetResult> {
  const result = emptyResult();
  const tag = `[${TARGET_LABELS[name]}]`;
  log(`${tag} starting`);
  const s3 = name === 'berth' && args.storage === 's3' ? await startS3Server() : undefined;
  const target = await startTarget(name, s3?.registryEnv).catch(async (error: unknown) => {
    await s3?.stop();
    throw error;
  });
  live.add(target);
  const workDir = mkdtempSync(join(tmpdir(), 'berth-bench-work-'));
  scratch.add(workDir);
  const client = new OciClient(target.url);
  const memory = new MemoryWatch(target.pid, target.memoryProbeFile);
  memory.phase('idle');
  // A second of idle samples before any work.
  await new Promise((r) => setTimeout(r, 1000));
  try {
    for (const family of families) {
      if (family.targets && !family.targets.includes(name)) continue;
      const fail = (message: string) => {
        for (const figure of family.figures) {
          if (result.values[figure.id] === undefined) result.errors[figure.id] = message;
        }
      };
      if (!target.alive()) {
        fail('server had exited');
        continue;
      }
      const ctx: BenchContext = {
        target,
        client,
        config,
        workDir,
        log: (message) => log(`${tag} ${family.name}: ${message}`),
        note: (id, text) => {
          result.notes[id] = [...(result.notes[id] ?? []), text];
        },
        samples: (id, values) => {
          result.samples[id] = values;
        },
      };
      const started = performance.now();
      memory.phase(family.name);
      try {
        Object.assign(result.values, await family.run(ctx));
      } catch (error) {
        log(`${tag} ${family.name} failed: ${error instanceof Error ? error.stack : error}`);
        // A crashed server shows up as ECONNRESET; give its exit a moment to be noticed, then say so.
        await new Promise((r) => setTimeout(r, 300));
        if (target.alive()) fail(firstLine(error));
        else {
          log(`${tag} the server died: ${target.diagnosis()}`);
          fail(`server died (${firstLine(target.diagnosis())}) during ${family.name}: ${firstLine(error)}`);
        }
      }
      log(`${tag} ${family.name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    result.memory = memory.stop();
    client.close();
    await target.stop();
    live.delete(target);
    await s3?.stop();
    rmSync(workDir, { recursive: true, force: true });
    scratch.delete(workDir);
  }
  return result;
}

async function main(): Promise<number> {
  const only = args.only;
  if (only !== undefined && !TARGET_NAMES.includes(only as TargetName)) {
    throw new Error(`--only takes ${TARGET_NAMES.join(' or ')}, not ${only}`);
  }
  const targets = only ? [only as TargetName] : TARGET_NAMES;
  if (!['filesystem', 's3'].includes(args.storage!)) {
    throw new Error(`--storage takes filesystem or s3, not ${args.storage}`);
  }
  const wanted = args.family?.split(',');
  const unknown = wanted?.filter((name) => !FAMILIES.some((f) => f.name === name));
  if (unknown?.length)
    throw new Error(`unknown --family ${unknown}; families: ${FAMILIES.map((f) => f.name)}`);
  const families = wanted ? FAMILIES.filter((f) => wanted.includes(f.name)) : FAMILIES;
  const config = args.quick ? QUICK : FULL;

  const problems = preflight(targets);
  if (problems.length) {
    for (const problem of problems) process.stderr.write(`bench: ${problem}\n`);
    return 2;
  }

  const startedAt = new Date().toISOString();
  const start = performance.now();
  const results: BenchResults = { startedAt, durationSeconds: 0, config, targets: {} };
  for (const name of targets) {
    try {
      results.targets[name] = await benchTarget(name, families, config);
    } catch (error) {
      // The server did not start: every figure of this target is an error, the other target still runs.
      log(`[${TARGET_LABELS[name]}] ${error instanceof Error ? error.stack : error}`);
      const result = emptyResult();
      for (const figure of families.flatMap((f) => f.figures)) result.errors[figure.id] = firstLine(error);
      results.targets[name] = result;
    }
  }
  results.durationSeconds = (performance.now() - start) / 1000;

  process.stdout.write(`${markdownReport(families, results)}\n`);
  // bench/data/ is git-ignored: results stay local unless someone copies them on purpose.
  const jsonPath = resolve(args.json ?? join(packageRoot, 'bench/data/latest.json'));
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${jsonPath}`);
  return Object.values(results.targets).some((r) => Object.keys(r.errors).length) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : error}\n`);
    process.exit(2);
  },
);

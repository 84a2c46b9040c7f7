import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Family } from './family.js';
import { MB, MiB, median, timeMs } from './measure.js';

const RUNS = 3;

/** The machine's limits for the blob figures, measured in this run; blob-transfer states its shares of them. */
export interface MachineLimits {
  /** sha256 in Node on one core (MB/s): every pushed byte is hashed once. */
  sha256: number;
  /** `dd … conv=fdatasync` (MB/s): writing the blob and waiting until it is on disk. */
  fdatasync: number;
  /** `dd` without a sync (MB/s): writing into the page cache. */
  pageCache: number;
  /** `dd` of that file to /dev/null (MB/s): reading from the page cache, where a pull starts. */
  pageCacheRead: number;
}

let measured: MachineLimits | undefined;

/** Limits measured earlier in this run (by the first target), if any. */
export const machineLimits = (): MachineLimits | undefined => measured;

function ddRate(bytes: number, from: string, to: string, ...extra: string[]): number {
  const ms = syncTimeMs(() =>
    execFileSync('dd', [`if=${from}`, `of=${to}`, 'bs=1M', `count=${bytes / MiB}`, ...extra], {
      stdio: 'ignore',
    }),
  );
  return bytes / MB / (ms / 1000);
}

function syncTimeMs(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/**
 * Runs once, on the first target, right before the blob figures: it uses no server, only the
 * machine the servers share, so both columns are read against the same limits. dd writes into
 * the bench's scratch folder, on the file system the servers store their blobs on (the system's
 * temporary folder).
 */
export const limits: Family = {
  name: 'machine-limits',
  targets: ['berth'],
  figures: [
    { id: 'limit-sha256', label: 'Machine: sha256 in Node, one core', unit: 'MB/s', better: 'higher' },
    {
      id: 'limit-fdatasync',
      label: 'Machine: dd conv=fdatasync of the blob size, new files',
      unit: 'MB/s',
      better: 'higher',
    },
    {
      id: 'limit-page-cache',
      label: 'Machine: dd into the page cache (no sync), new files',
      unit: 'MB/s',
      better: 'higher',
    },
    { id: 'limit-page-cache-read', label: 'Machine: dd from the page cache', unit: 'MB/s', better: 'higher' },
  ],
  async run({ config, workDir, samples }) {
    const bytes = config.blobBytes;
    const data = randomBytes(bytes);
    const sha: number[] = [];
    const synced: number[] = [];
    const cached: number[] = [];
    const read: number[] = [];
    // Each run writes new files and keeps them until the end, as a registry keeps its blobs: a
    // file written where a deleted one was reuses warm page-cache pages, which on a virtual
    // machine whose memory the host backs on first touch is up to three times faster than the
    // fresh pages a push gets (docs/benchmarks.md).
    const files: string[] = [];
    try {
      for (let run = 0; run < RUNS; run++) {
        sha.push(
          bytes / MB / ((await timeMs(async () => createHash('sha256').update(data).digest())) / 1000),
        );
        const syncedFile = join(workDir, `dd-synced-${run}`);
        const cachedFile = join(workDir, `dd-cached-${run}`);
        files.push(syncedFile, cachedFile);
        synced.push(ddRate(bytes, '/dev/zero', syncedFile, 'conv=fdatasync'));
        cached.push(ddRate(bytes, '/dev/zero', cachedFile));
        read.push(ddRate(bytes, cachedFile, '/dev/null'));
      }
    } finally {
      for (const file of files) rmSync(file, { force: true });
    }
    samples('limit-sha256', sha);
    samples('limit-fdatasync', synced);
    samples('limit-page-cache', cached);
    samples('limit-page-cache-read', read);
    measured = {
      sha256: median(sha),
      fdatasync: median(synced),
      pageCache: median(cached),
      pageCacheRead: median(read),
    };
    return {
      'limit-sha256': measured.sha256,
      'limit-fdatasync': measured.fdatasync,
      'limit-page-cache': measured.pageCache,
      'limit-page-cache-read': measured.pageCacheRead,
    };
  },
};

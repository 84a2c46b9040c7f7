import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Family } from './family.js';
import { machineLimits } from './machine-limits.js';
import { MB, median, timeMs } from './measure.js';
import { sha256, withDigest } from './oci-client.js';

const REPO = 'blobs/big';

/**
 * The Node client writes pushes in 1 MiB slices, waiting for 'drain' between them: in 64 KiB
 * slices it spent ~0.2 s of CPU per 256 MiB push, on a core it shares with the server.
 */
const PUSH_SLICE = 1024 * 1024;

/** Random data generated once per bench process and reused by every push to every registry. */
let data: Buffer | undefined;
let pushes = 0;

/**
 * A fresh blob for each push: the first 8 bytes carry a counter, so no registry can skip the
 * write because it already holds the digest. Hashing is done here, outside the timed part.
 */
function nextBlob(bytes: number): { data: Buffer; digest: string } {
  if (data?.length !== bytes) data = randomBytes(bytes);
  data.writeBigUInt64BE(BigInt(++pushes), 0);
  return { data, digest: sha256(data) };
}

export const blobTransfer: Family = {
  name: 'blob-transfer',
  figures: [
    { id: 'push-monolithic', label: 'Blob push, monolithic (POST + PUT)', unit: 'MB/s', better: 'higher' },
    { id: 'push-chunked', label: 'Blob push, chunked (16 MiB PATCHes)', unit: 'MB/s', better: 'higher' },
    {
      id: 'push-curl',
      label: 'Blob push, monolithic, curl as the client',
      unit: 'MB/s',
      better: 'higher',
    },
    { id: 'pull', label: 'Blob pull (GET)', unit: 'MB/s', better: 'higher' },
    { id: 'pull-curl', label: 'Blob pull (GET), curl as the client', unit: 'MB/s', better: 'higher' },
    {
      id: 'push-cpu',
      label: 'Server CPU per blob push, curl as the client',
      unit: 's',
      better: 'lower',
      words: ['less', 'more'],
    },
    {
      id: 'pull-cpu',
      label: 'Server CPU per blob pull, curl as the client',
      unit: 's',
      better: 'lower',
      words: ['less', 'more'],
    },
  ],
  async run({ client, config, log, note, samples, target, workDir }) {
    const { blobBytes, chunkBytes, blobRuns } = config;
    const rate = (ms: number) => blobBytes / MB / (ms / 1000);
    const mono: number[] = [];
    const chunked: number[] = [];
    let last = '';
    // Alternate the two push kinds so drift (page cache, disk writeback) hits both alike.
    for (let run = 0; run < blobRuns; run++) {
      log(`push ${run + 1}/${blobRuns}`);
      const a = nextBlob(blobBytes);
      mono.push(rate(await timeMs(() => client.pushBlob(REPO, a.data, a.digest, PUSH_SLICE))));
      const b = nextBlob(blobBytes);
      chunked.push(
        rate(await timeMs(() => client.pushBlobChunked(REPO, b.data, b.digest, chunkBytes, PUSH_SLICE))),
      );
      last = b.digest;
    }
    // curl sends from a file (written here, untimed), as a command-line client would.
    const curlPushes: number[] = [];
    const pushCpu: number[] = [];
    const file = join(workDir, 'blob');
    for (let run = 0; run < blobRuns; run++) {
      const c = nextBlob(blobBytes);
      writeFileSync(file, c.data);
      const cpuBefore = cpuSeconds(target.pid);
      curlPushes.push(
        rate(
          await timeMs(async () => {
            const upload = await client.startUpload(REPO);
            await curlPush(withDigest(upload, c.digest).href, file);
          }),
        ),
      );
      pushCpu.push(cpuSeconds(target.pid) - cpuBefore);
    }
    const pulls: number[] = [];
    for (let run = 0; run < blobRuns; run++) {
      const ms = await timeMs(async () => {
        const reply = await client.expect(200, 'GET', `/v2/${REPO}/blobs/${last}`, { discardBody: true });
        if (reply.bodyBytes !== blobBytes) throw new Error(`pulled ${reply.bodyBytes} of ${blobBytes} bytes`);
      });
      pulls.push(rate(ms));
    }
    // The Node client shares the event loop's costs with the figure; curl shows what the server can serve.
    const curlPulls: number[] = [];
    const pullCpu: number[] = [];
    for (let run = 0; run < blobRuns; run++) {
      const cpuBefore = cpuSeconds(target.pid);
      curlPulls.push(rate(await timeMs(() => curlPull(`${target.url}/v2/${REPO}/blobs/${last}`, blobBytes))));
      pullCpu.push(cpuSeconds(target.pid) - cpuBefore);
    }
    samples('push-monolithic', mono);
    samples('push-chunked', chunked);
    samples('push-curl', curlPushes);
    samples('pull', pulls);
    samples('pull-curl', curlPulls);
    samples('push-cpu', pushCpu);
    samples('pull-cpu', pullCpu);
    const values = {
      'push-monolithic': median(mono),
      'push-chunked': median(chunked),
      'push-curl': median(curlPushes),
      pull: median(pulls),
      'pull-curl': median(curlPulls),
      'push-cpu': median(pushCpu),
      'pull-cpu': median(pullCpu),
    };
    const limits = machineLimits();
    if (limits) {
      const share = (value: number, limit: number, name: string) =>
        `${((100 * value) / limit).toFixed(0)} % of ${name} (${limit.toFixed(0)} MB/s)`;
      for (const id of ['push-monolithic', 'push-chunked', 'push-curl'] as const) {
        note(
          id,
          `${share(values[id], limits.sha256, 'sha256 on one core')}, ${share(values[id], limits.fdatasync, 'dd conv=fdatasync')}`,
        );
      }
      for (const id of ['pull', 'pull-curl'] as const)
        note(id, share(values[id], limits.pageCacheRead, 'page-cache reads'));
    }
    return values;
  },
};

const run = promisify(execFile);

/**
 * CPU time the server process has used so far, all its threads (/proc/<pid>/stat utime + stime).
 * Unlike a rate, it hardly moves with what else the machine is doing, so it shows the cost of
 * the server's own work.
 */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** `getconf CLK_TCK` on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** curl fetching into /dev/null; fails unless it received exactly `bytes`. */
async function curlPull(url: string, bytes: number): Promise<void> {
  const { stdout } = await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{size_download}',
    url,
  ]);
  const [status, size] = stdout.trim().split(' ');
  if (status !== '200' || Number(size) !== bytes)
    throw new Error(`curl pulled ${size} of ${bytes} bytes (HTTP ${status})`);
}

/** curl PUTting `file` as the body (streamed, not read into memory first); fails unless the blob was created. */
async function curlPush(url: string, file: string): Promise<void> {
  const { stdout } = await run('curl', [
    '-sS',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-X',
    'PUT',
    '-H',
    'Content-Type: application/octet-stream',
    '-T',
    file,
    url,
  ]);
  if (stdout.trim() !== '201') throw new Error(`curl push answered HTTP ${stdout.trim()}`);
}

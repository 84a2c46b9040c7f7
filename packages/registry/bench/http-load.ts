import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchConfig, Family } from './family.js';
import { pushSmallImage, smallImage, smallLayer } from './images.js';
import { OCI_MANIFEST } from './oci-client.js';

/** Runs a load generator; kills it if the bench exits first (e.g. Ctrl-C), so it stops loading the machine. */
function run(command: string, args: string[]): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      process.off('exit', kill);
      if (error) reject(new Error(`${command} failed: ${stderr || error.message}`));
      else resolve({ stdout });
    });
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
  });
}
const REPO = 'load/small';

export interface LoadResult {
  requestsPerSecond: number;
  p99Ms: number;
  requests: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Reads `wrk --latency` output; throws on non-2xx replies or socket errors, which would flatter the figure. */
export function parseWrk(output: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  const requests = /^\s+(\d+) requests in /m.exec(output);
  if (!rps || !p99 || !requests) throw new Error(`cannot read wrk output:\n${output}`);
  if (Number(requests[1]) === 0) throw new Error('wrk completed no request');
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (non2xx) throw new Error(`wrk got ${non2xx[1]} non-2xx/3xx responses`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (errors?.slice(1).some((n) => Number(n) > 0)) throw new Error(`wrk ${errors[0]}`);
  return {
    requestsPerSecond: Number(rps[1]),
    p99Ms: Number(p99[1]) * UNIT_MS[p99[2]!]!,
    requests: Number(requests[1]),
  };
}

async function wrk(config: BenchConfig, url: string, seconds: number, args: string[]): Promise<LoadResult> {
  const { stdout } = await run('wrk', [
    `-t${config.loadThreads}`,
    `-c${config.loadConnections}`,
    `-d${seconds}s`,
    '--latency',
    ...args,
    url,
  ]);
  return parseWrk(stdout);
}

/**
 * Reads `ab -e` output (p99 from its CSV, in ms with decimals, where the text report rounds to
 * whole ms); throws on failed or non-2xx requests.
 */
export function parseAb(output: string, csv: string): LoadResult {
  const rps = /^Requests per second:\s+([\d.]+)/m.exec(output);
  const requests = /^Complete requests:\s+(\d+)/m.exec(output);
  const p99 = /^99,([\d.]+)$/m.exec(csv);
  if (!rps || !requests || !p99) throw new Error(`cannot read ab output:\n${output}`);
  if (Number(requests[1]) === 0) throw new Error('ab completed no request');
  const failed = /^Failed requests:\s+(\d+)/m.exec(output);
  if (failed && Number(failed[1]) > 0) throw new Error(`ab: ${failed[1]} failed requests`);
  const non2xx = /^Non-2xx responses:\s+(\d+)/m.exec(output);
  if (non2xx) throw new Error(`ab: ${non2xx[1]} non-2xx responses`);
  // ab only keeps a connection open when the reply says keep-alive; otherwise it reconnects each time.
  const keepAlive = /^Keep-Alive requests:\s+(\d+)/m.exec(output);
  if (keepAlive?.[1] !== requests[1])
    throw new Error(`ab: ${keepAlive?.[1] ?? 0} of ${requests[1]} requests kept alive`);
  return { requestsPerSecond: Number(rps[1]), p99Ms: Number(p99[1]), requests: Number(requests[1]) };
}

async function ab(config: BenchConfig, csvPath: string, url: string, seconds: number): Promise<LoadResult> {
  // -t caps the run by time; -n only raises ab's default cap of 50,000 requests.
  const { stdout } = await run('ab', [
    '-q',
    '-k',
    '-i',
    `-c${config.loadConnections}`,
    `-t${seconds}`,
    '-n100000000',
    '-e',
    csvPath,
    url,
  ]);
  return parseAb(stdout, readFileSync(csvPath, 'utf8'));
}

/**
 * Small-request throughput under 32 connections, driven by wrk and ab (C load generators: a Node one
 * would take a core from the server on this 2-core machine). A short unmeasured run warms caches and JIT.
 */
export const httpLoad: Family = {
  name: 'http-load',
  figures: [
    { id: 'manifest-get-rps', label: 'Manifest GET by tag, 32 conn.', unit: 'req/s', better: 'higher' },
    { id: 'manifest-get-p99', label: 'Manifest GET by tag, 32 conn., p99', unit: 'ms', better: 'lower' },
    { id: 'blob-head-rps', label: 'Blob HEAD, 32 conn. (ab)', unit: 'req/s', better: 'higher' },
    { id: 'blob-head-p99', label: 'Blob HEAD, 32 conn. (ab), p99', unit: 'ms', better: 'lower' },
  ],
  async run({ target, client, config, workDir, log }) {
    const image = smallImage(smallLayer(), 'load');
    await pushSmallImage(client, REPO, image, 'latest');

    const manifestUrl = `${target.url}/v2/${REPO}/manifests/latest`;
    const manifestArgs = ['-H', `Accept: ${OCI_MANIFEST}`];
    const blobUrl = `${target.url}/v2/${REPO}/blobs/${image.layer.digest}`;
    const csv = join(workDir, 'ab-percentiles.csv');

    log('manifest GET under wrk');
    await wrk(config, manifestUrl, config.loadWarmupSeconds, manifestArgs);
    const manifest = await wrk(config, manifestUrl, config.loadSeconds, manifestArgs);
    // wrk 4.1 cannot do HEAD: its parser waits for the Content-Length bytes that a HEAD reply never
    // sends, so it completes 0 requests. ab (also C, one thread) knows HEAD (-i).
    log('blob HEAD under ab');
    await ab(config, csv, blobUrl, config.loadWarmupSeconds);
    const head = await ab(config, csv, blobUrl, config.loadSeconds);
    return {
      'manifest-get-rps': manifest.requestsPerSecond,
      'manifest-get-p99': manifest.p99Ms,
      'blob-head-rps': head.requestsPerSecond,
      'blob-head-p99': head.p99Ms,
    };
  },
};

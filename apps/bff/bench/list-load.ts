import { execFile } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** Nearest-rank percentile (p in 0..1): a value that was observed, never an interpolation. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1]!;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET on a keep-alive agent, timed from request to last body byte. */
function get(url: URL, headers: Record<string, string>, agent: http.Agent) {
  return new Promise<Reply & { ms: number }>((resolve, reject) => {
    const started = performance.now();
    const req = http.get(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          ms: performance.now() - started,
        }),
      );
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${url.pathname}: timed out`)));
    req.on('error', reject);
  });
}

export async function getOnce(url: URL, headers: Record<string, string>): Promise<Reply> {
  const agent = new http.Agent({ keepAlive: false });
  try {
    return await get(url, headers, agent);
  } finally {
    agent.destroy();
  }
}

export interface Target {
  url: URL;
  headers: Record<string, string>;
  /** The page checked beforehand: every timed reply must be 200 and byte-identical to it. */
  expected: string;
}

/**
 * `warmup + samples` GETs in a row to each target on one kept-alive connection per target, taking turns
 * request by request: latencies, not throughput, and whatever else loads the machine weighs on every
 * target alike. An error page never flatters a figure: each reply is checked against `expected`.
 */
export async function interleavedLatency(
  targets: readonly Target[],
  warmup: number,
  samples: number,
): Promise<number[][]> {
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    const times: number[][] = targets.map(() => []);
    for (let i = 0; i < warmup + samples; i++) {
      for (const [index, target] of targets.entries()) {
        const reply = await get(target.url, target.headers, agents[index]!);
        if (reply.status !== 200 || reply.body !== target.expected)
          throw new Error(`GET ${target.url}: ${reply.status}, not the page checked before`);
        if (i >= warmup) times[index]!.push(reply.ms);
      }
    }
    return times;
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Reads `wrk --latency`; refuses non-2xx replies and socket errors, which would flatter the figure. */
export function parseWrk(output: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  const requests = /^\s+(\d+) requests in /m.exec(output);
  if (!rps || !p50 || !p99 || !requests) throw new Error(`cannot read wrk output:\n${output}`);
  if (Number(requests[1]) === 0) throw new Error('wrk completed no request');
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (non2xx) throw new Error(`wrk got ${non2xx[1]} non-2xx/3xx responses`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (errors?.slice(1).some((n) => Number(n) > 0)) throw new Error(`wrk ${errors[0]}`);
  return {
    requestsPerSecond: Number(rps[1]),
    p50Ms: Number(p50[1]) * UNIT_MS[p50[2]!]!,
    p99Ms: Number(p99[1]) * UNIT_MS[p99[2]!]!,
  };
}

/** wrk (C, so it takes no core from Node's event loop) with `connections` connections on one thread. */
export function wrk(
  url: URL,
  headers: Record<string, string>,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    url.toString(),
  ];
  return new Promise((resolve, reject) => {
    const child = execFile('wrk', args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      process.off('exit', kill);
      if (error) reject(new Error(`wrk failed: ${stderr || error.message}`));
      else {
        try {
          resolve(parseWrk(stdout));
        } catch (parseError) {
          reject(parseError);
        }
      }
    });
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
  });
}

/**
 * The cluster figure of `pnpm bench`: manifest GETs and blob pulls through haproxy, against the
 * topology of `pnpm cluster` with two registry replicas and again with one (docs/scale.md).
 * Needs haproxy, wrk, skopeo and a PostgreSQL server (BERTH_CLUSTER_POSTGRES_URL or
 * BERTH_TEST_POSTGRES_URL); skipped with a note when one is missing. `--quick` measures shorter.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
// The registry's test layouts, as built by `pnpm build` (tsc -b).
import { buildImageLayout } from '../packages/registry/dist/test/support/oci-layout.js';
import { startCluster } from './cluster.mjs';

const quick = process.argv.includes('--quick');
const seconds = quick ? 3 : 10;
const connections = 16;
const adminUrl =
  process.env.BERTH_CLUSTER_POSTGRES_URL ??
  process.env.BERTH_TEST_POSTGRES_URL ??
  'postgres://root@127.0.0.1:5432/test';

const missing = ['haproxy', 'wrk', 'skopeo'].filter((tool) => spawnSync('which', [tool]).status !== 0);
if (missing.length > 0) {
  console.log(`\ncluster bench skipped: ${missing.join(', ')} not installed`);
  process.exit(0);
}

const run = promisify(execFile);

/** wrk's requests per second and latency percentiles for one URL. */
async function wrk(url, token) {
  const script = join(tmpdir(), `berth-wrk-${process.pid}.lua`);
  writeFileSync(
    script,
    `done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.0f %.0f %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read))
end
`,
  );
  const { stdout: output } = await run('wrk', [
    '-t2',
    `-c${connections}`,
    `-d${seconds}s`,
    '-s',
    script,
    '-H',
    `Authorization: Bearer ${token}`,
    '-H',
    'Accept: application/vnd.oci.image.manifest.v1+json',
    url,
  ]);
  rmSync(script, { force: true });
  const [, requests, durationUs, p50, p99, errors] = /RESULT (\d+) (\d+) (\d+) (\d+) (\d+)/
    .exec(output)
    .map(Number);
  return {
    perSecond: Math.round(requests / (durationUs / 1e6)),
    p50Ms: p50 / 1000,
    p99Ms: p99 / 1000,
    errors,
  };
}

async function measure(replicas) {
  const cluster = await startCluster({ adminUrl, replicas });
  const work = mkdtempSync(join(tmpdir(), 'berth-bench-cluster-'));
  try {
    const oauth = await fetch(`${cluster.bffUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'root', password: cluster.rootPassword }),
    });
    const { access_token } = await oauth.json();
    await fetch(`${cluster.bffUrl}/api/v4/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
      body: JSON.stringify({ name: 'bench', path: 'bench' }),
    });
    const layout = join(work, 'layout');
    const image = buildImageLayout(layout, 'bench', [{ size: 1024 * 1024 }]);
    const host = new URL(cluster.registryUrl).host;
    // Asynchronously: the cluster's services write their logs to this process, which must keep reading.
    await run('skopeo', [
      '--insecure-policy',
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `root:${cluster.rootPassword}`,
      `oci:${layout}:bench`,
      `docker://${host}/root/bench:bench`,
    ]);
    const basic = Buffer.from(`root:${cluster.rootPassword}`).toString('base64');
    const tokenAnswer = await fetch(
      `${cluster.bffUrl}/jwt/auth?service=container_registry&scope=repository:root/bench:pull`,
      { headers: { authorization: `Basic ${basic}` } },
    );
    const { token } = await tokenAnswer.json();
    return {
      manifest: await wrk(`${cluster.registryUrl}/v2/root/bench/manifests/bench`, token),
      blob: await wrk(`${cluster.registryUrl}/v2/root/bench/blobs/${image.layers[0].digest}`, token),
    };
  } finally {
    await cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

console.log(
  `\nCluster through haproxy (PostgreSQL + s3rver, ${connections} connections, ${seconds}s each, this machine)`,
);
const results = { 2: await measure(2), 1: await measure(1) };
const row = (name, r) =>
  `${name.padEnd(28)} ${String(r.perSecond).padStart(8)}/s  p50 ${r.p50Ms.toFixed(1).padStart(6)} ms  p99 ${r.p99Ms.toFixed(1).padStart(7)} ms${r.errors ? `  errors ${r.errors}` : ''}`;
for (const replicas of [1, 2]) {
  console.log(row(`manifest GET, ${replicas} replica${replicas > 1 ? 's' : ''}`, results[replicas].manifest));
  console.log(row(`1 MiB blob GET, ${replicas} replica${replicas > 1 ? 's' : ''}`, results[replicas].blob));
}

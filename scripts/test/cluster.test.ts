import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BuiltImage,
  buildImageLayout,
  readLayoutBlobs,
  readLayoutRefs,
  run,
} from '../../packages/registry/test/support/oci-layout.js';
// @ts-expect-error the cluster script is plain JavaScript, run by node as `pnpm cluster`
import { startCluster } from '../cluster.mjs';

interface Service {
  name: string;
  url: string;
  lines: string[];
  start(): Promise<void>;
  kill(): Promise<void>;
}
interface Cluster {
  registryUrl: string;
  bffUrl: string;
  statsUrl: string;
  rootPassword: string;
  registries: Service[];
  bffs: Service[];
  stop(): Promise<void>;
}

const adminUrl = process.env.BERTH_TEST_POSTGRES_URL;
const haproxyMissing = (() => {
  try {
    execFileSync('haproxy', ['-v'], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
})();
if (!adminUrl || haproxyMissing) {
  console.warn(
    '\n*** SKIPPED: the cluster topology — needs BERTH_TEST_POSTGRES_URL and haproxy (see .ci/run) ***\n',
  );
}

/** Current sessions per server of a haproxy backend (its CSV statistics). */
async function sessionsPerServer(statsUrl: string, backend: string): Promise<Map<string, number>> {
  const csv = await (await fetch(`${statsUrl}/;csv`)).text();
  const sessions = new Map<string, number>();
  for (const line of csv.split('\n')) {
    const [proxy, server, , , current] = line.split(',');
    if (proxy === backend && server && !['FRONTEND', 'BACKEND'].includes(server)) {
      sessions.set(server, Number(current));
    }
  }
  return sessions;
}

/** Sums a number field over a service's JSON log lines carrying `message`. */
function sumLogged(services: Service[], message: string, field: string): number {
  let total = 0;
  for (const service of services) {
    for (const line of service.lines) {
      if (!line.includes(message)) continue;
      total += Number((JSON.parse(line) as Record<string, unknown>)[field] ?? 0);
    }
  }
  return total;
}

describe.skipIf(!adminUrl || haproxyMissing)('two registries and two BFFs behind haproxy', () => {
  let cluster: Cluster;
  const work = mkdtempSync(join(tmpdir(), 'berth-cluster-test-'));
  let host: string;
  let creds: string;

  beforeAll(async () => {
    cluster = (await startCluster({
      adminUrl,
      // Short enough to watch garbage collection within the test.
      registryEnv: { GC_REVIEW_DELAY: '3s', GC_INTERVAL: '300ms' },
      bffEnv: { BFF_CLEANUP_INTERVAL_SECONDS: '0' },
    })) as Cluster;
    host = new URL(cluster.registryUrl).host;
    creds = `root:${cluster.rootPassword}`;
    // root's project for the images, through the BFF balancer.
    const oauth = await fetch(`${cluster.bffUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'root', password: cluster.rootPassword }),
    });
    const { access_token } = (await oauth.json()) as { access_token: string };
    const project = await fetch(`${cluster.bffUrl}/api/v4/projects`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${access_token}` },
      body: JSON.stringify({ name: 'app', path: 'app' }),
    });
    expect(project.status).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Pushes with skopeo through the balancer; a push a replica's death broke is run again, as CI retries it. */
  async function push(layout: string, tag: string): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await pushOnce(layout, tag);
        return attempt;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  function pushOnce(layout: string, tag: string) {
    return run('skopeo', [
      '--insecure-policy',
      'copy',
      '--retry-times',
      '5',
      '--dest-tls-verify=false',
      '--dest-creds',
      creds,
      `oci:${layout}:${tag}`,
      `docker://${host}/root/app:${tag}`,
    ]);
  }

  /** Pulls `tag` through the balancer and checks every byte against what was pushed. */
  async function expectIntact(layout: string, tag: string, image: BuiltImage) {
    const pulled = join(work, `pulled-${tag}-${Date.now()}`);
    await run('skopeo', [
      '--insecure-policy',
      'copy',
      '--src-tls-verify=false',
      '--src-creds',
      creds,
      `docker://${host}/root/app:${tag}`,
      `oci:${pulled}:${tag}`,
    ]);
    expect(readLayoutRefs(pulled)[0]?.digest).toBe(image.manifest.digest);
    const sent = readLayoutBlobs(layout);
    const received = readLayoutBlobs(pulled);
    for (const layer of image.layers) {
      // Buffer.equals: a deep comparison of 40 MB element by element would take minutes.
      expect(received.get(layer.digest)?.equals(sent.get(layer.digest)!)).toBe(true);
    }
  }

  it('keeps every image intact when a registry replica is killed mid-upload and restarted', async () => {
    const images = ['one', 'two', 'three'].map((tag) => {
      const layout = join(work, tag);
      // A large layer, so the kill lands while its upload is under way.
      return { tag, layout, image: buildImageLayout(layout, tag, [{ size: 40_000_000 }, { size: 4096 }]) };
    });
    const pushes = images.map(({ layout, tag }) => push(layout, tag));
    // Kill the replica serving a request right now (an upload), as a crash would.
    let victim: Service | undefined;
    for (let waited = 0; !victim && waited < 20_000; waited += 50) {
      const sessions = await sessionsPerServer(cluster.statsUrl, 'registries');
      victim = cluster.registries.find((registry) => (sessions.get(registry.name) ?? 0) > 0);
      if (!victim) await new Promise((r) => setTimeout(r, 50));
    }
    expect(victim).toBeDefined();
    await victim!.kill();
    await new Promise((r) => setTimeout(r, 1000));
    await victim!.start();
    const attempts = await Promise.all(pushes);
    // Every push succeeded, after at most one more attempt.
    expect(attempts.every((n) => n <= 2)).toBe(true);
    for (const { layout, tag, image } of images) await expectIntact(layout, tag, image);
  }, 120_000);

  it('collects a replaced image exactly once across both replicas', async () => {
    const before = sumLogged(cluster.registries, 'garbage collection pass', 'manifestsDeleted');
    const old = join(work, 'old');
    buildImageLayout(old, 'moving', [{ size: 2048 }]);
    await push(old, 'moving');
    const replacement = join(work, 'replacement');
    const image = buildImageLayout(replacement, 'moving', [{ size: 2048 }]);
    // The tag moves on: the old manifest is queued for review and, after the delay, deleted once.
    await push(replacement, 'moving');
    let deleted = 0;
    for (let waited = 0; waited < 15_000; waited += 250) {
      deleted = sumLogged(cluster.registries, 'garbage collection pass', 'manifestsDeleted') - before;
      if (deleted >= 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // Both replicas keep passing over the same queue meanwhile; neither takes the review again.
    await new Promise((r) => setTimeout(r, 1500));
    expect(sumLogged(cluster.registries, 'garbage collection pass', 'manifestsDeleted') - before).toBe(1);
    await expectIntact(replacement, 'moving', image);
  }, 60_000);
});

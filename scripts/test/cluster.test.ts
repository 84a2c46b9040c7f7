import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BuiltImage,
  buildImageLayout,
  OCI_MANIFEST,
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
  bffDbUrl: string;
  stop(): Promise<void>;
}

/** The slice of `pg` this test uses; pg is a dependency of the packages, loaded from there as the cluster script does. */
interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}
const pg = createRequire(new URL('../../packages/registry/package.json', import.meta.url))('pg') as {
  Client: new (options: { connectionString: string }) => PgClient;
};

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

/** The services' JSON log lines carrying `message`, parsed. */
function logged(services: Service[], message: string): Record<string, unknown>[] {
  return services.flatMap((service) =>
    service.lines
      .filter((line) => line.includes(message))
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );
}

/** Sums a number field over the services' JSON log lines carrying `message`. */
function sumLogged(services: Service[], message: string, field: string): number {
  return logged(services, message).reduce((total, entry) => total + Number(entry[field] ?? 0), 0);
}

describe.skipIf(!adminUrl || haproxyMissing)('two registries and two BFFs behind haproxy', () => {
  let cluster: Cluster;
  const work = mkdtempSync(join(tmpdir(), 'berth-cluster-test-'));
  let host: string;
  let creds: string;
  /** root's API token. */
  let token: string;

  /** A call to the BFFs' GitLab API through their balancer, as root; throws unless `expected`. */
  async function api(method: string, path: string, expected: number, body?: unknown): Promise<unknown> {
    const response = await fetch(`${cluster.bffUrl}/api/v4${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status !== expected) {
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    }
    return response.json();
  }

  beforeAll(async () => {
    cluster = (await startCluster({
      adminUrl,
      // Short enough to watch garbage collection within the test.
      registryEnv: { GC_REVIEW_DELAY: '3s', GC_INTERVAL: '300ms' },
      // Both BFFs look for due cleanup policies every second, so they race for every due policy.
      bffEnv: { BFF_CLEANUP_INTERVAL_SECONDS: '1' },
    })) as Cluster;
    host = new URL(cluster.registryUrl).host;
    creds = `root:${cluster.rootPassword}`;
    // root's project for the images, through the BFF balancer.
    const oauth = await fetch(`${cluster.bffUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'root', password: cluster.rootPassword }),
    });
    token = ((await oauth.json()) as { access_token: string }).access_token;
    await api('POST', '/projects', 201, { name: 'app', path: 'app' });
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Pushes with skopeo through the balancer; a push a replica's death broke is run again, as CI retries it. */
  async function push(layout: string, tag: string, repository = 'root/app', as = tag): Promise<number> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await pushOnce(layout, tag, repository, as);
        return attempt;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  function pushOnce(layout: string, tag: string, repository: string, as: string) {
    return run('skopeo', [
      '--insecure-policy',
      'copy',
      '--retry-times',
      '5',
      '--dest-tls-verify=false',
      '--dest-creds',
      creds,
      `oci:${layout}:${tag}`,
      `docker://${host}/${repository}:${as}`,
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

  /** Points more tags at a manifest already in `repository`, through the registry balancer with a push token. */
  async function addTags(repository: string, manifest: Buffer, tags: string[]): Promise<void> {
    const scope = `repository:${repository}:pull,push`;
    const auth = await fetch(`${cluster.bffUrl}/jwt/auth?service=container_registry&scope=${scope}`, {
      headers: { authorization: `Basic ${Buffer.from(creds).toString('base64')}` },
    });
    const { token: pushToken } = (await auth.json()) as { token: string };
    for (const tag of tags) {
      const put = await fetch(`${cluster.registryUrl}/v2/${repository}/manifests/${tag}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${pushToken}`, 'content-type': OCI_MANIFEST },
        body: manifest,
      });
      expect(put.status).toBe(201);
    }
  }

  it('runs each due cleanup policy exactly once while both BFFs schedule cleanups', async () => {
    const layout = join(work, 'sweep');
    const image = buildImageLayout(layout, 'base', [{ size: 1024 }]);
    const manifest = readLayoutBlobs(layout).get(image.manifest.digest)!;
    const doomed = ['old-1', 'old-2', 'old-3'];
    const projects: { id: number; path: string }[] = [];
    // Several policies due at once: the two schedulers work through the same list side by side, so
    // without a lease per policy they would meet on one and both run it.
    for (const name of ['sweep-1', 'sweep-2', 'sweep-3', 'sweep-4']) {
      const { id } = (await api('POST', '/projects', 201, { name, path: name })) as { id: number };
      const path = `root/${name}`;
      await push(layout, 'base', path, 'keep');
      await addTags(path, manifest, doomed);
      await api('PUT', `/projects/${id}`, 200, {
        container_expiration_policy_attributes: {
          enabled: true,
          cadence: '1d',
          name_regex: 'old-.*',
          keep_n: null,
          older_than: null,
        },
      });
      projects.push({ id, path });
    }
    // Saving schedules the first run a cadence ahead; move every run into the past at once, as time
    // passing would, so both BFFs find them all due on their next tick.
    const database = new pg.Client({ connectionString: cluster.bffDbUrl });
    await database.connect();
    const madeDue = Date.now();
    try {
      await database.query(
        'UPDATE container_expiration_policies SET next_run_at = $1 WHERE project_id = ANY($2)',
        [new Date(Date.now() - 60_000).toISOString(), projects.map((project) => project.id)],
      );
    } finally {
      await database.end();
    }
    const runsOf = (projectId: number) =>
      logged(cluster.bffs, 'cleanup policy ran').filter((entry) => entry.projectId === projectId);
    for (let waited = 0; waited < 20_000; waited += 250) {
      if (projects.every((project) => runsOf(project.id).length > 0)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    // Both schedulers keep ticking every second meanwhile; neither runs a policy again.
    await new Promise((r) => setTimeout(r, 3000));
    for (const project of projects) {
      // One run per policy, which deleted each matching tag: a second run would log again.
      const runs = runsOf(project.id);
      expect(runs.map((run) => ({ repositories: run.repositories, deleted: run.deleted }))).toEqual([
        { repositories: 1, deleted: doomed.length },
      ]);
      const [repository] = (await api(
        'GET',
        `/projects/${project.id}/registry/repositories?tags=true`,
        200,
      )) as {
        path: string;
        cleanup_policy_started_at: string | null;
        expiration_policy_cleanup_status: string;
        tags: { name: string }[];
      }[];
      expect(repository?.path).toBe(project.path);
      expect(repository?.tags.map((tag) => tag.name)).toEqual(['keep']);
      // The run's record: it started once the policy was due, and it finished.
      expect(repository?.expiration_policy_cleanup_status).toBe('cleanup_unscheduled');
      expect(Date.parse(repository?.cleanup_policy_started_at ?? '')).toBeGreaterThanOrEqual(madeDue);
      const { container_expiration_policy } = (await api('GET', `/projects/${project.id}`, 200)) as {
        container_expiration_policy: { next_run_at: string };
      };
      // The run scheduled the next one a cadence (a day) ahead.
      expect(Date.parse(container_expiration_policy.next_run_at)).toBeGreaterThan(
        Date.now() + 23 * 3_600_000,
      );
    }
  }, 90_000);
});

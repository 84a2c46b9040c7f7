/**
 * `pnpm bench` (BFF part): the container registry API through the real stack — the BFF process and
 * the registry process, both on SQLite, token auth between them — as latencies on one keep-alive
 * connection, the way a person paging in the UI meets them.
 *
 *   node apps/bff/dist/bench/run.js [--quick] [--json file]
 *
 * Figures: a page of 20 tags sorted by published time from a repository of 10,000 tags (first page
 * and page 250), and the group repository list over 2,000 repositories (first page and page 50),
 * once for a member who sees every project and once for a signed-in outsider who sees half of them
 * (the list the registry scopes to project paths). Targets: p50 < 25 ms, p99 < 100 ms.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { signRegistryToken } from '../src/token-service/jwt.js';
import { loadOrCreateSigningKey } from '../src/token-service/keys.js';
import { bffBin, ISSUER, json, Pusher, pool, request, startProcess, startRegistry } from './stack.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const bffRoot = resolve(here, '../..');
const ROOT_PASSWORD = 'bench-root-password';
const P50_TARGET_MS = 25;
const P99_TARGET_MS = 100;

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, json: { type: 'string' } },
});
const config = args.quick
  ? { tags: 1000, projects: 50, repositoriesPerProject: 4, warmup: 10, samples: 50 }
  : { tags: 10_000, projects: 500, repositoriesPerProject: 4, warmup: 20, samples: 200 };

const log = (message: string) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} [bff] ${message}\n`);

const scratch = mkdtempSync(join(tmpdir(), 'berth-bff-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

/** GETs `path` `warmup + samples` times in a row on one keep-alive connection; every answer must be 200 and the same. */
async function latencies(url: string, headers: Record<string, string>, check: (body: unknown) => void) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<{ status: number; body: Buffer; ms: number }>((resolveGet, reject) => {
      const started = performance.now();
      const req = http.get(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolveGet({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  try {
    const first = await get();
    if (first.status !== 200)
      throw new Error(`GET ${url}: ${first.status} ${first.body.toString().slice(0, 300)}`);
    check(JSON.parse(first.body.toString()));
    const times: number[] = [];
    for (let i = 0; i < config.warmup + config.samples; i++) {
      const reply = await get();
      if (reply.status !== 200 || !reply.body.equals(first.body))
        throw new Error(`GET ${url}: a different answer`);
      if (i >= config.warmup) times.push(reply.ms);
    }
    return times;
  } finally {
    agent.destroy();
  }
}

/** Nearest-rank percentile: a value that was observed. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1] ?? Number.NaN;
}

async function main(): Promise<number> {
  const dataDir = join(scratch, 'data');
  const key = loadOrCreateSigningKey(join(dataDir, 'bff'));
  const registry = await startRegistry(join(scratch, 'registry'), join(dataDir, 'bff'));
  const bff = await startProcess(
    process.execPath,
    [bffBin],
    {
      BFF_HOST: '127.0.0.1',
      BFF_PORT: '0',
      BERTH_DATA_DIR: dataDir,
      BFF_DATABASE_URL: '',
      BERTH_ROOT_PASSWORD: ROOT_PASSWORD,
      BERTH_TOKEN_ISSUER: ISSUER,
      REGISTRY_URL: registry.url,
      LOG_LEVEL: 'info',
    },
    'bff listening',
  );
  const api = `${bff.url}/api/v4`;
  log(`registry ${registry.url}, bff ${bff.url}`);

  // Tokens: root's, a group Reporter's and a signed-in outsider's.
  const oauth = await request(
    `${bff.url}/oauth/token`,
    json('POST', { grant_type: 'password', username: 'root', password: ROOT_PASSWORD }),
  );
  const bearer = { authorization: `Bearer ${oauth.access_token}` };
  const rootToken = (
    await request(`${api}/users/1/personal_access_tokens`, {
      ...json('POST', { name: 'bench', scopes: ['api'] }, bearer),
      expect: 201,
    })
  ).token as string;
  const asRoot = { 'PRIVATE-TOKEN': rootToken };
  const userToken = async (username: string) => {
    const user = await request(`${api}/users`, {
      ...json(
        'POST',
        { username, name: username, email: `${username}@example.com`, password: `${username}-password-1` },
        asRoot,
      ),
      expect: 201,
    });
    const token = await request(`${api}/users/${user.id}/personal_access_tokens`, {
      ...json('POST', { name: 'bench', scopes: ['api'] }, asRoot),
      expect: 201,
    });
    return { id: user.id as number, token: token.token as string };
  };
  const reporter = await userToken('reporter');
  const outsider = await userToken('outsider');

  const pusher = new Pusher(registry.url, key);
  const group = await request(`${api}/groups`, {
    ...json('POST', { name: 'bench', path: 'bench', visibility: 'public' }, asRoot),
    expect: 201,
  });
  await request(`${api}/groups/${group.id}/members`, {
    ...json('POST', { user_id: reporter.id, access_level: 20 }, asRoot),
    expect: 201,
  });

  // The tag repository.
  const app = await request(`${api}/projects`, {
    ...json('POST', { path: 'app', namespace_id: group.id, visibility: 'public' }, asRoot),
    expect: 201,
  });
  log(`pushing ${config.tags} tags (distinct manifests) to bench/app`);
  await pusher.blobs('bench/app');
  const appHeaders = pusher.headers('bench/app');
  const seedStarted = performance.now();
  await pool(config.tags, 8, (i) =>
    pusher.manifest('bench/app', `build-${String(i).padStart(5, '0')}`, appHeaders),
  );
  log(`tags pushed in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  // The group: every second project private, so an outsider sees half.
  const repositoryCount = config.projects * config.repositoriesPerProject;
  log(`creating ${config.projects} projects with ${repositoryCount} repositories`);
  await pool(config.projects, 4, async (i) => {
    const path = `p${String(i).padStart(4, '0')}`;
    const visibility = i % 2 === 0 ? 'public' : 'private';
    await request(`${api}/projects`, {
      ...json('POST', { path, namespace_id: group.id, visibility }, asRoot),
      expect: 201,
    });
    for (let r = 0; r < config.repositoriesPerProject; r++) {
      const repository = r === 0 ? `bench/${path}` : `bench/${path}/image-${r}`;
      await pusher.blobs(repository);
      await pusher.manifest(repository, 'latest');
    }
  });

  const [tagRepository] = await request(`${api}/projects/${app.id}/registry/repositories`, {
    headers: asRoot,
  });
  const tagsUrl = `${api}/projects/${app.id}/registry/repositories/${tagRepository.id}/tags?order_by=published_at&sort=desc&per_page=20`;
  const groupUrl = `${api}/groups/${group.id}/registry/repositories?per_page=20`;
  const expectPage = (length: number, total?: number) => (body: unknown) => {
    if (!Array.isArray(body) || body.length !== length) throw new Error(`expected a page of ${length} rows`);
    if (total !== undefined && body.some((row) => row.tags_count !== total))
      throw new Error('unexpected rows');
  };
  const middleTagPage = Math.floor(config.tags / 20 / 2);
  const middleGroupPage = Math.floor(repositoryCount / 20 / 2);
  const measurements: { id: string; label: string; times: number[] }[] = [];
  const measure = async (
    id: string,
    label: string,
    url: string,
    token: string,
    check: (body: unknown) => void,
  ) => {
    log(`measuring ${label}`);
    measurements.push({ id, label, times: await latencies(url, { 'PRIVATE-TOKEN': token }, check) });
  };
  await measure(
    'tags-first',
    `Tag page of 20 by published time, ${config.tags} tags, first page`,
    tagsUrl,
    reporter.token,
    expectPage(20),
  );
  await measure(
    'tags-middle',
    `… page ${middleTagPage}`,
    `${tagsUrl}&page=${middleTagPage}`,
    reporter.token,
    expectPage(20),
  );
  await measure(
    'group-member-first',
    `Group repository list, ${repositoryCount} repositories, member, first page`,
    groupUrl,
    reporter.token,
    expectPage(20),
  );
  await measure(
    'group-member-middle',
    `… page ${middleGroupPage}`,
    `${groupUrl}&page=${middleGroupPage}`,
    reporter.token,
    expectPage(20),
  );
  await measure(
    'group-outsider-first',
    `Group repository list, outsider seeing ${repositoryCount / 2}, first page`,
    groupUrl,
    outsider.token,
    expectPage(20),
  );
  await measure(
    'group-outsider-middle',
    `… page ${Math.floor(middleGroupPage / 2)}`,
    `${groupUrl}&page=${Math.floor(middleGroupPage / 2)}`,
    outsider.token,
    expectPage(20),
  );

  // The registry alone, for the same tag page: what the BFF adds is the difference.
  const admin = signRegistryToken(
    key,
    {
      iss: ISSUER,
      aud: 'container_registry',
      sub: 'bench',
      access: [{ type: 'registry', name: 'berth', actions: ['*'] }],
    },
    new Date(),
  ).token;
  const registryOnly: { id: string; label: string; times: number[] }[] = [];
  for (const [id, label, path] of [
    ['registry-id', 'registry alone: repository by id', `/berth/v1/repository-ids/${tagRepository.id}/`],
    [
      'registry-tags',
      'registry alone: the same tag page',
      '/berth/v1/repositories/bench/app/tags/list/?n=20&sort=-published_at&offset=0',
    ],
  ] as const) {
    log(`measuring ${label}`);
    registryOnly.push({
      id,
      label,
      times: await latencies(`${registry.url}${path}`, { authorization: `Bearer ${admin}` }, () => {}),
    });
  }

  const summary = ({ id, label, times }: { id: string; label: string; times: number[] }) => {
    const p50 = percentile(times, 0.5);
    const p99 = percentile(times, 0.99);
    return { id, label, min: Math.min(...times), p50, p99, ok: p50 < P50_TARGET_MS && p99 < P99_TARGET_MS };
  };
  const rows = measurements.map(summary);
  const load = loadavg()[0] ?? 0;
  const lines = [
    `## BFF container registry API (${config.samples} sequential requests each, one keep-alive connection, SQLite; load average ${load.toFixed(1)} on ${cpus().length} cores)`,
    '',
    '| figure | min ms | p50 ms | p99 ms | target p50 < 25, p99 < 100 |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows.map(
      (row) =>
        `| ${row.label} | ${row.min.toFixed(1)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.ok ? 'met' : 'MISSED'} |`,
    ),
    ...registryOnly
      .map(summary)
      .map(
        (row) =>
          `| ${row.label} | ${row.min.toFixed(1)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | (comparison) |`,
      ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const jsonPath = resolve(args.json ?? join(bffRoot, 'bench/data/latest.json'));
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(
    jsonPath,
    `${JSON.stringify({ startedAt: new Date().toISOString(), loadAverage: load, config, rows, samples: [...measurements, ...registryOnly] }, null, 2)}\n`,
  );
  log(`results written to ${jsonPath}`);
  return rows.every((row) => row.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench (bff): ${error instanceof Error ? error.stack : error}\n`);
    process.exit(2);
  },
);

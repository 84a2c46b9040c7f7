/**
 * `pnpm bench`, BFF part: do the project lists cost what the page costs, or what the instance holds?
 * The same lists on an instance of 300 projects and one of 30,000, through the real BFF and registry
 * processes (the same 200 repositories under `org-0` in each); prints a Markdown
 * table and writes JSON.
 *
 *   pnpm bench:lists   (or node apps/bff/dist/bench/lists.js [--quick] [--json file] after pnpm build)
 *
 * With BERTH_BENCH_POSTGRES_URL=postgres://… (a server where it may create and drop its own databases)
 * it measures on PostgreSQL as well as on SQLite.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPostgresDatabase } from '@berth/sql/testing';
import { loadConfig } from '../src/config.js';
import { loadOrCreateSigningKey } from '../src/token-service/keys.js';
import { getOnce, interleavedLatency, type LoadResult, percentile, wrk } from './list-load.js';
import { type SeededInstance, seedInstance } from './list-seed.js';
import { ISSUER, Pusher, pool, startRegistry } from './stack.js';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, json: { type: 'string' } },
});
const SIZES = args.quick ? [300, 3000] : [300, 30_000];
const SAMPLES = args.quick ? 50 : 200;
const WARMUP = 20;
const CONNECTIONS = 8;
const ROUNDS = args.quick ? 1 : 3;
const ROUND_SECONDS = args.quick ? 2 : 4;
const PAGE = 20;
/** Repositories pushed under `org-0`, the same number in every instance: the list's own size stays put. */
const GROUP_REPOSITORIES = 200;

const appRoot = fileURLToPath(new URL('../..', import.meta.url));
const serverJs = join(appRoot, 'dist/src/server.js');
const log = (message: string) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

interface ListCase {
  id: string;
  label: string;
  path: string;
  /** Rows the whole list holds for the member, from the seed plan; none for a single object. */
  total?(seeded: Seeded): number;
}

interface Seeded extends SeededInstance {
  /** Repositories under `org-0` whose registry the member may view. */
  groupRepositoriesVisible: number;
}

const LISTS: ListCase[] = [
  // The floor every authenticated request pays (credential, memberships, JSON), without any list.
  { id: 'user', label: 'GET /user (member; no list: the per-request floor)', path: '/api/v4/user' },
  {
    id: 'projects',
    label: 'GET /projects?per_page=20 (member)',
    path: `/api/v4/projects?per_page=${PAGE}`,
    total: (s) => s.visibleToMember,
  },
  {
    id: 'projects-by-name',
    label: 'GET /projects?order_by=name&sort=asc&per_page=20&page=3 (member)',
    path: `/api/v4/projects?order_by=name&sort=asc&per_page=${PAGE}&page=3`,
    total: (s) => s.visibleToMember,
  },
  {
    id: 'group-projects',
    label: 'GET /groups/org-0/projects?include_subgroups=true&per_page=20 (member)',
    path: `/api/v4/groups/org-0/projects?include_subgroups=true&per_page=${PAGE}`,
    total: (s) => s.visibleUnderOrg0,
  },
  {
    id: 'group-registry',
    label: `GET /groups/org-0/registry/repositories?per_page=20 (member; ${GROUP_REPOSITORIES} repositories under org-0)`,
    path: `/api/v4/groups/org-0/registry/repositories?per_page=${PAGE}`,
    total: (s) => s.groupRepositoriesVisible,
  },
];

interface Figures {
  p50: number;
  p99: number;
  /** CPU time the BFF process spent per request (user + system), which other load on the machine barely moves. */
  cpuMs: number;
  loadP50: number;
  loadP99: number;
  rps: number;
}

type Results = Record<string, Record<string, Record<number, Figures>>>;

function record(results: Results, dialect: string, id: string, size: number, figures: Figures): void {
  const byList = results[dialect] ?? {};
  results[dialect] = byList;
  byList[id] = { ...byList[id], [size]: figures };
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the BFF exited with ${child.exitCode}`);
    try {
      if ((await getOnce(new URL('/api/v4/groups', url), {})).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the BFF did not start within 30 s');
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

interface Instance {
  size: number;
  pid: number;
  base: string;
  seeded: Seeded;
  stop(): Promise<void>;
}

/** Seeds an instance of `size` projects and starts the real BFF process on it. */
async function startInstance(
  dialect: string,
  size: number,
  postgresAdminUrl: string | undefined,
): Promise<Instance> {
  const tag = `[${dialect} ${size.toLocaleString('en')}]`;
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-lists-'));
  const database = postgresAdminUrl ? await createPostgresDatabase(postgresAdminUrl) : undefined;
  const port = await freePort();
  const env = {
    BERTH_DATA_DIR: dataDir,
    BFF_PORT: String(port),
    BERTH_ROOT_PASSWORD: 'bench-root-password',
    // Request logs off, as in the registry's bench: the figures are the lists' cost.
    LOG_LEVEL: 'warn',
    ...(database && { BFF_DATABASE_URL: database.url }),
  };
  let child: ChildProcess | undefined;
  let registry: ChildProcess | undefined;
  const stop = async () => {
    for (const running of [child, registry]) {
      if (!running || running.exitCode !== null) continue;
      const exited = new Promise((r) => running.once('exit', r));
      running.kill('SIGTERM');
      await exited;
    }
    if (child) live.delete(child);
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    log(`${tag} seeding`);
    const started = performance.now();
    const key = loadOrCreateSigningKey(join(dataDir, 'bff'));
    const projects = await seedInstance(loadConfig(env), size);
    const registryProcess = await startRegistry(join(dataDir, 'registry-data'), join(dataDir, 'bff'));
    registry = registryProcess.child;
    const groupRepositoriesVisible = await pushGroupRepositories(
      new Pusher(registryProcess.url, key),
      projects.org0Projects,
    );
    const seeded: Seeded = { ...projects, groupRepositoriesVisible };
    log(`${tag} seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    child = spawn(process.execPath, [serverJs], {
      env: { ...process.env, ...env, REGISTRY_URL: registryProcess.url, BERTH_TOKEN_ISSUER: ISSUER },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    live.add(child);
    const base = `http://127.0.0.1:${port}`;
    await waitUntilUp(base, child);
    return { size, pid: child.pid!, base, seeded, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Pushes GROUP_REPOSITORIES repositories spread evenly over the projects under `org-0` (one tag
 * each) and answers how many of them the member may see, from the seed plan.
 */
async function pushGroupRepositories(pusher: Pusher, projects: SeededInstance['org0Projects']) {
  const owners = Array.from(
    { length: GROUP_REPOSITORIES },
    (_, k) => projects[Math.floor((k * projects.length) / GROUP_REPOSITORIES)]!,
  );
  await pool(owners.length, 4, async (k) => {
    const repository = `${owners[k]!.fullPath}/image-${k}`;
    await pusher.blobs(repository);
    await pusher.manifest(repository, 'latest');
  });
  return owners.filter((owner) => owner.registryVisibleToMember).length;
}

const median = (values: number[]) => percentile(values, 0.5);

/** Linux's USER_HZ: /proc reports CPU time in ticks of 10 ms. */
const TICK_MS = 10;

/** CPU time (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, hence the last ')'): utime is the 12th, stime the 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/**
 * Both instances run side by side and take turns: request by request for the one-connection latencies,
 * round by round under wrk. The machine may be busy with other work; taking turns spreads that over
 * both, so the ratio between them stays meaningful.
 */
async function measureLists(dialect: string, instances: Instance[], results: Results): Promise<void> {
  for (const list of LISTS) {
    const targets = [];
    for (const instance of instances) {
      const url = new URL(list.path, instance.base);
      const headers = { 'PRIVATE-TOKEN': instance.seeded.memberToken };
      const first = await getOnce(url, headers);
      if (first.status !== 200) throw new Error(`${url}: ${first.status}`);
      const expected = list.total?.(instance.seeded);
      if (expected !== undefined) {
        if (first.headers['x-total'] !== String(expected))
          throw new Error(`${url}: X-Total ${first.headers['x-total']}, expected ${expected}`);
        const rows: unknown = JSON.parse(first.body);
        if (!Array.isArray(rows) || rows.length !== Math.min(PAGE, expected))
          throw new Error(`${url}: not a page of ${PAGE} rows`);
      }
      targets.push({ url, headers, expected: first.body });
    }
    log(`[${dialect}] ${list.id}: ${SAMPLES} requests in turn on each instance`);
    const cpuBefore = instances.map((instance) => cpuTimeMs(instance.pid));
    const times = await interleavedLatency(targets, WARMUP, SAMPLES);
    const cpuPerRequest = instances.map(
      (instance, index) => (cpuTimeMs(instance.pid) - cpuBefore[index]!) / (WARMUP + SAMPLES),
    );
    log(
      `[${dialect}] ${list.id}: wrk, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${ROUND_SECONDS} s each`,
    );
    for (const target of targets) await wrk(target.url, target.headers, CONNECTIONS, 1);
    const rounds: LoadResult[][] = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, target] of targets.entries()) {
        rounds[index]!.push(await wrk(target.url, target.headers, CONNECTIONS, ROUND_SECONDS));
      }
    }
    instances.forEach((instance, index) => {
      const loaded = rounds[index]!;
      record(results, dialect, list.id, instance.size, {
        p50: percentile(times[index]!, 0.5),
        p99: percentile(times[index]!, 0.99),
        cpuMs: cpuPerRequest[index]!,
        loadP50: median(loaded.map((r) => r.p50Ms)),
        loadP99: median(loaded.map((r) => r.p99Ms)),
        rps: median(loaded.map((r) => r.requestsPerSecond)),
      });
    });
  }
}

const ms = (value: number) => (Number.isNaN(value) ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(1));

function report(results: Results): string {
  const [small, large] = SIZES as [number, number];
  const labels: Record<string, string> = Object.fromEntries(LISTS.map((l) => [l.id, l.label]));
  const lines = [
    `Project lists over ${small.toLocaleString('en')} and ${large.toLocaleString('en')} projects; ` +
      `both instances side by side, taking turns; one connection: p50/p99 of ${SAMPLES} requests; ${CONNECTIONS} connections: wrk, median of ${ROUNDS} rounds of ${ROUND_SECONDS} s.`,
    '',
  ];
  for (const [dialect, byList] of Object.entries(results)) {
    lines.push(
      `### ${dialect}`,
      '',
      `| list | ${small} p50 / p99 ms | ${large} p50 / p99 ms | p50 ratio | BFF CPU ms per request, ${small} / ${large} | ${small}, ${CONNECTIONS} conn. p50 / p99 ms, req/s | ${large}, ${CONNECTIONS} conn. p50 / p99 ms, req/s | loaded p50 ratio |`,
      '|---|---|---|---|---|---|---|---|',
    );
    for (const [id, bySize] of Object.entries(byList)) {
      const a = bySize[small];
      const b = bySize[large];
      if (!a || !b) continue;
      const loaded = (f: Figures) =>
        Number.isNaN(f.rps) ? '—' : `${ms(f.loadP50)} / ${ms(f.loadP99)}, ${Math.round(f.rps)}`;
      const loadedRatio = Number.isNaN(a.loadP50) ? '—' : `${(b.loadP50 / a.loadP50).toFixed(2)}×`;
      lines.push(
        `| ${labels[id]} | ${ms(a.p50)} / ${ms(a.p99)} | ${ms(b.p50)} / ${ms(b.p99)} | ${(b.p50 / a.p50).toFixed(2)}× | ${ms(a.cpuMs)} / ${ms(b.cpuMs)} | ${loaded(a)} | ${loaded(b)} | ${loadedRatio} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const postgres = process.env.BERTH_BENCH_POSTGRES_URL;
  const dialects: [string, string | undefined][] = [['sqlite', undefined]];
  if (postgres) dialects.push(['postgres', postgres]);
  const results: Results = {};
  for (const [dialect, url] of dialects) {
    const instances: Instance[] = [];
    try {
      for (const size of SIZES) instances.push(await startInstance(dialect, size, url));
      await measureLists(dialect, instances, results);
    } finally {
      for (const instance of instances) await instance.stop();
    }
  }
  process.stdout.write(`${report(results)}\n`);
  const jsonPath = resolve(args.json ?? join(appRoot, 'bench/data/lists-latest.json'));
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify({ sizes: SIZES, results }, null, 2)}\n`);
  log(`results written to ${jsonPath}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack : error}\n`);
    process.exit(2);
  },
);

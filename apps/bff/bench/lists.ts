/**
 * `pnpm bench`, BFF part: do the project lists cost what the page costs, or what the instance holds?
 * The same lists on an instance of 300 projects and one of 30,000, through the real BFF process; prints
 * a Markdown table and writes JSON.
 *
 *   node apps/bff/dist/bench/lists.js [--quick] [--json file]
 *
 * With BERTH_BENCH_POSTGRES_URL=postgres://… (a server where it may create and drop its own databases)
 * it measures on PostgreSQL as well as on SQLite.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase } from '@berth/sql';
import { createPostgresDatabase } from '@berth/sql/testing';
import { type Actor, ANONYMOUS } from '../src/access/access.js';
import { loadConfig } from '../src/config.js';
import type { BffDatabase } from '../src/db/schema.js';
import { GroupService } from '../src/domain/groups.js';
import { ProjectService } from '../src/domain/projects.js';
import { UserService } from '../src/domain/users.js';
import { getOnce, percentile, sequentialLatency, wrk } from './list-load.js';
import { type SeededInstance, seedInstance } from './list-seed.js';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, json: { type: 'string' } },
});
const SIZES = args.quick ? [300, 3000] : [300, 30_000];
const SAMPLES = args.quick ? 50 : 200;
const WARMUP = 20;
const CONNECTIONS = 8;
const LOAD_SECONDS = args.quick ? 2 : 10;
const PAGE = 20;

const appRoot = fileURLToPath(new URL('../..', import.meta.url));
const serverJs = join(appRoot, 'dist/src/server.js');
const log = (message: string) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

interface ListCase {
  id: string;
  label: string;
  path: string;
  /** Rows the whole list holds for the member, from the seed plan. */
  total(seeded: SeededInstance): number;
}

const LISTS: ListCase[] = [
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
];

interface Figures {
  p50: number;
  p99: number;
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

async function measureInstance(
  dialect: string,
  size: number,
  postgresAdminUrl: string | undefined,
  results: Results,
): Promise<void> {
  const tag = `[${dialect} ${size.toLocaleString('en')}]`;
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-lists-'));
  const database = postgresAdminUrl ? await createPostgresDatabase(postgresAdminUrl) : undefined;
  const port = await freePort();
  const env = {
    BERTH_DATA_DIR: dataDir,
    BFF_PORT: String(port),
    BERTH_ROOT_PASSWORD: 'bench-root-password',
    ...(database && { BFF_DATABASE_URL: database.url }),
  };
  let child: ChildProcess | undefined;
  try {
    const config = loadConfig(env);
    log(`${tag} seeding`);
    const started = performance.now();
    const seeded = await seedInstance(config, size);
    log(`${tag} seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    child = spawn(process.execPath, [serverJs], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    live.add(child);
    const base = `http://127.0.0.1:${port}`;
    await waitUntilUp(base, child);
    const headers = { 'PRIVATE-TOKEN': seeded.memberToken };

    for (const list of LISTS) {
      const url = new URL(list.path, base);
      const first = await getOnce(url, headers);
      const rows: unknown = JSON.parse(first.body);
      const expected = list.total(seeded);
      if (first.status !== 200 || first.headers['x-total'] !== String(expected))
        throw new Error(
          `${list.path}: ${first.status}, X-Total ${first.headers['x-total']}, expected ${expected}`,
        );
      if (!Array.isArray(rows) || rows.length !== Math.min(PAGE, expected))
        throw new Error(`${list.path}: not a page of ${PAGE} rows`);
      log(`${tag} ${list.id}: ${SAMPLES} sequential requests`);
      const times = await sequentialLatency(url, headers, first.body, WARMUP, SAMPLES);
      log(`${tag} ${list.id}: wrk, ${CONNECTIONS} connections, ${LOAD_SECONDS} s`);
      await wrk(url, headers, CONNECTIONS, Math.min(2, LOAD_SECONDS));
      const load = await wrk(url, headers, CONNECTIONS, LOAD_SECONDS);
      record(results, dialect, list.id, size, {
        p50: percentile(times, 0.5),
        p99: percentile(times, 0.99),
        loadP50: load.p50Ms,
        loadP99: load.p99Ms,
        rps: load.requestsPerSecond,
      });
    }

    // The group registry list's question, asked in-process of the same database (no endpoint yet).
    const opened = openDatabase<BffDatabase>({
      url: config.databaseUrl,
      sqlitePath: join(dataDir, 'bff', 'bff.db'),
    });
    try {
      const users = new UserService(opened.db);
      const member = (await users.findByUsername('member'))!;
      const actor: Actor = { kind: 'user', user: await users.principal(member), scopes: ['api'] };
      const org0 = (await new GroupService(opened.db).findByFullPath('org-0'))!;
      const projects = new ProjectService(opened.db);
      const now = new Date();
      const visible = await projects.registryVisibleUnder(actor, org0, now);
      if (visible.length !== seeded.registryVisibleUnderOrg0)
        throw new Error(
          `registryVisibleUnder: ${visible.length}, expected ${seeded.registryVisibleUnderOrg0}`,
        );
      if ((await projects.registryVisibleUnder(ANONYMOUS, org0, now)).length === visible.length)
        throw new Error('registryVisibleUnder: anonymous sees as much as the member');
      const times: number[] = [];
      for (let i = 0; i < WARMUP + SAMPLES; i++) {
        const t0 = performance.now();
        await projects.registryVisibleUnder(actor, org0, now);
        if (i >= WARMUP) times.push(performance.now() - t0);
      }
      record(results, dialect, 'registry-visible', size, {
        p50: percentile(times, 0.5),
        p99: percentile(times, 0.99),
        loadP50: Number.NaN,
        loadP99: Number.NaN,
        rps: Number.NaN,
      });
    } finally {
      await opened.close();
    }
  } finally {
    if (child) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      live.delete(child);
    }
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const ms = (value: number) => (Number.isNaN(value) ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(1));

function report(results: Results): string {
  const [small, large] = SIZES as [number, number];
  const labels: Record<string, string> = {
    ...Object.fromEntries(LISTS.map((l) => [l.id, l.label])),
    'registry-visible': 'ProjectService.registryVisibleUnder(member, org-0) (in-process, no HTTP)',
  };
  const lines = [
    `Project lists over ${small.toLocaleString('en')} and ${large.toLocaleString('en')} projects; ` +
      `one connection: p50/p99 of ${SAMPLES} requests in a row; ${CONNECTIONS} connections: wrk for ${LOAD_SECONDS} s.`,
    '',
  ];
  for (const [dialect, byList] of Object.entries(results)) {
    lines.push(
      `### ${dialect}`,
      '',
      `| list | ${small} p50 / p99 ms | ${large} p50 / p99 ms | p50 ratio | ${small}, ${CONNECTIONS} conn. p50 / p99 ms, req/s | ${large}, ${CONNECTIONS} conn. p50 / p99 ms, req/s | loaded p50 ratio |`,
      '|---|---|---|---|---|---|---|',
    );
    for (const [id, bySize] of Object.entries(byList)) {
      const a = bySize[small];
      const b = bySize[large];
      if (!a || !b) continue;
      const loaded = (f: Figures) =>
        Number.isNaN(f.rps) ? '—' : `${ms(f.loadP50)} / ${ms(f.loadP99)}, ${Math.round(f.rps)}`;
      const loadedRatio = Number.isNaN(a.loadP50) ? '—' : `${(b.loadP50 / a.loadP50).toFixed(2)}×`;
      lines.push(
        `| ${labels[id]} | ${ms(a.p50)} / ${ms(a.p99)} | ${ms(b.p50)} / ${ms(b.p99)} | ${(b.p50 / a.p50).toFixed(2)}× | ${loaded(a)} | ${loaded(b)} | ${loadedRatio} |`,
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
    for (const size of SIZES) await measureInstance(dialect, size, url, results);
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

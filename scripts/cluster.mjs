#!/usr/bin/env node
// `pnpm cluster`: Berth scaled out on this machine, all on loopback — two PostgreSQL databases of its
// own (created here, dropped on exit), an S3-protocol server (s3rver), two registries on the registry
// database and the bucket, two BFFs on the BFF database, and haproxy in front of each pair.
// Needs the build (`pnpm build`), haproxy and a PostgreSQL server (BERTH_CLUSTER_POSTGRES_URL, default
// postgres://root@127.0.0.1:5432/test: only used to create and drop the cluster's own databases).
// Ctrl-C stops everything. `startCluster` is also what the topology test starts (docs/scale.md).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REGISTRY_BIN = join(root, 'packages/registry/dist/berth-registry.mjs');
const BFF_BIN = join(root, 'apps/bff/dist/src/server.js');
// s3rver and pg are dependencies of the packages that use them; resolve them from there.
const requireFromRegistry = createRequire(join(root, 'packages/registry/package.json'));
const S3rver = requireFromRegistry('s3rver');
const pg = requireFromRegistry('pg');

/** A port free right now on 127.0.0.1 (haproxy's frontends need fixed ports before anything starts). */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function createDatabase(adminUrl, name) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(adminUrl, name) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * A service process that can be killed and started again with the same settings. `lines` keeps its
 * stdout (JSON log lines) for whoever wants to count what it did.
 */
function service(name, bin, args, env, ready) {
  const handle = { name, lines: [], child: undefined, url: undefined };
  handle.start = () =>
    new Promise((resolveStart, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      handle.child = child;
      const stderr = [];
      child.stderr.on('data', (chunk) => stderr.push(chunk.toString()));
      const timer = setTimeout(
        () => reject(new Error(`${name} did not start in 30s\n${stderr.join('')}`)),
        30_000,
      );
      createInterface({ input: child.stdout }).on('line', (line) => {
        handle.lines.push(line);
        if (line.includes(ready)) {
          clearTimeout(timer);
          resolveStart();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready\n${stderr.join('')}`));
      });
    });
  /** SIGKILL: no graceful stop, as when a machine or container dies mid-request. */
  handle.kill = () => signalAndWait(handle.child, 'SIGKILL');
  handle.stop = () => signalAndWait(handle.child, 'SIGTERM');
  return handle;
}

async function signalAndWait(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

function haproxyConfig({ registryPort, bffPort, statsPort, registries, bffs }) {
  const servers = (list) =>
    list
      .map((s, i) => `    server ${s.name} 127.0.0.1:${s.port} check inter 500ms fall 1 rise 1 id ${i + 1}`)
      .join('\n');
  return `global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    # A request whose connection fails, or whose replica dies before answering, is sent to the other
    # replica when it can be replayed (no body, or a body haproxy still holds); an upload under way
    # cannot be: the client retries the push, as CI jobs retry docker push.
    retries 3
    option redispatch 1
    retry-on all-retryable-errors
    option http-keep-alive

frontend registry
    bind 127.0.0.1:${registryPort}
    default_backend registries

backend registries
    balance roundrobin
${servers(registries)}

frontend bff
    bind 127.0.0.1:${bffPort}
    default_backend bffs

backend bffs
    balance roundrobin
${servers(bffs)}

frontend stats
    bind 127.0.0.1:${statsPort}
    stats enable
    stats uri /
`;
}

/**
 * Starts the whole topology; resolves once every part serves. `registryEnv`/`bffEnv` add settings
 * (the test shortens GC and cleanup intervals). `replicas` (default 2) registries and BFFs. Answers the
 * addresses, the service handles and the two databases' URLs.
 */
export async function startCluster(options = {}) {
  const adminUrl =
    options.adminUrl ?? process.env.BERTH_CLUSTER_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test';
  const replicas = options.replicas ?? 2;
  const dir = mkdtempSync(join(tmpdir(), 'berth-cluster-'));
  const suffix = randomBytes(5).toString('hex');
  const databases = [`berth_cluster_${suffix}_registry`, `berth_cluster_${suffix}_bff`];
  const stops = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const [registryDbUrl, bffDbUrl] = [
      await createDatabase(adminUrl, databases[0]),
      await createDatabase(adminUrl, databases[1]),
    ];
    stops.push(() => dropDatabase(adminUrl, databases[0]));
    stops.push(() => dropDatabase(adminUrl, databases[1]));

    const s3Dir = join(dir, 's3');
    mkdirSync(s3Dir);
    const s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: s3Dir,
      configureBuckets: [{ name: 'berth' }],
    });
    const { port: s3Port } = await s3.run();
    stops.push(async () => {
      s3.httpServer.closeAllConnections();
      await s3.close();
    });

    const [registryPort, bffPort, statsPort] = [await freePort(), await freePort(), await freePort()];
    const registryUrl = `http://127.0.0.1:${registryPort}`;
    const bffUrl = `http://127.0.0.1:${bffPort}`;
    const rootPassword = options.rootPassword ?? 'cluster-root-password';
    const registries = [];
    const bffs = [];
    for (let i = 1; i <= replicas; i += 1) {
      const port = await freePort();
      const handle = service(
        `registry${i}`,
        REGISTRY_BIN,
        ['serve'],
        {
          PATH: process.env.PATH ?? '',
          REGISTRY_HOST: '127.0.0.1',
          REGISTRY_PORT: String(port),
          BERTH_DATA_DIR: join(dir, `registry${i}`),
          REGISTRY_DATABASE_URL: registryDbUrl,
          REGISTRY_STORAGE: 's3',
          REGISTRY_S3_ENDPOINT: `http://127.0.0.1:${s3Port}`,
          REGISTRY_S3_BUCKET: 'berth',
          REGISTRY_S3_ACCESS_KEY_ID: 'S3RVER',
          REGISTRY_S3_SECRET_ACCESS_KEY: 'S3RVER',
          REGISTRY_S3_PATH_STYLE: 'true',
          REGISTRY_AUTH: 'token',
          REGISTRY_AUTH_TOKEN_REALM: `${bffUrl}/jwt/auth`,
          // Every BFF signs with the key they share in their database; the registries fetch it from any.
          REGISTRY_AUTH_TOKEN_JWKS_URL: `${bffUrl}/jwt/jwks`,
          REGISTRY_ACCESS_LOG: 'false',
          ...options.registryEnv,
        },
        'registry listening',
      );
      handle.port = port;
      handle.url = `http://127.0.0.1:${port}`;
      registries.push(handle);
    }
    for (let i = 1; i <= replicas; i += 1) {
      const port = await freePort();
      const handle = service(
        `bff${i}`,
        BFF_BIN,
        [],
        {
          PATH: process.env.PATH ?? '',
          BFF_HOST: '127.0.0.1',
          BFF_PORT: String(port),
          BERTH_DATA_DIR: join(dir, `bff${i}`),
          BFF_DATABASE_URL: bffDbUrl,
          BERTH_ROOT_PASSWORD: rootPassword,
          REGISTRY_URL: registryUrl,
          BERTH_EXTERNAL_REGISTRY_URL: registryUrl,
          BERTH_EXTERNAL_URL: bffUrl,
          ...options.bffEnv,
          // 'bff listening' (info) tells this script the BFF is ready.
          LOG_LEVEL: 'info',
        },
        'bff listening',
      );
      handle.port = port;
      handle.url = `http://127.0.0.1:${port}`;
      bffs.push(handle);
    }

    const configPath = join(dir, 'haproxy.cfg');
    writeFileSync(configPath, haproxyConfig({ registryPort, bffPort, statsPort, registries, bffs }));
    const haproxy = spawn('haproxy', ['-f', configPath, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const haproxyErrors = [];
    haproxy.stderr.on('data', (chunk) => haproxyErrors.push(chunk.toString()));
    haproxy.once('error', (error) => haproxyErrors.push(String(error)));
    stops.push(() => signalAndWait(haproxy, 'SIGTERM'));

    // BFFs first: they migrate their database and store the signing key the registries fetch.
    await Promise.all(bffs.map((handle) => handle.start()));
    for (const handle of bffs) stops.push(() => handle.stop());
    await Promise.all(registries.map((handle) => handle.start()));
    for (const handle of registries) stops.push(() => handle.stop());
    await waitFor(
      async () => (await fetch(`${registryUrl}/v2/`)).status === 401,
      () => haproxyErrors.join(''),
    );
    return {
      dir,
      registryUrl,
      bffUrl,
      statsUrl: `http://127.0.0.1:${statsPort}`,
      rootPassword,
      registries,
      bffs,
      databases,
      registryDbUrl,
      bffDbUrl,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitFor(check, describe) {
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`haproxy did not serve in 15s\n${describe()}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cluster = await startCluster();
  const say = (line) => process.stderr.write(`berth cluster: ${line}\n`);
  say(`registry (haproxy): ${cluster.registryUrl}`);
  say(`web and API (haproxy): ${cluster.bffUrl}   sign in as root / ${cluster.rootPassword}`);
  say(`haproxy statistics: ${cluster.statsUrl}`);
  say(`replicas: ${[...cluster.registries, ...cluster.bffs].map((s) => `${s.name} ${s.url}`).join(', ')}`);
  say(`databases: ${cluster.databases.join(', ')} (dropped on exit); Ctrl-C stops everything`);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

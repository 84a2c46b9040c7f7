#!/usr/bin/env node
// `pnpm start`: builds what is out of date, then runs the whole stack on embedded defaults — the BFF
// first (it creates the token signing key), then the registry trusting that key. `--demo` (or
// BERTH_DEMO=1) then fills the instance with demo content through the public API.
// Exits 1 when a service fails to start or stops on its own; Ctrl-C stops both and exits 0.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const demo = process.argv.includes('--demo') || process.env.BERTH_DEMO === '1';
const say = (line) => process.stderr.write(`berth: ${line}\n`);

const dataDir = resolve(process.env.BERTH_DATA_DIR || './data');
const bffHost = process.env.BFF_HOST || '127.0.0.1';
const bffPort = process.env.BFF_PORT || '8080';
const registryHost = process.env.REGISTRY_HOST || '127.0.0.1';
const registryPort = process.env.REGISTRY_PORT || '5000';
/** Where this machine reaches a service listening on `host` (any address answers on loopback). */
function local(host, port) {
  const reachable = ['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
const bffUrl = local(bffHost, bffPort);
const registryUrl = local(registryHost, registryPort);
const env = { ...process.env, BERTH_DATA_DIR: dataDir };
// Defaults that follow the chosen ports; a bad port is left for its own service to name.
const isPort = (value) => /^\d+$/.test(value);
if (isPort(registryPort)) {
  env.REGISTRY_URL ||= registryUrl;
  env.BERTH_EXTERNAL_REGISTRY_URL ||= registryUrl;
}
if (isPort(bffPort)) env.REGISTRY_AUTH_TOKEN_REALM ||= `${bffUrl}/jwt/auth`;

// ---- build only what changed -------------------------------------------------------------------

const BUILD_STAMP = join(root, 'dist', 'build-stamp');
const BUILT = [
  'apps/bff/dist/src/server.js',
  'packages/registry/dist/berth-registry.mjs',
  'apps/web/dist/index.html',
].map((path) => join(root, path));
/** Everything `pnpm build` reads; tests and docs do not count. */
const SOURCES = [
  'package.json',
  'pnpm-lock.yaml',
  'tsconfig.base.json',
  'apps/bff/src',
  'apps/bff/package.json',
  'apps/bff/tsconfig.json',
  'apps/web/src',
  'apps/web/index.html',
  'apps/web/package.json',
  'apps/web/vite.config.ts',
  'apps/web/tsconfig.json',
  ...['contract', 'registry', 'sql'].flatMap((name) => [
    `packages/${name}/src`,
    `packages/${name}/package.json`,
    `packages/${name}/tsconfig.json`,
  ]),
  'packages/registry/scripts',
].map((path) => join(root, path));

function newestModification(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((entry) => newestModification(join(path, entry))));
}

function mtimeOrZero(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function buildIfStale() {
  const outputs = BUILT.map(mtimeOrZero);
  const missing = outputs.includes(0);
  // `pnpm build` may leave an output untouched when its sources did not change; the stamp records
  // the start of the last build made here, the outputs one made by `pnpm build` alone.
  const builtAt = Math.max(mtimeOrZero(BUILD_STAMP), Math.min(...outputs));
  if (!missing && Math.max(...SOURCES.map(newestModification)) <= builtAt) return;
  say(missing ? 'building (first start)…' : 'sources changed since the last build; building…');
  const startedAt = new Date();
  const build = spawnSync('pnpm', ['build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    const why =
      build.error?.message ?? (build.signal ? `interrupted by ${build.signal}` : `exit code ${build.status}`);
    say(`the build failed (${why}); nothing was started`);
    process.exit(1);
  }
  mkdirSync(dirname(BUILD_STAMP), { recursive: true });
  writeFileSync(BUILD_STAMP, `${startedAt.toISOString()}\n`);
  // A source saved while the build ran is newer than the stamp, so the next start builds again.
  utimesSync(BUILD_STAMP, startedAt, startedAt);
}

// ---- run the services ---------------------------------------------------------------------------

const children = new Map();
let stopping = false;

/** `executable`: the script is started as a program, with the node flags its first line names. */
function run(name, script, args = [], { executable = false } = {}) {
  const [program, programArgs] = executable
    ? [join(root, script), args]
    : [process.execPath, [join(root, script), ...args]];
  const child = spawn(program, programArgs, {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolveExit) => {
    child.once('exit', (code, signal) => {
      children.delete(name);
      resolveExit();
      if (!stopping) {
        say(`the ${name} stopped (${signal ?? `exit code ${code}`}); stopping the stack`);
        void stop(1);
      }
    });
  });
  children.set(name, { child, exited });
  return exited;
}

async function stop(code) {
  if (stopping) return;
  stopping = true;
  const running = [...children.values()];
  for (const { child } of running) child.kill('SIGTERM');
  const killLater = setTimeout(() => {
    for (const { child } of children.values()) child.kill('SIGKILL');
  }, 10_000);
  await Promise.all(running.map(({ exited }) => exited));
  clearTimeout(killLater);
  process.exit(code);
}

/** Resolves once `url` answers `ready(status)`; rejects when the service exits or 60 s pass. */
async function waitUntilReady(name, url, ready) {
  const deadline = Date.now() + 60_000;
  while (!stopping && children.has(name)) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (ready(response.status)) return true;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      say(`the ${name} did not answer ${url} within 60 s; stopping the stack`);
      await stop(1);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  return false;
}

process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

async function main() {
  buildIfStale();
  const demoModule = demo ? await import(join(root, 'apps/bff/dist/src/demo/seed-demo.js')) : undefined;
  // A fresh demo instance gets a known root password; an existing one keeps its own.
  if (demoModule && !env.BERTH_ROOT_PASSWORD) env.BERTH_ROOT_PASSWORD = demoModule.DEMO_ROOT_PASSWORD;
  run('BFF', 'apps/bff/dist/src/server.js');
  if (!(await waitUntilReady('BFF', `${bffUrl}/-/health`, (status) => status === 200))) return;
  // Its first line sets the V8 flags that keep its resident set small under load (docs/benchmarks.md).
  run('registry', 'packages/registry/dist/berth-registry.mjs', ['serve'], { executable: true });
  // Until it is ready the registry answers 503; then /v2/ answers 200 or asks for a token (401).
  if (!(await waitUntilReady('registry', `${registryUrl}/v2/`, (status) => status !== 503))) return;
  if (demoModule) {
    try {
      await demoModule.seedDemo({
        bffUrl,
        registryUrl,
        rootPassword: env.BERTH_ROOT_PASSWORD,
        print: (line) => process.stdout.write(`${line}\n`),
      });
    } catch (error) {
      say(`the demo could not be loaded: ${error instanceof Error ? error.message : String(error)}`);
      await stop(1);
      return;
    }
  }
  say(`up: web UI and API ${bffUrl}, registry ${registryUrl} (Ctrl-C stops both)`);
}

await main();

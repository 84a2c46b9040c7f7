import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCncfRegistry } from '../test/support/cncf-registry.js';
import { freePort } from '../test/support/free-port.js';

export type TargetName = 'berth' | 'cncf';
export const TARGET_NAMES: TargetName[] = ['berth', 'cncf'];
export const TARGET_LABELS: Record<TargetName, string> = { berth: 'Berth', cncf: 'CNCF 2.8' };

/** bench/targets.ts is one level under the package, dist/bench/targets.js two: find it by its package.json. */
export const packageRoot = (() => {
  for (const up of ['..', '../..']) {
    const dir = fileURLToPath(new URL(`${up}/`, import.meta.url));
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error('cannot find packages/registry');
})();
/**
 * The built server. test/support/registry-process.ts resolves it relative to its source file,
 * which points into dist/dist/… once compiled, so the bench starts Berth itself.
 */
export const BERTH_BIN = join(packageRoot, 'dist/berth-registry.mjs');
/** Loaded into Berth's server so the bench sees its JavaScript heap (bench/memory-probe.ts). */
const MEMORY_PROBE = new URL('./memory-probe.js', import.meta.url).href;

export interface RunningTarget {
  name: TargetName;
  url: string;
  /** The server process itself (not a wrapper), for /proc/<pid>/status. */
  pid: number;
  /** Berth: the file its memory probe appends heap samples to. */
  memoryProbeFile?: string;
  /** True while the server process has not exited. */
  alive(): boolean;
  stop(): Promise<void>;
  /** Synchronous last resort for process 'exit': kill the server, remove its data. */
  abort(): void;
  /** How the server ended and the tail of its stderr, once it has died. */
  diagnosis(): string;
}

/** Keeps the last few KB of a server's stderr: its crash message, without growing without bound. */
function stderrTail(stream: NodeJS.ReadableStream | null) {
  let tail = '';
  stream?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  return () => tail;
}

const exitState = (child: ChildProcess) =>
  child.exitCode !== null
    ? `exit code ${child.exitCode}`
    : child.signalCode
      ? `signal ${child.signalCode}`
      : 'running';

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** What is missing to run the bench against these targets, as messages a person can act on. */
export function preflight(targets: TargetName[]): string[] {
  const problems: string[] = [];
  if (!onPath('curl')) {
    problems.push(
      '`curl` is not on PATH (blob pulls are also timed with it); install the Debian package: sudo apt-get install curl',
    );
  }
  if (!onPath('wrk')) {
    problems.push('`wrk` is not on PATH; install the Debian package: sudo apt-get install wrk');
  }
  // wrk cannot send HEAD requests (see http-load.ts), so blob HEAD uses ApacheBench.
  if (!onPath('ab')) {
    problems.push(
      '`ab` (ApacheBench) is not on PATH; install the Debian package: sudo apt-get install apache2-utils',
    );
  }
  if (targets.includes('cncf') && !onPath('docker-registry')) {
    problems.push(
      '`docker-registry` (CNCF distribution 2.8) is not on PATH; install the Debian package: sudo apt-get install docker-registry',
    );
  }
  if (targets.includes('berth') && !existsSync(BERTH_BIN)) {
    problems.push(
      `Berth's registry is not built (${BERTH_BIN} is missing): run \`pnpm build\`, or measure only the CNCF registry with \`pnpm bench --only cncf\``,
    );
  }
  return problems;
}

export async function startTarget(
  name: TargetName,
  env: Record<string, string> = {},
): Promise<RunningTarget> {
  return name === 'berth' ? startBerth(env) : startCncf();
}

async function startCncf(): Promise<RunningTarget> {
  const running = await startCncfRegistry();
  // The helper pipes stderr without reading it; read it so a chatty server never blocks on a full pipe.
  const tail = stderrTail(running.process.stderr);
  return {
    name: 'cncf',
    url: running.url,
    pid: running.process.pid!,
    alive: () => running.process.exitCode === null && running.process.signalCode === null,
    stop: () => running.stop(),
    abort: () => {
      running.process.kill('SIGKILL');
      rmSync(running.dataDir, { recursive: true, force: true });
    },
    diagnosis: () => `docker-registry: ${exitState(running.process)}\n${tail()}`,
  };
}

/**
 * Like test/support/registry-process.ts, but on a port chosen here and ready when GET /v2/ answers,
 * so it does not depend on the wording of the startup log line.
 */
async function startBerth(env: Record<string, string>): Promise<RunningTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  const port = await freePort();
  const memoryProbeFile = join(dataDir, 'memory-probe.jsonl');
  // Started as every start starts it: executed, with the node flags of its first line. The memory
  // probe comes in through NODE_OPTIONS, which leaves those flags alone.
  const child = spawn(BERTH_BIN, ['serve'], {
    env: {
      ...process.env,
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${MEMORY_PROBE}`].filter(Boolean).join(' '),
      BERTH_BENCH_MEMORY_FILE: memoryProbeFile,
      REGISTRY_AUTH: 'none',
      REGISTRY_HOST: '127.0.0.1',
      REGISTRY_PORT: String(port),
      BERTH_DATA_DIR: dataDir,
      REGISTRY_DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.resume();
  const tail = stderrTail(child.stderr);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (alive()) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!alive()) {
      await stop();
      throw new Error(`berth-registry exited with ${child.exitCode ?? child.signalCode}\n${tail()}`);
    }
    try {
      if ((await fetch(`${url}/v2/`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`berth-registry did not answer GET /v2/ with 200 within 15s\n${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const abort = () => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  const diagnosis = () => `berth-registry: ${exitState(child)}\n${tail()}`;
  return { name: 'berth', url, pid: child.pid!, memoryProbeFile, alive, stop, abort, diagnosis };
}

/** Peak resident set (VmHWM) of a live process, in bytes. */
export function peakRssBytes(pid: number): number {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
/** The built entry point; `pnpm typecheck` (tsc -b) builds it before the tests run. */
export const REGISTRY_BIN = resolve(here, '../../dist/berth-registry.mjs');

export interface RunningRegistry {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** e.g. 127.0.0.1:40123, as used in image references */
  host: string;
  dataDir: string;
  process: ChildProcess;
  /** Stops the process (SIGTERM) and waits for it; removes dataDir unless keepData. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface StartRegistryOptions {
  /** Reuse a data folder (e.g. to test a restart); a fresh temp folder otherwise. */
  dataDir?: string;
  /** Extra environment; REGISTRY_AUTH defaults to none. */
  env?: Record<string, string>;
}

/** Starts the real registry process on 127.0.0.1 and a free port; resolves once it listens. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const child = spawn(process.execPath, [REGISTRY_BIN, 'serve'], {
    env: {
      ...process.env,
      REGISTRY_AUTH: 'none',
      REGISTRY_HOST: '127.0.0.1',
      REGISTRY_PORT: '0',
      BERTH_DATA_DIR: dataDir,
      REGISTRY_DATABASE_URL: '',
      LOG_LEVEL: 'info',
      REGISTRY_ACCESS_LOG: 'false',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const port = await new Promise<number>((resolvePort, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => reject(new Error(`registry did not start in 15s\n${stderr.join('')}`)),
      15_000,
    );
    lines.on('line', (line) => {
      const match = /"port":\s*(\d+)/.exec(line);
      if (line.includes('registry listening') && match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`registry exited with ${code} before listening\n${stderr.join('')}`));
    });
  }).catch((error: unknown) => {
    // A registry that failed to start must not outlive the test run.
    child.kill('SIGKILL');
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const host = `127.0.0.1:${port}`;
  return {
    url: `http://${host}`,
    host,
    dataDir,
    process: child,
    stop: async ({ keepData = false } = {}) => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

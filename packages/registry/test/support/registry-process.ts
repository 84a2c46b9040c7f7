import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type RunningS3Server, startS3Server } from './s3-server.js';

const here = fileURLToPath(new URL('.', import.meta.url));
/**
 * The blob storage registries started by tests use: `BERTH_TEST_STORAGE=s3` (set by the
 * `registry-s3` test project) runs them on an S3-protocol server instead of the filesystem.
 */
export const storageUnderTest: 'filesystem' | 's3' =
  process.env.BERTH_TEST_STORAGE === 's3' ? 's3' : 'filesystem';

/** The built entry point; `pnpm typecheck` (tsc -b) builds it before the tests run. */
export const REGISTRY_BIN = resolve(here, '../../dist/berth-registry.mjs');

export interface RunningRegistry {
  /** e.g. http://127.0.0.1:40123 */
  url: string;
  /** e.g. 127.0.0.1:40123, as used in image references */
  host: string;
  dataDir: string;
  process: ChildProcess;
  /** The S3-protocol server holding the blobs, when the registry runs on S3. */
  s3: RunningS3Server | undefined;
  /** Stops the process (SIGTERM) and waits for it; removes dataDir unless keepData. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface StartRegistryOptions {
  /** Reuse a data folder (e.g. to test a restart); a fresh temp folder otherwise. */
  dataDir?: string;
  /** Extra environment; REGISTRY_AUTH defaults to none. */
  env?: Record<string, string>;
  /** storageUnderTest unless given. With s3, an s3rver keeps its objects in `<dataDir>/s3` and lives as long as the registry. */
  storage?: 'filesystem' | 's3';
}

/** Starts the real registry process on 127.0.0.1 and a free port; resolves once it listens. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const s3 =
    (options.storage ?? storageUnderTest) === 's3'
      ? await startS3Server({ directory: join(dataDir, 's3') })
      : undefined;
  // Executed as a program, so it runs with the node flags of its first line, as in production.
  const child = spawn(REGISTRY_BIN, ['serve'], {
    env: {
      ...process.env,
      REGISTRY_AUTH: 'none',
      REGISTRY_HOST: '127.0.0.1',
      REGISTRY_PORT: '0',
      BERTH_DATA_DIR: dataDir,
      REGISTRY_DATABASE_URL: '',
      LOG_LEVEL: 'info',
      REGISTRY_ACCESS_LOG: 'false',
      ...s3?.registryEnv,
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
    void s3?.stop();
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  const host = `127.0.0.1:${port}`;
  return {
    url: `http://${host}`,
    host,
    dataDir,
    process: child,
    s3,
    stop: async ({ keepData = false } = {}) => {
      // A process killed by a signal keeps exitCode null: it has exited all the same.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await s3?.stop();
      if (!keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPOSITORY_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const ROOT_PASSWORD = 'e2e-root-password';

export interface StackAddress {
  /** The BFF: web UI, `/api/v4`, `/jwt/auth`. */
  webUrl: string;
  /** The registry as clients reach it: `host:port`. */
  registryHost: string;
  dataDir: string;
}

export interface RunningStack extends StackAddress {
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1 (the stack's services are told their ports up front). */
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

async function waitFor(what: string, check: () => Promise<boolean>, child: ChildProcess, output: string[]) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the stack exited (${child.exitCode}) before ${what}:\n${output.join('')}`);
    }
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within 60 s:\n${output.join('')}`);
}

/**
 * Starts the built stack the way `pnpm start` runs it (`scripts/start.mjs`: the BFF, then the registry
 * trusting its key), on free loopback ports with a fresh data folder; `stop` ends it and removes the folder.
 */
export async function startStack(): Promise<RunningStack> {
  const [bffPort, registryPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
  const registryHost = `127.0.0.1:${registryPort}`;
  const webUrl = `http://127.0.0.1:${bffPort}`;
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: REPOSITORY_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      BERTH_DATA_DIR: dataDir,
      BERTH_ROOT_PASSWORD: ROOT_PASSWORD,
      BFF_PORT: String(bffPort),
      REGISTRY_PORT: String(registryPort),
      REGISTRY_URL: `http://${registryHost}`,
      BERTH_EXTERNAL_REGISTRY_URL: registryHost,
      BERTH_EXTERNAL_URL: webUrl,
      LOG_LEVEL: 'warn',
      // The cleanup journey makes its policy due and waits for the scheduler's next tick.
      BFF_CLEANUP_INTERVAL_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitFor('the BFF answered', async () => (await fetch(`${webUrl}/-/health`)).ok, child, output);
    await waitFor(
      'the registry answered',
      async () => (await fetch(`http://${registryHost}/v2/`)).status === 401,
      child,
      output,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { webUrl, registryHost, dataDir, stop };
}

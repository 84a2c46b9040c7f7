import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface RunningCncfRegistry {
  url: string;
  host: string;
  dataDir: string;
  process: ChildProcess;
  /** SIGTERM and wait; removes a data folder it created unless keepData. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts the CNCF distribution registry 2.8 (`apt-get install docker-registry`) on
 * loopback, on a fresh data folder or the given one. Its upload state tokens are
 * signed with a fixed secret, so an upload survives a restart on the same folder.
 */
export async function startCncfRegistry(options: { dataDir?: string } = {}): Promise<RunningCncfRegistry> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cncf-registry-'));
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const configPath = join(dataDir, 'config.yml');
  writeFileSync(
    configPath,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dataDir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: berth-comparison-upload-state-secret',
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/v2/`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('docker-registry did not start in 15s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
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

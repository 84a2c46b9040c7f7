import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  BFF_SERVER,
  exists,
  freePort,
  occupyPort,
  REGISTRY_BIN,
  runCommand,
  stopAll,
  tempFolder,
} from './support/stack.js';

const folders: Array<{ remove(): void }> = [];
afterEach(() => stopAll());
afterAll(() => {
  for (const folder of folders) folder.remove();
});

function newFolder() {
  const folder = tempFolder('berth-start-');
  folders.push(folder);
  return folder;
}

/** Each service on its own, with the variables that name its port and database. */
const services = [
  {
    name: 'berth-bff',
    args: [BFF_SERVER],
    port: 'BFF_PORT',
    database: 'BFF_DATABASE_URL',
    ownFolder: 'bff',
    env: {},
  },
  {
    name: 'berth-registry',
    args: [REGISTRY_BIN, 'serve'],
    port: 'REGISTRY_PORT',
    database: 'REGISTRY_DATABASE_URL',
    ownFolder: 'registry',
    env: { REGISTRY_AUTH: 'none' },
  },
] as const;

/** The `Keep-Alive` header of one answer (fetch may hide hop-by-hop headers; node:http does not). */
function keepAliveAnnounced(port: string, path: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port: Number(port), path }, (res) => {
      res.resume();
      resolve(res.headers['keep-alive']);
    }).on('error', reject);
  });
}

async function failedStart(service: (typeof services)[number], env: Record<string, string>) {
  const run = runCommand(process.execPath, [...service.args], { ...service.env, ...env });
  const code = await run.exited;
  return { code, lines: run.stderr().trim().split('\n'), stdout: run.stdout() };
}

describe.each(services)('$name refuses to start, one line per problem, writing nothing', (service) => {
  it('names a bad setting and the value it got', async () => {
    const folder = newFolder();
    const result = await failedStart(service, {
      [service.port]: 'abc',
      LOG_LEVEL: 'loud',
      BERTH_DATA_DIR: folder.dataDir,
    });
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      `${service.name}: ${service.port} must be a port number 0-65535 (got "abc")`,
      `${service.name}: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")`,
    ]);
    expect(exists(folder.dataDir)).toBe(false);
  });

  it('says the port is in use instead of failing with a TypeError', async () => {
    const folder = newFolder();
    const taken = await occupyPort();
    try {
      const result = await failedStart(service, {
        [service.port]: String(taken.port),
        BERTH_DATA_DIR: folder.dataDir,
      });
      expect(result.code).toBe(1);
      expect(result.lines).toEqual([
        `${service.name}: ${service.port} ${taken.port} is already in use on 127.0.0.1: stop what listens there or choose another port`,
      ]);
      expect(exists(folder.dataDir)).toBe(false);
    } finally {
      taken.server.close();
    }
  });

  it('says the data folder cannot be used when it is a file', async () => {
    const folder = newFolder();
    const file = join(folder.path, 'not-a-folder');
    writeFileSync(file, 'x');
    const result = await failedStart(service, { [service.port]: '0', BERTH_DATA_DIR: file });
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      `${service.name}: BERTH_DATA_DIR ${file} cannot be used as the data folder: ${file} is not a folder`,
    ]);
  });

  it('says the database cannot be reached, without repeating its password', async () => {
    const folder = newFolder();
    const closedPort = await freePort();
    const result = await failedStart(service, {
      [service.port]: '0',
      BERTH_DATA_DIR: folder.dataDir,
      [service.database]: `postgres://berth:s3cret@127.0.0.1:${closedPort}/berth`,
    });
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      `${service.name}: ${service.database} names a database that cannot be reached: connect ECONNREFUSED 127.0.0.1:${closedPort}`,
    ]);
    expect(result.lines.join('\n') + result.stdout).not.toContain('s3cret');
    expect(exists(folder.dataDir)).toBe(false);
  });
});

describe('pnpm start', () => {
  async function stackEnv() {
    const folder = newFolder();
    return {
      folder,
      env: {
        BERTH_DATA_DIR: folder.dataDir,
        BFF_PORT: String(await freePort()),
        REGISTRY_PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
      },
    };
  }

  it('exits 1 with the service’s own line when a setting is bad, and creates nothing', async () => {
    const { folder, env } = await stackEnv();
    const run = runCommand('pnpm', ['start'], { ...env, BFF_PORT: 'abc' });
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('berth-bff: BFF_PORT must be a port number 0-65535 (got "abc")\n');
    expect(run.stderr()).toContain('berth: the BFF stopped (exit code 1); stopping the stack');
    expect(exists(folder.dataDir)).toBe(false);
  });

  it('leaves a bad registry port for the registry to name, not the BFF', async () => {
    const { env } = await stackEnv();
    const run = runCommand('pnpm', ['start'], { ...env, REGISTRY_PORT: 'abc' });
    expect(await run.exited).toBe(1);
    const problems = run
      .stderr()
      .split('\n')
      .filter((line) => /^berth-(bff|registry):/.test(line));
    expect(problems).toEqual(['berth-registry: REGISTRY_PORT must be a port number 0-65535 (got "abc")']);
  });

  it('exits 1 and stops the BFF when the registry cannot start', async () => {
    const { folder, env } = await stackEnv();
    const taken = await occupyPort();
    try {
      const run = runCommand('pnpm', ['start'], { ...env, REGISTRY_PORT: String(taken.port) });
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toContain(
        `berth-registry: REGISTRY_PORT ${taken.port} is already in use on 127.0.0.1: stop what listens there or choose another port\n`,
      );
      expect(run.stderr()).toContain('berth: the registry stopped (exit code 1); stopping the stack');
      // The BFF it had started is gone: its port answers no more.
      await expect(fetch(`http://127.0.0.1:${env.BFF_PORT}/-/health`)).rejects.toThrow();
      expect(exists(join(folder.dataDir, 'registry'))).toBe(false);
    } finally {
      taken.server.close();
    }
  });

  // Run as `pnpm start` runs it: pnpm itself ends with the signal on Ctrl-C, whatever its script does.
  it('serves both services, stops both on Ctrl-C with exit 0, and starts again without building', async () => {
    const { env } = await stackEnv();
    const first = runCommand(process.execPath, ['scripts/start.mjs'], env);
    await first.waitFor(/berth: up/);
    expect((await fetch(`http://127.0.0.1:${env.BFF_PORT}/-/health`)).status).toBe(200);
    const challenge = await fetch(`http://127.0.0.1:${env.REGISTRY_PORT}/v2/`);
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toContain(
      `realm="http://127.0.0.1:${env.BFF_PORT}/jwt/auth"`,
    );
    // Both keep idle connections longer than they announce, so clients close first (createKeepAliveServer).
    expect(await keepAliveAnnounced(env.BFF_PORT, '/-/health')).toBe('timeout=30');
    expect(await keepAliveAnnounced(env.REGISTRY_PORT, '/v2/')).toBe('timeout=30');
    first.interrupt();
    expect(await first.exited, first.stderr()).toBe(0);
    await expect(fetch(`http://127.0.0.1:${env.BFF_PORT}/-/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${env.REGISTRY_PORT}/v2/`)).rejects.toThrow();

    const second = runCommand(process.execPath, ['scripts/start.mjs'], env);
    await second.waitFor(/berth: up/);
    expect(first.stderr() + second.stderr()).not.toMatch(/building/);
    second.interrupt();
    expect(await second.exited, second.stderr()).toBe(0);
  });
});

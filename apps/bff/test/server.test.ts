import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

/** The built entry point, as `pnpm --filter @berth/bff start` runs it (tsc -b builds it before the tests). */
const SERVER = resolve(fileURLToPath(new URL('.', import.meta.url)), '../dist/src/server.js');

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      tokenIssuer: 'berth-token-service',
      logLevel: 'info',
      databaseUrl: undefined,
    });
    expect(config.registryUrl.toString()).toBe('http://127.0.0.1:5000/');
    expect(config.dataDir).toBe(resolve('./data'));
  });

  it('takes the external registry as host[:port] or as an http(s) URL, and refuses anything else', () => {
    const host = (value: string) => loadConfig({ BERTH_EXTERNAL_REGISTRY_URL: value }).externalRegistryHost;
    expect(loadConfig({}).externalRegistryHost).toBe('127.0.0.1:5000');
    expect(host('registry.example.com')).toBe('registry.example.com');
    expect(host('Registry.Example.com:5050')).toBe('registry.example.com:5050');
    expect(host('https://registry.example.com/')).toBe('registry.example.com');
    expect(host('http://127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(host('[::1]:5000')).toBe('[::1]:5000');
    for (const bad of [
      'ftp://r.example',
      'https://r.example/v2',
      'r.example/path',
      'r e.example',
      'u:p@r.example',
      '',
    ]) {
      expect(() => host(bad), bad).toThrow(/BERTH_EXTERNAL_REGISTRY_URL: must be a host\[:port\]/);
    }
  });

  it('names every bad variable at once', () => {
    const error = (() => {
      try {
        loadConfig({
          BFF_PORT: '99999',
          LOG_LEVEL: 'loud',
          BFF_DATABASE_URL: 'mysql://x',
          REGISTRY_URL: 'not a url',
        });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((problem) => problem.split(':')[0]);
    expect(problems.sort()).toEqual(['BFF_DATABASE_URL', 'BFF_PORT', 'LOG_LEVEL', 'REGISTRY_URL']);
  });
});

describe('the server process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bff-server-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  function start(env: Record<string, string>) {
    const child = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env.PATH ?? '', BFF_PORT: '0', BERTH_DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const stdout: string[] = [];
    const stderr: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const listening = new Promise<number>((resolvePort, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        stdout.push(line);
        if (line.includes('bff listening')) resolvePort(JSON.parse(line).port);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr.join('')}`)));
    });
    // A start that is meant to fail never listens; that rejection is expected, not unhandled.
    listening.catch(() => {});
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
    const stop = async () => {
      child.kill('SIGTERM');
      return exited;
    };
    return { child, stdout, stderr, listening, exited, stop };
  }

  it('stops at start-up with the list of bad variables', async () => {
    const server = start({ BFF_PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(await server.exited).toBe(1);
    expect(server.stderr.join('')).toMatch(/BFF_PORT[\s\S]*LOG_LEVEL/);
  });

  it('creates root with a generated password printed once, and the signing key with mode 0600', async () => {
    const first = start({});
    const port = await first.listening;
    const printed = first.stdout.join('\n');
    const password = /password: (\S+)/.exec(printed)?.[1];
    expect(password).toBeDefined();
    const oauth = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'root', password }),
    });
    expect(oauth.status).toBe(200);
    expect(statSync(join(dataDir, 'bff', 'token-signing-key.pem')).mode & 0o777).toBe(0o600);
    // Log lines never carry the password.
    expect(first.stdout.filter((line) => line.startsWith('{')).join('\n')).not.toContain(password);
    expect(await first.stop()).toBe(0);

    const second = start({});
    await second.listening;
    expect(second.stdout.join('\n')).not.toMatch(/password/);
    await second.stop();
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { REGISTRY_BIN } from '../support/registry-process.js';

describe('registry configuration', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ REGISTRY_AUTH_TOKEN_REALM: 'http://127.0.0.1:8080/jwt/auth' });
    expect(config.port).toBe(5000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.gc.reviewDelayMs).toBe(24 * 3600 * 1000);
    expect(config.auth).toMatchObject({
      mode: 'token',
      service: 'container_registry',
      issuer: 'berth-token-service',
      keys: { publicKeyFile: expect.stringMatching(/data\/bff\/token-signing-key\.pub\.pem$/) },
    });
  });

  it('parses durations and a PostgreSQL URL', () => {
    const config = loadConfig({
      REGISTRY_AUTH: 'none',
      GC_REVIEW_DELAY: '90s',
      GC_INTERVAL: '250ms',
      REGISTRY_DATABASE_URL: 'postgres://root@127.0.0.1/registry',
    });
    expect(config.gc.reviewDelayMs).toBe(90_000);
    expect(config.gc.intervalMs).toBe(250);
    expect(config.databaseUrl).toBe('postgres://root@127.0.0.1/registry');
    expect(config.auth).toEqual({ mode: 'none' });
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        REGISTRY_PORT: '70000',
        REGISTRY_AUTH: 'basic',
        REGISTRY_DATABASE_URL: 'mysql://x',
        GC_REVIEW_DELAY: 'soon',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const variable of ['REGISTRY_PORT', 'REGISTRY_AUTH', 'REGISTRY_DATABASE_URL', 'GC_REVIEW_DELAY']) {
      expect(problems).toContain(variable);
    }
  });

  it('requires a realm for token authentication', () => {
    expect(() => loadConfig({})).toThrow(/REGISTRY_AUTH_TOKEN_REALM/);
  });

  it('stops the process with the list of problems', () => {
    const result = spawnSync(process.execPath, [REGISTRY_BIN, 'serve'], {
      env: { PATH: process.env.PATH, REGISTRY_PORT: 'abc', REGISTRY_STORAGE: 'azure', REGISTRY_AUTH: 'none' },
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('invalid configuration');
    expect(result.stderr).toContain('REGISTRY_PORT');
    expect(result.stderr).toContain('REGISTRY_STORAGE');
  });
});

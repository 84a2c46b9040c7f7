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
    expect(config.idleTimeoutMs).toBe(120_000);
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
      REGISTRY_IDLE_TIMEOUT: '10m',
      REGISTRY_DATABASE_URL: 'postgres://root@127.0.0.1/registry',
    });
    expect(config.gc.reviewDelayMs).toBe(90_000);
    expect(config.idleTimeoutMs).toBe(600_000);
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
        // Announced as a quarter in whole seconds: below 4 s clients would be told 0.
        REGISTRY_IDLE_TIMEOUT: '3s',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const variable of [
      'REGISTRY_PORT',
      'REGISTRY_AUTH',
      'REGISTRY_DATABASE_URL',
      'GC_REVIEW_DELAY',
      'REGISTRY_IDLE_TIMEOUT',
    ]) {
      expect(problems).toContain(variable);
    }
  });

  it('defaults to filesystem storage and reads the S3 settings', () => {
    expect(loadConfig({ REGISTRY_AUTH: 'none' }).storage).toEqual({ driver: 'filesystem' });
    const config = loadConfig({
      REGISTRY_AUTH: 'none',
      REGISTRY_STORAGE: 's3',
      REGISTRY_S3_BUCKET: 'images',
      REGISTRY_S3_ENDPOINT: 'http://127.0.0.1:9000',
      REGISTRY_S3_ACCESS_KEY_ID: 'id',
      REGISTRY_S3_SECRET_ACCESS_KEY: 'secret',
      REGISTRY_S3_PATH_STYLE: 'true',
      REGISTRY_S3_REDIRECT: 'true',
      REGISTRY_S3_PART_SIZE: String(8 * 1024 * 1024),
    });
    expect(config.storage).toEqual({
      driver: 's3',
      s3: {
        bucket: 'images',
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:9000',
        credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
        pathStyle: true,
        partSize: 8 * 1024 * 1024,
        redirect: true,
      },
    });
    const onAws = loadConfig({ REGISTRY_AUTH: 'none', REGISTRY_STORAGE: 's3', REGISTRY_S3_BUCKET: 'images' });
    expect(onAws.storage).toMatchObject({
      s3: {
        endpoint: undefined,
        credentials: undefined,
        pathStyle: false,
        partSize: 10 * 1024 * 1024,
        redirect: false,
      },
    });
  });

  it('refuses S3 storage without a bucket, with half a key pair or with parts S3 would refuse', () => {
    let error: unknown;
    try {
      loadConfig({
        REGISTRY_AUTH: 'none',
        REGISTRY_STORAGE: 's3',
        REGISTRY_S3_ACCESS_KEY_ID: 'id',
        REGISTRY_S3_PART_SIZE: String(5 * 1024 * 1024 - 1),
        REGISTRY_S3_ENDPOINT: 'not a url',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const variable of [
      'REGISTRY_S3_BUCKET',
      'REGISTRY_S3_SECRET_ACCESS_KEY',
      'REGISTRY_S3_PART_SIZE',
      'REGISTRY_S3_ENDPOINT',
    ]) {
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
    expect(result.stderr.trim().split('\n')).toEqual([
      'berth-registry: REGISTRY_PORT must be a port number 0-65535 (got "abc")',
      'berth-registry: REGISTRY_STORAGE must be one of filesystem, s3 (got "azure")',
    ]);
  });
});

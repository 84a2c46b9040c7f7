import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { prepare } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';

const webRoot = mkdtempSync(join(tmpdir(), 'berth-web-'));
const dataDir = mkdtempSync(join(tmpdir(), 'berth-bff-spa-'));
let url: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Berth SPA</title>');
  mkdirSync(join(webRoot, 'assets'));
  writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log("app")');
  const config = loadConfig({
    BERTH_DATA_DIR: dataDir,
    BERTH_ROOT_PASSWORD: 'spa-root-password-1',
    LOG_LEVEL: 'silent',
  });
  const logger = pino({ level: 'silent' });
  const prepared = await prepare(config, logger);
  const { app, close } = createApp({
    config,
    db: prepared.database.db,
    logger,
    signingKey: prepared.signingKey,
    webRoot,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  stop = async () => {
    await new Promise((resolve) => server.close(resolve));
    await close();
    await prepared.database.close();
  };
});
afterAll(async () => {
  await stop?.();
  rmSync(webRoot, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the BFF serves the web app', () => {
  it('answers deep links with index.html and serves assets', async () => {
    for (const path of [
      '/',
      '/acme/shop/container_registry',
      '/groups/acme?sort=name',
      '/-/user_settings/personal_access_tokens',
      '/acme/shop/-/settings/packages_and_registries',
    ]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toContain('Berth SPA');
    }
    const asset = await fetch(`${url}/assets/app.js`);
    expect(await asset.text()).toBe('console.log("app")');
  });

  it('keeps API misses as JSON 404s, not the app', async () => {
    const response = await fetch(`${url}/api/v4/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${url}/jwt/nothing`)).headers.get('content-type')).toContain('application/json');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseTarget } from '@berth/sql/testing';
import pino, { type Logger } from 'pino';
import { createApp } from '../../src/app.js';
import { prepare } from '../../src/bootstrap.js';
import type { BackgroundJobs } from '../../src/cleanup/background-jobs.js';
import type { CleanupScheduler } from '../../src/cleanup/scheduler.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { RegistryClient } from '../../src/registry/registry-client.js';
import type { Services } from '../../src/services.js';

export const ROOT_PASSWORD = 'root-password-for-tests';

export interface RunningBff {
  url: string;
  config: Config;
  services: Services;
  scheduler: CleanupScheduler;
  jobs: BackgroundJobs;
  dataDir: string;
  stop(): Promise<void>;
}

/** What a test may bind to the BFF once its URL is known (the registry's token realm points at it). */
export interface BffStartOptions {
  registry?: (bff: { url: string; dataDir: string; config: Config }) => Promise<RegistryClient>;
  /** The time cleanups and the cleanup scheduler go by. */
  clock?: () => Date;
  logger?: Logger;
  /** The built SPA to serve, as `server.ts` does. */
  webRoot?: string;
}

/** The real app, in-process, on 127.0.0.1 and a free port, with a fresh database of the given dialect. */
export async function startBff(
  target: DatabaseTarget,
  env: Record<string, string> = {},
  options: BffStartOptions = {},
): Promise<RunningBff> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bff-'));
  const database = await target.create();
  const config = loadConfig({
    BERTH_DATA_DIR: dataDir,
    BERTH_ROOT_PASSWORD: ROOT_PASSWORD,
    BFF_PORT: '0',
    LOG_LEVEL: 'silent',
    ...(database.url && { BFF_DATABASE_URL: database.url }),
    ...env,
  });
  const logger = options.logger ?? pino({ level: 'silent' });
  const prepared = await prepare(config, logger);
  // Listen first, so a registry started with this URL as its token realm can be bound before the app.
  let handler: RequestListener = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const registry = options.registry ? await options.registry({ url, dataDir, config }) : undefined;
  const { app, services, scheduler, jobs, close } = createApp({
    config,
    db: prepared.database.db,
    logger,
    signingKey: prepared.signingKey,
    ...(registry ? { registry } : {}),
    ...(options.clock && { clock: options.clock }),
    ...(options.webRoot && { webRoot: options.webRoot }),
  });
  handler = app;
  return {
    url,
    config,
    services,
    scheduler,
    jobs,
    dataDir,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await close();
      await prepared.database.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** JSON answers in tests: their shape is what the assertions check. */
// biome-ignore lint/suspicious/noExplicitAny: answers are checked by the tests' assertions, not by types
type Json = any;

/** A small client for the API as scripts use it. */
export class Api {
  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  as(headers: Record<string, string>): Api {
    return new Api(this.baseUrl, headers);
  }

  withToken(token: string): Api {
    return this.as({ 'PRIVATE-TOKEN': token });
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json; headers: Headers }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...this.headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, body?: unknown) => this.request('POST', path, body ?? {});
  put = (path: string, body?: unknown) => this.request('PUT', path, body ?? {});
  delete = (path: string) => this.request('DELETE', path);

  /** Like `request`, but fails the test unless the status is the expected one. */
  async expect(status: number, method: string, path: string, body?: unknown): Promise<Json> {
    const response = await this.request(method, path, body);
    if (response.status !== status) {
      throw new Error(
        `${method} ${path}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`,
      );
    }
    return response.body;
  }
}

export interface World {
  root: Api;
  users: Record<string, { id: number; username: string; password: string; api: Api; token: string }>;
}

/** Creates users through the API, each with an `api` personal access token. */
export async function createUsers(bff: RunningBff, names: string[]): Promise<World> {
  const anonymous = new Api(`${bff.url}/api/v4`);
  const rootToken = await personalAccessToken(anonymous, 'root', ROOT_PASSWORD, ['api']);
  const root = anonymous.withToken(rootToken);
  const users: World['users'] = {};
  for (const name of names) {
    const password = `${name}-password-1`;
    const user = await root.expect(201, 'POST', '/users', {
      username: name,
      name,
      email: `${name}@example.com`,
      password,
    });
    const created = await root.expect(201, 'POST', `/users/${user.id}/personal_access_tokens`, {
      name: 'all',
      scopes: ['api'],
    });
    users[name] = {
      id: user.id,
      username: name,
      password,
      api: anonymous.withToken(created.token),
      token: created.token,
    };
  }
  return { root, users };
}

/** Signs in with a password through `/oauth/token` and mints a personal access token with the given scopes. */
export async function personalAccessToken(api: Api, username: string, password: string, scopes: string[]) {
  const oauth = await fetch(`${api.baseUrl.replace(/\/api\/v4$/, '')}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username, password }),
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  const bearer = api.as({ authorization: `Bearer ${oauth.access_token}` });
  const me = await bearer.expect(200, 'GET', '/user');
  const created = await bearer.expect(201, 'POST', `/users/${me.id}/personal_access_tokens`, {
    name: `t-${scopes.join('-')}`,
    scopes,
  });
  return created.token as string;
}

/** A public group with `guest`, `reporter`, `developer` and `maintainer` as members at those roles. */
export async function createRoleGroup(world: World, name: string, path: string): Promise<{ id: number }> {
  const group = await world.root.expect(201, 'POST', '/groups', { name, path, visibility: 'public' });
  for (const [role, level] of [
    ['guest', 10],
    ['reporter', 20],
    ['developer', 30],
    ['maintainer', 40],
  ] as const) {
    await world.root.expect(201, 'POST', `/groups/${group.id}/members`, {
      user_id: world.users[role]!.id,
      access_level: level,
    });
  }
  return group;
}

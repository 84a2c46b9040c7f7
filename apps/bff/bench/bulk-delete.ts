/**
 * BFF cleanup figures for `pnpm bench`, through the real stack: the registry process (SQLite,
 * filesystem, token auth) and the BFF in-process on SQLite.
 *
 *   - a bulk tag delete of 5,000 tags by regex: from the DELETE request to the last registry batch
 *     (target: under 5 s);
 *   - the rules engine on 10,000 tag names with the catastrophic pattern `(a+)+$` (linear time).
 *
 *   node apps/bff/dist/bench/bulk-delete.js [--tags N]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApp } from '../src/app.js';
import { prepare } from '../src/bootstrap.js';
import { loadConfig } from '../src/config.js';
import { compileTagRules, planTagCleanup } from '../src/domain/tag-rules.js';

const ROOT_PASSWORD = 'bench-root-password';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** apps/bff/bench/ one level under the package, apps/bff/dist/bench/ two: find the repository root. */
const repositoryRoot = (() => {
  for (const up of ['../../..', '../../../..']) {
    const dir = fileURLToPath(new URL(`${up}/`, import.meta.url));
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
  }
  throw new Error('cannot find the repository root');
})();
const REGISTRY_BIN = join(repositoryRoot, 'packages/registry/dist/berth-registry.mjs');

const log = (message: string) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject()));
    });
  });
}

async function startRegistry(port: number, dataDir: string, publicKeyFile: string, realm: string) {
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve'], {
    env: {
      ...process.env,
      REGISTRY_HOST: '127.0.0.1',
      REGISTRY_PORT: String(port),
      BERTH_DATA_DIR: dataDir,
      REGISTRY_DATABASE_URL: '',
      REGISTRY_AUTH: 'token',
      REGISTRY_AUTH_TOKEN_REALM: realm,
      REGISTRY_AUTH_TOKEN_PUBLIC_KEY_FILE: publicKeyFile,
      LOG_LEVEL: 'info',
      REGISTRY_ACCESS_LOG: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('registry did not start in 15 s')), 15_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('registry listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`registry exited with ${code}`)));
  });
  return {
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const digestOf = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A registry client with a token from the BFF's token service, as docker gets one. */
async function registryToken(bffUrl: string, repository: string): Promise<string> {
  const url = new URL('/jwt/auth', bffUrl);
  url.searchParams.set('service', 'container_registry');
  url.searchParams.set('scope', `repository:${repository}:pull,push`);
  const basic = Buffer.from(`root:${ROOT_PASSWORD}`).toString('base64');
  const response = await fetch(url, { headers: { authorization: `Basic ${basic}` } });
  return ((await response.json()) as { token: string }).token;
}

async function pushBlob(registryUrl: string, repository: string, token: string, data: Buffer) {
  const digest = digestOf(data);
  const auth = { authorization: `Bearer ${token}` };
  const started = await fetch(`${registryUrl}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers: auth,
  });
  const location = new URL(started.headers.get('location') ?? '', registryUrl);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/octet-stream' },
    body: data,
  });
  if (put.status !== 201) throw new Error(`blob push: ${put.status}`);
  return { digest, size: data.length };
}

/** One small image, then `tags` pointing at it, pushed on 8 connections. */
async function pushTags(bffUrl: string, registryUrl: string, repository: string, tags: string[]) {
  const token = await registryToken(bffUrl, repository);
  const config = await pushBlob(
    registryUrl,
    repository,
    token,
    Buffer.from('{"architecture":"amd64","os":"linux"}'),
  );
  const layer = await pushBlob(registryUrl, repository, token, Buffer.from('bench layer'));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    }),
  );
  let next = 0;
  const worker = async () => {
    while (next < tags.length) {
      const tag = tags[next++]!;
      const put = await fetch(`${registryUrl}/v2/${repository}/manifests/${tag}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': OCI_MANIFEST },
        body: manifest,
      });
      if (put.status !== 201) throw new Error(`tag ${tag}: ${put.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function tagCount(bffUrl: string, registryUrl: string, repository: string): Promise<number> {
  const token = await registryToken(bffUrl, repository);
  let count = 0;
  let next: string | undefined = `/v2/${repository}/tags/list?n=1000`;
  while (next) {
    const response = await fetch(new URL(next, registryUrl), {
      headers: { authorization: `Bearer ${token}` },
    });
    count += (((await response.json()) as { tags: string[] | null }).tags ?? []).length;
    next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
  }
  return count;
}

async function bulkDeleteFigure(tagTotal: number): Promise<{ ms: number; deleted: number; left: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-bff-'));
  const registryPort = await freePort();
  const config = loadConfig({
    BERTH_DATA_DIR: dataDir,
    BERTH_ROOT_PASSWORD: ROOT_PASSWORD,
    REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
    BFF_CLEANUP_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'silent',
  });
  const logger = pino({ level: 'silent' });
  const prepared = await prepare(config, logger);
  const { app, services, jobs, close } = createApp({
    config,
    db: prepared.database.db,
    logger,
    signingKey: prepared.signingKey,
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const address = server.address();
  const bffUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const registryUrl = `http://127.0.0.1:${registryPort}`;
  const registry = await startRegistry(
    registryPort,
    join(dataDir, 'registry'),
    join(dataDir, 'bff', 'token-signing-key.pub.pem'),
    `${bffUrl}/jwt/auth`,
  );
  try {
    const oauth = await fetch(`${bffUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username: 'root', password: ROOT_PASSWORD }),
    });
    const { access_token: accessToken } = (await oauth.json()) as { access_token: string };
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${bffUrl}/api/v4${path}`, {
        method,
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const group = await api('POST', '/groups', { name: 'Bench', path: 'bench' });
    const project = await api('POST', '/projects', { path: 'app', namespace_id: group.body.id });
    if (project.status !== 201) throw new Error(`project: ${JSON.stringify(project.body)}`);
    const repository = 'bench/app';
    log(`pushing ${tagTotal} tags and 100 others to keep…`);
    const doomed = Array.from({ length: tagTotal }, (_, i) => `build-${String(i).padStart(5, '0')}`);
    await pushTags(bffUrl, registryUrl, repository, [
      'latest',
      ...doomed,
      ...Array.from({ length: 100 }, (_, i) => `v1.${i}`),
    ]);
    const repositoryId = (await services.registry.getRepository(repository))?.id;
    log(`bulk delete of ${tagTotal} tags by regex…`);
    const started = performance.now();
    const response = await api(
      'DELETE',
      `/projects/${project.body.id}/registry/repositories/${repositoryId}/tags?name_regex_delete=${encodeURIComponent('build-.*')}`,
    );
    if (response.status !== 202)
      throw new Error(`bulk delete: ${response.status} ${JSON.stringify(response.body)}`);
    await jobs.drain();
    const ms = performance.now() - started;
    const left = await tagCount(bffUrl, registryUrl, repository);
    return { ms, deleted: tagTotal + 101 - left, left };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await close();
    await prepared.database.close();
    await registry.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The engine alone: median of 5 plans of 10,000 names against `(a+)+$`, none of which match. */
function catastrophicPatternFigure(): number {
  const now = new Date();
  const tags = Array.from({ length: 10_000 }, (_, i) => ({
    name: `${'a'.repeat(40 + (i % 50))}!`,
    publishedAt: new Date(now.getTime() - i * 1000).toISOString(),
  }));
  const rules = compileTagRules({
    nameRegexDelete: '(a+)+$',
    nameRegexKeep: null,
    keepN: null,
    olderThan: null,
  });
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    planTagCleanup(tags, rules, now);
    runs.push(performance.now() - started);
  }
  return runs.sort((a, b) => a - b)[2]!;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { tags: { type: 'string', default: '5000' } } });
  const tagTotal = Number(values.tags);
  const engineMs = catastrophicPatternFigure();
  const bulk = await bulkDeleteFigure(tagTotal);
  const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
  process.stdout.write(
    [
      '',
      '| BFF cleanup figure | value | target |',
      '| --- | --: | --- |',
      `| Bulk delete of ${tagTotal.toLocaleString('en')} tags by regex, request to last registry batch (ms) | ${fmt(bulk.ms)} | < 5,000 ${bulk.ms < 5000 ? '✓' : '✗'} |`,
      `| Rules engine, \`(a+)+$\` over 10,000 tag names, median of 5 (ms) | ${fmt(engineMs)} | linear time |`,
      '',
    ].join('\n'),
  );
  if (bulk.deleted !== tagTotal || bulk.left !== 101) {
    throw new Error(
      `bulk delete removed ${bulk.deleted} tags and left ${bulk.left}; expected ${tagTotal} and 101`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

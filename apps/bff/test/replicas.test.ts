import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createPostgresDatabase } from '@berth/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SERVER = resolve(fileURLToPath(new URL('.', import.meta.url)), '../dist/src/server.js');
const ROOT_PASSWORD = 'replica-root-password';
const adminUrl = process.env.BERTH_TEST_POSTGRES_URL;
if (!adminUrl)
  console.warn('\n*** SKIPPED: BFF replicas on one PostgreSQL — set BERTH_TEST_POSTGRES_URL ***\n');

interface Replica {
  url: string;
  child: ChildProcess;
  dataDir: string;
}

/** A BFF process with a data folder of its own on the shared database. */
async function startReplica(databaseUrl: string): Promise<Replica> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bff-replica-'));
  const child = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH ?? '',
      BFF_PORT: '0',
      BERTH_DATA_DIR: dataDir,
      BFF_DATABASE_URL: databaseUrl,
      BERTH_ROOT_PASSWORD: ROOT_PASSWORD,
      BFF_CLEANUP_INTERVAL_SECONDS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const port = await new Promise<number>((resolvePort, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('bff listening')) resolvePort(JSON.parse(line).port);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr.join('')}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, dataDir };
}

async function stopReplica(replica: Replica | undefined): Promise<void> {
  if (!replica) return;
  if (replica.child.exitCode === null) {
    const exited = new Promise((r) => replica.child.once('exit', r));
    replica.child.kill('SIGTERM');
    await exited;
  }
  rmSync(replica.dataDir, { recursive: true, force: true });
}

function signIn(replica: Replica, password: string): Promise<Response> {
  return fetch(`${replica.url}/api/v4/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'root', password }),
  });
}

describe.skipIf(!adminUrl)('two BFF processes on one PostgreSQL', () => {
  let database: { url: string; drop(): Promise<void> };
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    database = await createPostgresDatabase(adminUrl!);
    // Started at once: both migrate, both offer a signing key, one key wins.
    [a, b] = await Promise.all([startReplica(database.url), startReplica(database.url)]);
  }, 60_000);
  afterAll(async () => {
    await stopReplica(a);
    await stopReplica(b);
    await database?.drop();
  });

  it('signs tokens with one key, so a token from either verifies against the other', async () => {
    const keys = await Promise.all(
      [a, b].map(
        async (replica) =>
          ((await (await fetch(`${replica.url}/jwt/jwks`)).json()) as { keys: { kid: string }[] }).keys,
      ),
    );
    expect(keys[0]).toHaveLength(1);
    expect(keys[0]).toEqual(keys[1]);
    const basic = Buffer.from(`root:${ROOT_PASSWORD}`).toString('base64');
    const answer = await fetch(`${a.url}/jwt/auth?service=container_registry&scope=repository:root/x:pull`, {
      headers: { authorization: `Basic ${basic}` },
    });
    const { token } = (await answer.json()) as { token: string };
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string };
    expect(header.kid).toBe(keys[1]![0]!.kid);
  });

  it('serves a session created by one replica on the other, and ends it everywhere', async () => {
    const created = await signIn(a, ROOT_PASSWORD);
    expect(created.status).toBe(201);
    const cookie = created.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const onB = await fetch(`${b.url}/api/v4/session`, { headers: { cookie } });
    expect(onB.status).toBe(200);
    const { csrf_token } = (await onB.json()) as { csrf_token: string };
    const ended = await fetch(`${b.url}/api/v4/session`, {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': csrf_token },
    });
    expect(ended.status).toBeLessThan(300);
    expect((await fetch(`${a.url}/api/v4/session`, { headers: { cookie } })).status).toBe(401);
  });

  it('counts failed sign-ins across replicas: failures on one block the account on the other', async () => {
    // The account's free failures, spent alternately on both replicas.
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const answer = await signIn(attempt % 2 === 0 ? a : b, 'wrong-password');
      expect([401, 429]).toContain(answer.status);
    }
    const blocked = await signIn(b, ROOT_PASSWORD);
    expect(blocked.status).toBe(429);
    expect((await signIn(a, ROOT_PASSWORD)).status).toBe(429);
  });
});

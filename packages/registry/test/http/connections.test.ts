import { connect, type Socket } from 'node:net';
import { loadPg } from '@berth/sql';
import { createPostgresDatabase } from '@berth/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';

/** One keep-alive connection read by hand, so the test sees exactly when the registry closes it. */
class RawConnection {
  private received = '';
  private waiting: (() => void) | undefined;
  closedAt: number | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.received += chunk;
      this.waiting?.();
    });
    socket.on('end', () => {
      this.closedAt = Date.now();
      this.waiting?.();
    });
    socket.on('error', () => {});
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends `GET /v2/` and answers the response head, or undefined when the connection closed first. */
  async get(): Promise<string | undefined> {
    this.socket.write('GET /v2/ HTTP/1.1\r\nHost: registry\r\n\r\n');
    for (;;) {
      const end = this.received.indexOf('\r\n\r\n');
      // GET /v2/ answers `{}` with a Content-Length.
      const length = Number(/content-length: (\d+)/i.exec(this.received)?.[1] ?? Number.NaN);
      if (end !== -1 && this.received.length >= end + 4 + length) {
        const head = this.received.slice(0, end);
        this.received = this.received.slice(end + 4 + length);
        return head;
      }
      if (this.closedAt !== undefined) return undefined;
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }

  /** Resolves once the registry has closed the connection, or after `ms`. */
  async closed(ms: number): Promise<boolean> {
    if (this.closedAt === undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.closedAt !== undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

describe('idle keep-alive connections', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    // Announces 1 s (a quarter), closes idle connections after 6 s.
    registry = await startRegistry({ env: { REGISTRY_IDLE_TIMEOUT: '6s' } });
  });
  afterAll(() => registry?.stop());

  it('stays open well past the idle time it announces, so a client reusing it late still gets an answer', async () => {
    const connection = await RawConnection.open(Number(new URL(registry.url).port));
    try {
      const head = await connection.get();
      expect(head).toMatch(/^HTTP\/1\.1 200/);
      const announced = Number(/keep-alive: timeout=(\d+)/i.exec(head ?? '')?.[1]);
      expect(announced).toBe(1);
      // A client that honours the header closes by then; one running late (a busy event loop, a
      // timer on a coarse clock) sends a little after. The registry must still be listening: had
      // it closed at the announced time, the request would meet a closed socket and get no answer.
      expect(await connection.closed(announced * 1000 + 2000)).toBe(false);
      expect(await connection.get()).toMatch(/^HTTP\/1\.1 200/);
      // Idle connections are still closed in the end (after REGISTRY_IDLE_TIMEOUT).
      expect(await connection.closed(6000 + 5000)).toBe(true);
    } finally {
      connection.destroy();
    }
  }, 30_000);
});

const adminUrl = process.env.BERTH_TEST_POSTGRES_URL;
if (!adminUrl)
  console.warn(
    '\n*** SKIPPED: an internal error after a request body was read — set BERTH_TEST_POSTGRES_URL ***\n',
  );

describe.skipIf(!adminUrl)('a failure after the request body was read', () => {
  let database: { url: string; drop(): Promise<void> };
  let registry: RunningRegistry;
  const lines: string[] = [];
  beforeAll(async () => {
    database = await createPostgresDatabase(adminUrl!);
    registry = await startRegistry({ env: { REGISTRY_DATABASE_URL: database.url, GC_ENABLED: 'false' } });
    registry.process.stdout!.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n')));
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await database?.drop();
  });

  it('is answered with 500 and logged, not met by a closed connection', async () => {
    // The metadata database breaks under the registry: every write to a repository fails.
    const pg = new (loadPg().Client)({ connectionString: database.url });
    await pg.connect();
    try {
      await pg.query('ALTER TABLE repositories RENAME TO repositories_gone');
    } finally {
      await pg.end();
    }
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${'0'.repeat(64)}`,
        size: 2,
      },
      layers: [],
    });
    // The manifest is read in full before the database is asked: the request is complete when it fails.
    const response = await fetch(`${registry.url}/v2/broken/app/manifests/v1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    expect(response.status).toBe(500);
    const requestId = response.headers.get('x-request-id');
    const body = (await response.json()) as { errors: { code: string }[] };
    expect(body.errors[0]?.code).toBe('UNKNOWN');
    await expect
      .poll(() => lines.find((line) => line.includes('request failed') && line.includes(requestId ?? '?')))
      .toBeDefined();
  });
});

import { loadPg } from '@berth/sql';
import { createPostgresDatabase } from '@berth/sql/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../support/registry-process.js';

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

// Migration 0005 fills the kept sizes from the references a registry already stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '@berth/sql';
import { databaseTargets } from '@berth/sql/testing';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { registryMigrations } from '../../src/meta/migrations.js';
import { computeRepositorySizes } from '../../src/meta/repository-sizes.js';
import type { RegistryDatabase } from '../../src/meta/schema.js';

const tmp = mkdtempSync(join(tmpdir(), 'berth-sizes-migration-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const digest = (c: string) => `sha256:${c.repeat(64)}`;

describe.each(databaseTargets())('repository sizes migration on $dialect', (target) => {
  it('counts each linked blob a manifest references once, and no unreferenced or unlinked one', async () => {
    const created = await target.create();
    const database = openDatabase<RegistryDatabase>({
      url: created.url,
      sqlitePath: join(tmp, `${target.dialect}.db`),
    });
    try {
      const all = registryMigrations(database.dialect);
      const before = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0005'));
      await migrateToLatest(database.db as Kysely<unknown>, before);
      const { db } = database;
      const [a, b] = await db
        .insertInto('repositories')
        .values(['m/a', 'm/b'].map((name) => ({ name, created_at: 1, updated_at: 1 })))
        .returning('id')
        .execute();
      const sizes: Record<string, number> = { '1': 1000, '2': 300, '3': 70, '4': 5 };
      await db
        .insertInto('blobs')
        .values(Object.entries(sizes).map(([c, size]) => ({ digest: digest(c), size, created_at: 1 })))
        .execute();
      // a: 1, 2 and 4 linked; 3 referenced but not linked (unlinked by a blob DELETE); 4 never referenced.
      // b: 1 and 3 linked and referenced.
      await db
        .insertInto('repository_blobs')
        .values([
          ...['1', '2', '4'].map((c) => ({ repository_id: a!.id, digest: digest(c), created_at: 1 })),
          ...['1', '3'].map((c) => ({ repository_id: b!.id, digest: digest(c), created_at: 1 })),
        ])
        .execute();
      const manifest = async (repositoryId: number, name: string, blobs: string[]) => {
        const row = await db
          .insertInto('manifests')
          .values({
            repository_id: repositoryId,
            digest: digest(name),
            media_type: 'application/vnd.oci.image.manifest.v1+json',
            artifact_type: null,
            config_digest: null,
            config_media_type: null,
            subject_digest: null,
            annotations: null,
            payload: Buffer.from('{}'),
            size: 2,
            created_at: 1,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await db
          .insertInto('manifest_blobs')
          .values(blobs.map((c) => ({ manifest_id: row.id, digest: digest(c) })))
          .execute();
      };
      await manifest(a!.id, 'a', ['1', '2']);
      await manifest(a!.id, 'b', ['1', '3']);
      await manifest(b!.id, 'c', ['1', '3']);

      await migrateToLatest(database.db as Kysely<unknown>, all);

      const kept = await db.selectFrom('repositories').select(['id', 'size_bytes']).orderBy('id').execute();
      expect(kept.map((row) => Number(row.size_bytes))).toEqual([1300, 1070]);
      expect(new Map(kept.map((row) => [row.id, Number(row.size_bytes)]))).toEqual(
        await computeRepositorySizes(db, [a!.id, b!.id]),
      );
      const counts = await db
        .selectFrom('repository_blobs')
        .select(['repository_id', 'digest', 'manifest_count'])
        .where('repository_id', '=', a!.id)
        .orderBy('digest')
        .execute();
      expect(counts.map((row) => Number(row.manifest_count))).toEqual([2, 1, 0]);
    } finally {
      await database.close();
      await created.drop();
    }
  });
});

import { join } from 'node:path';
import { migrateToLatest, openDatabase, type SqlDatabase } from '@berth/sql';
import type { DatabaseTarget } from '@berth/sql/testing';
import type { Kysely } from 'kysely';
import { registryMigrations } from '../../src/meta/migrations.js';
import type { RegistryDatabase } from '../../src/meta/schema.js';

/** A fresh, migrated registry database on `target` (SQLite files go in `dir`); `dispose` closes and drops it. */
export async function openTestRegistryDatabase(
  target: DatabaseTarget,
  dir: string,
): Promise<{ database: SqlDatabase<RegistryDatabase>; dispose: () => Promise<void> }> {
  const created = await target.create();
  const database = openDatabase<RegistryDatabase>({
    url: created.url,
    sqlitePath: join(dir, `${target.dialect}.db`),
  });
  await migrateToLatest(database.db as Kysely<unknown>, registryMigrations(database.dialect));
  return {
    database,
    dispose: async () => {
      await database.close();
      await created.drop();
    },
  };
}

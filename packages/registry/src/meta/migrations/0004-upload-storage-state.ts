import type { Kysely, Migration } from 'kysely';

/** What the storage driver needs to continue an upload (S3 parts and staged chunks), kept with its row. */
export function uploadStorageStateMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('uploads').addColumn('storage_state', 'text').execute();
    },
  };
}

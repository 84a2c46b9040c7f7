import type { Migration } from 'kysely';
import { type Kysely, sql } from 'kysely';

/**
 * Kept sizes: `repository_blobs.manifest_count` (how many of the repository's manifests
 * reference the linked blob) and `repositories.size_bytes` (the sum over its links with a
 * count above zero), backfilled from the references already stored.
 */
export function repositorySizesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('repository_blobs')
        .addColumn('manifest_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('repositories')
        .addColumn('size_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`
        update repository_blobs set manifest_count = (
          select count(*) from manifest_blobs mb join manifests m on m.id = mb.manifest_id
          where m.repository_id = repository_blobs.repository_id and mb.digest = repository_blobs.digest
        )`.execute(db);
      await sql`
        update repositories set size_bytes = coalesce((
          select sum(b.size) from repository_blobs rb join blobs b on b.digest = rb.digest
          where rb.repository_id = repositories.id and rb.manifest_count > 0
        ), 0)`.execute(db);
    },
  };
}

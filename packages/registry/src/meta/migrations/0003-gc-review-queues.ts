import type { Dialect } from '@berth/sql';
import type { Kysely, Migration } from 'kysely';
import { dialectColumns } from './dialect-columns.js';

/**
 * Review queues of online garbage collection (GitLab's model): writes that may
 * leave a manifest or blob unreferenced queue it for review after a delay.
 */
export function gcReviewQueuesMigration(dialect: Dialect): Migration {
  const { idType } = dialectColumns(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('gc_manifest_review_queue')
        .addColumn('manifest_id', idType, (c) =>
          c.primaryKey().references('manifests.id').onDelete('cascade'),
        )
        .addColumn('review_after', 'bigint', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('gc_manifest_review_due')
        .on('gc_manifest_review_queue')
        .column('review_after')
        .execute();
      // No foreign key: a review must outlive the blob row so bytes left by a crash are still found.
      await db.schema
        .createTable('gc_blob_review_queue')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('review_after', 'bigint', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('gc_blob_review_due')
        .on('gc_blob_review_queue')
        .column('review_after')
        .execute();
      await db.schema.createIndex('uploads_updated').on('uploads').column('updated_at').execute();
    },
  };
}

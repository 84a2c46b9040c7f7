import type { Kysely, Transaction } from 'kysely';
import type { GcEvent, RegistryDatabase } from './schema.js';

type Db = Kysely<RegistryDatabase> | Transaction<RegistryDatabase>;

/** Queues manifests for review; a review already queued is postponed to the later time. */
export async function queueManifestReviews(
  db: Db,
  manifestIds: number[],
  event: GcEvent,
  reviewAfter: number,
) {
  const unique = [...new Set(manifestIds)];
  if (unique.length === 0) return;
  await db
    .insertInto('gc_manifest_review_queue')
    .values(unique.map((manifest_id) => ({ manifest_id, review_after: reviewAfter, event })))
    .onConflict((conflict) =>
      conflict.column('manifest_id').doUpdateSet((eb) => ({
        review_after: eb.ref('excluded.review_after'),
        event: eb.ref('excluded.event'),
      })),
    )
    .execute();
}

export async function queueBlobReviews(db: Db, digests: string[], event: GcEvent, reviewAfter: number) {
  const unique = [...new Set(digests)];
  if (unique.length === 0) return;
  await db
    .insertInto('gc_blob_review_queue')
    .values(unique.map((digest) => ({ digest, review_after: reviewAfter, event })))
    .onConflict((conflict) =>
      conflict.column('digest').doUpdateSet((eb) => ({
        review_after: eb.ref('excluded.review_after'),
        event: eb.ref('excluded.event'),
      })),
    )
    .execute();
}

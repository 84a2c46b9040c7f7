import type { Dialect } from '@berth/sql';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { parseDigest } from '../core/digest.js';
import type { DigestLocks } from '../core/keyed-mutex.js';
import { blobKey, uploadKey } from '../core/storage-keys.js';
import { removeManifest } from '../meta/metadata-store.js';
import { lockRepository } from '../meta/repository-sizes.js';
import type { RegistryDatabase } from '../meta/schema.js';
import type { StorageDriver } from '../storage/driver.js';

export interface GarbageCollectorDeps {
  db: Kysely<RegistryDatabase>;
  dialect: Dialect;
  storage: StorageDriver;
  /** Shared with the registry's blob commits (see DigestLocks). */
  digestLocks: DigestLocks;
  logger: Logger;
  reviewDelayMs: number;
  uploadPurgeAgeMs: number;
  clock?: () => number;
}

export interface GcPassResult {
  manifestsDeleted: number;
  blobsDeleted: number;
  bytesFreed: number;
  uploadsPurged: number;
}

/** Reviews taken per pass, so one pass never holds the worker for long. */
const BATCH = 200;

/**
 * Online garbage collection, modelled on GitLab's metadata-database registry:
 * writes queue reviews (see meta/gc-queues.ts); a due review re-checks every
 * reference inside one transaction and deletes only what is still unreferenced.
 * Nothing stops the world: pushes and pulls go on during a pass.
 */
export class GarbageCollector {
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly deps: GarbageCollectorDeps) {
    this.now = deps.clock ?? Date.now;
  }

  /** Runs passes every `intervalMs` until stopped; a pass that fails is logged and retried next time. */
  start(intervalMs: number): void {
    const tick = () => {
      this.running = this.runOnce()
        .then((result) => {
          if (result.manifestsDeleted + result.blobsDeleted + result.uploadsPurged > 0) {
            this.deps.logger.info(result, 'garbage collection pass');
          }
        })
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'garbage collection pass failed'))
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, intervalMs).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Works through every due review (manifests first: deleting one queues its blobs), then stale uploads. */
  async runOnce(): Promise<GcPassResult> {
    const result: GcPassResult = { manifestsDeleted: 0, blobsDeleted: 0, bytesFreed: 0, uploadsPurged: 0 };
    for (;;) {
      const due = await this.deps.db
        .selectFrom('gc_manifest_review_queue')
        .select('manifest_id')
        .where('review_after', '<=', this.now())
        .orderBy('review_after')
        .limit(BATCH)
        .execute();
      for (const { manifest_id } of due) {
        if (await this.reviewManifest(manifest_id)) result.manifestsDeleted += 1;
      }
      if (due.length < BATCH) break;
    }
    for (;;) {
      const due = await this.deps.db
        .selectFrom('gc_blob_review_queue')
        .select('digest')
        .where('review_after', '<=', this.now())
        .orderBy('review_after')
        .limit(BATCH)
        .execute();
      for (const { digest } of due) {
        const freed = await this.reviewBlob(digest);
        if (freed !== undefined) {
          result.blobsDeleted += 1;
          result.bytesFreed += freed;
        }
      }
      if (due.length < BATCH) break;
    }
    result.uploadsPurged = await this.purgeAbandonedUploads();
    return result;
  }

  /** Deletes the manifest when nothing references it any more; true when it went. */
  private async reviewManifest(manifestId: number): Promise<boolean> {
    const now = this.now();
    return this.deps.db.transaction().execute(async (trx) => {
      // The repository's lock comes first, as in every write that changes its size.
      const owner = await trx
        .selectFrom('manifests')
        .select('repository_id')
        .where('id', '=', manifestId)
        .executeTakeFirst();
      if (owner) await lockRepository(trx, this.deps.dialect, owner.repository_id);
      // Postponed meanwhile, or taken by another worker or replica.
      const claimed = await this.claim(trx, 'gc_manifest_review_queue', 'manifest_id', manifestId, now);
      if (!claimed) return false;
      let query = trx
        .selectFrom('manifests')
        .select(['id', 'repository_id', 'digest', 'subject_digest'])
        .where('id', '=', manifestId);
      if (this.deps.dialect === 'postgres') query = query.forUpdate();
      const manifest = await query.executeTakeFirst();
      if (!manifest || (await isManifestReferenced(trx, manifest))) return false;
      await removeManifest(
        trx,
        { id: manifest.id, repositoryId: manifest.repository_id, digest: manifest.digest },
        now + this.deps.reviewDelayMs,
      );
      return true;
    });
  }

  /** Deletes the blob's metadata and bytes when no manifest references it; the bytes freed, or undefined. */
  private async reviewBlob(digest: string): Promise<number | undefined> {
    return this.deps.digestLocks.run(digest, async () => {
      const now = this.now();
      const deleted = await this.deps.db.transaction().execute(async (trx) => {
        const claimed = await this.claim(trx, 'gc_blob_review_queue', 'digest', digest, now);
        if (!claimed) return undefined;
        let query = trx.selectFrom('blobs').select('size').where('digest', '=', digest);
        if (this.deps.dialect === 'postgres') query = query.forUpdate();
        const blob = await query.executeTakeFirst();
        const referenced = await trx
          .selectFrom('manifest_blobs')
          .select('manifest_id')
          .where('digest', '=', digest)
          .limit(1)
          .executeTakeFirst();
        if (referenced) return undefined;
        await trx.deleteFrom('repository_blobs').where('digest', '=', digest).execute();
        await trx.deleteFrom('blobs').where('digest', '=', digest).execute();
        // Without a row the bytes may still be there (a crash after an earlier delete): remove them too.
        return blob?.size ?? 0;
      });
      if (deleted === undefined) return undefined;
      await this.deps.storage.delete(blobKey(parseDigest(digest)));
      return deleted;
    });
  }

  /**
   * Takes a due review for this transaction: on PostgreSQL the row is locked with SKIP LOCKED, so
   * a review another replica is working on is passed over rather than waited for, and deleted, so
   * once that transaction commits no one processes it again. False when the review was postponed
   * meanwhile, or is taken or done by another worker.
   */
  private async claim(
    trx: Transaction<RegistryDatabase>,
    queue: 'gc_manifest_review_queue' | 'gc_blob_review_queue',
    column: 'manifest_id' | 'digest',
    key: number | string,
    now: number,
  ): Promise<boolean> {
    const due = sql`${sql.ref(column)} = ${key} AND review_after <= ${now}`;
    if (this.deps.dialect === 'postgres') {
      const { rows } =
        await sql`SELECT 1 FROM ${sql.table(queue)} WHERE ${due} FOR UPDATE SKIP LOCKED`.execute(trx);
      if (rows.length === 0) return false;
    }
    const claimed = await sql`DELETE FROM ${sql.table(queue)} WHERE ${due}`.execute(trx);
    return (claimed.numAffectedRows ?? 0n) > 0n;
  }

  private async purgeAbandonedUploads(): Promise<number> {
    const stale = await this.deps.db
      .selectFrom('uploads')
      .select('id')
      .where('updated_at', '<', this.now() - this.deps.uploadPurgeAgeMs)
      .limit(BATCH)
      .execute();
    let purged = 0;
    for (const { id } of stale) {
      // Another replica may purge the same upload at once, or the client may have resumed it: only
      // the one whose delete matched the stale row removes the bytes.
      const claimed = await this.deps.db
        .deleteFrom('uploads')
        .where('id', '=', id)
        .where('updated_at', '<', this.now() - this.deps.uploadPurgeAgeMs)
        .executeTakeFirst();
      if (claimed.numDeletedRows === 0n) continue;
      await this.deps.storage.delete(uploadKey(id));
      purged += 1;
    }
    return purged;
  }
}

/** Tagged, a child of an index, or a referrer whose subject is still in the repository. */
async function isManifestReferenced(
  trx: Transaction<RegistryDatabase>,
  manifest: { id: number; repository_id: number; subject_digest: string | null },
): Promise<boolean> {
  const tagged = await trx
    .selectFrom('tags')
    .select('id')
    .where('manifest_id', '=', manifest.id)
    .limit(1)
    .executeTakeFirst();
  if (tagged) return true;
  const parent = await trx
    .selectFrom('manifest_children')
    .select('parent_id')
    .where('child_id', '=', manifest.id)
    .limit(1)
    .executeTakeFirst();
  if (parent) return true;
  if (manifest.subject_digest === null) return false;
  const subject = await trx
    .selectFrom('manifests')
    .select('id')
    .where('repository_id', '=', manifest.repository_id)
    .where('digest', '=', manifest.subject_digest)
    .executeTakeFirst();
  return subject !== undefined;
}

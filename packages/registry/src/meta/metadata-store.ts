import { type Dialect, prepareColumnQuery, prepareQuery, type SqlDatabase } from '@berth/sql';
import { type Kysely, type SelectQueryBuilder, sql, type Transaction } from 'kysely';
import { queueBlobReviews, queueManifestReviews } from './gc-queues.js';
import { atOrUnder, chunks } from './listings.js';
import { countDeletedLink, countManifestBlobs, countNewLink, lockRepository } from './repository-sizes.js';
import type { RegistryDatabase } from './schema.js';

export type ManifestReference = { tag: string } | { digest: string };

export interface StoredManifest {
  id: number;
  digest: string;
  mediaType: string;
  payload: Uint8Array;
  size: number;
}

export interface ManifestRecord {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  configDigest: string | null;
  configMediaType: string | null;
  subjectDigest: string | null;
  annotations: Record<string, string> | null;
  payload: Uint8Array;
  /** Blobs (config and layers) the manifest references; each must be linked to the repository. */
  blobDigests: string[];
  /** Manifests an index references; each must already be in the repository. */
  children: { digest: string; platform: string | null }[];
}

export type PutManifestResult =
  | { ok: true }
  | { ok: false; missingBlobs: string[]; missingManifests: string[] };

export interface Upload {
  id: string;
  repositoryId: number;
  repositoryName: string;
  /** Bytes acknowledged so far. */
  size: number;
  /** The storage driver's own record of the upload (its UploadState.detail). */
  storageState: string | null;
}

export interface Referrer {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  annotations: Record<string, string> | null;
  size: number;
}

type Db = Kysely<RegistryDatabase> | Transaction<RegistryDatabase>;

export interface Move {
  id: number;
  from: string;
  to: string;
}

export type RenamePlan =
  | { ok: true; moves: Move[] }
  | { ok: false; reason: 'unknown' }
  | { ok: false; reason: 'invalid'; invalid: Move[] }
  | { ok: false; reason: 'taken'; taken: string[] };

export interface MetadataStoreOptions {
  /** How long garbage collection waits before reviewing what a write may have left unreferenced. */
  reviewDelayMs: number;
}

/**
 * Every registry write and the reads behind `/v2/` (the `/berth/v1/` listings are in
 * listings.ts). Callers pass `now` (ms) so tests control time, and a write that must see a
 * consistent picture runs in one transaction.
 */
export class MetadataStore {
  private readonly dialect: Dialect;
  private readonly reviewDelayMs: number;
  /** The reads behind pulls and listings, compiled once (see prepareQuery). */
  private readonly reads;

  private readonly db: Kysely<RegistryDatabase>;

  constructor(database: SqlDatabase<RegistryDatabase>, options: MetadataStoreOptions) {
    this.db = database.db;
    this.dialect = database.dialect;
    this.reviewDelayMs = options.reviewDelayMs;
    this.reads = prepareReads(database);
  }

  /** Rows a write relies on stay put until it commits (PostgreSQL). */
  private shareLock(): RowLock {
    return this.dialect === 'postgres' ? (query) => query.forShare() : noLock;
  }

  private updateLock(): RowLock {
    return this.dialect === 'postgres' ? (query) => query.forUpdate() : noLock;
  }

  async findRepositoryId(name: string): Promise<number | undefined> {
    return (await this.reads.repositoryId(name))[0]?.id;
  }

  /** The repository's id, creating it on first use; safe when two pushes race to create it. */
  async ensureRepository(name: string, now: number): Promise<number> {
    const existing = await this.findRepositoryId(name);
    if (existing !== undefined) return existing;
    await this.db
      .insertInto('repositories')
      .values({ name, created_at: now, updated_at: now })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    const created = await this.findRepositoryId(name);
    if (created === undefined) throw new Error(`repository ${name} vanished while being created`);
    return created;
  }

  // ---- blobs ----

  /** The blob's size when it is linked to the repository. */
  async findRepositoryBlob(repositoryName: string, digest: string): Promise<{ size: number } | undefined> {
    return (await this.reads.repositoryBlob(repositoryName, digest))[0];
  }

  async findBlob(digest: string): Promise<{ size: number } | undefined> {
    return this.db.selectFrom('blobs').select('size').where('digest', '=', digest).executeTakeFirst();
  }

  /** Records the blob (once) and links it to the repository (once). */
  async linkBlob(repositoryId: number, digest: string, size: number, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await lockRepository(trx, this.dialect, repositoryId);
      await trx
        .insertInto('blobs')
        .values({ digest, size, created_at: now })
        .onConflict((conflict) => conflict.column('digest').doNothing())
        .execute();
      const linked = await trx
        .insertInto('repository_blobs')
        .values({ repository_id: repositoryId, digest, created_at: now })
        .onConflict((conflict) => conflict.columns(['repository_id', 'digest']).doNothing())
        .returning('digest')
        .executeTakeFirst();
      if (linked) await countNewLink(trx, repositoryId, digest);
      // Kept only if a manifest references it by the time the review is due.
      await queueBlobReviews(trx, [digest], 'blob_upload', now + this.reviewDelayMs);
      await touchRepository(trx, repositoryId, now);
    });
  }

  async unlinkBlob(repositoryId: number, digest: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await lockRepository(trx, this.dialect, repositoryId);
      const unlinked = await trx
        .deleteFrom('repository_blobs')
        .where('repository_id', '=', repositoryId)
        .where('digest', '=', digest)
        .returning('manifest_count')
        .executeTakeFirst();
      if (!unlinked) return false;
      await countDeletedLink(trx, repositoryId, digest, Number(unlinked.manifest_count));
      await queueBlobReviews(trx, [digest], 'blob_delete', now + this.reviewDelayMs);
      return true;
    });
  }

  // ---- uploads ----

  async createUpload(
    id: string,
    repositoryId: number,
    state: Pick<Upload, 'size' | 'storageState'>,
    now: number,
  ): Promise<void> {
    await this.db
      .insertInto('uploads')
      .values({
        id,
        repository_id: repositoryId,
        size: state.size,
        storage_state: state.storageState,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  async findUpload(id: string): Promise<Upload | undefined> {
    const row = await this.db
      .selectFrom('uploads as u')
      .innerJoin('repositories as r', 'r.id', 'u.repository_id')
      .select(['u.id', 'u.repository_id', 'r.name', 'u.size', 'u.storage_state'])
      .where('u.id', '=', id)
      .executeTakeFirst();
    return (
      row && {
        id: row.id,
        repositoryId: row.repository_id,
        repositoryName: row.name,
        size: row.size,
        storageState: row.storage_state,
      }
    );
  }

  async setUploadState(id: string, state: Pick<Upload, 'size' | 'storageState'>, now: number): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ size: state.size, storage_state: state.storageState, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  async deleteUpload(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }

  // ---- manifests and tags ----

  async findManifest(
    repositoryName: string,
    reference: ManifestReference,
  ): Promise<StoredManifest | undefined> {
    const [row] = await ('tag' in reference
      ? this.reads.manifestByTag(repositoryName, reference.tag)
      : this.reads.manifestByDigest(repositoryName, reference.digest));
    return (
      row && {
        id: row.id,
        digest: row.digest,
        mediaType: row.media_type,
        payload: row.payload,
        size: row.size,
      }
    );
  }

  /**
   * Stores the manifest (once per repository) and points `tag` at it, checking
   * inside the same transaction that everything it references is in the repository.
   */
  async putManifest(
    repositoryId: number,
    manifest: ManifestRecord,
    tag: string | undefined,
    now: number,
  ): Promise<PutManifestResult> {
    return this.db.transaction().execute(async (trx) => {
      await lockRepository(trx, this.dialect, repositoryId);
      const lock = this.shareLock();
      // Lock order matters on PostgreSQL: the repository (see repository-sizes.ts), then blob rows,
      // as garbage collection takes them, so the two never deadlock.
      if (manifest.blobDigests.length > 0) {
        await lock(
          trx.selectFrom('blobs').select('digest').where('digest', 'in', manifest.blobDigests),
        ).execute();
      }
      const missingBlobs = await findMissingBlobs(trx, repositoryId, manifest.blobDigests, lock);
      const childIds = await findManifestIds(
        trx,
        repositoryId,
        manifest.children.map((child) => child.digest),
        lock,
      );
      const missingManifests = manifest.children
        .map((c) => c.digest)
        .filter((digest) => !childIds.has(digest));
      if (missingBlobs.length > 0 || missingManifests.length > 0)
        return { ok: false, missingBlobs, missingManifests };

      const reviewAfter = now + this.reviewDelayMs;
      let manifestId = (await findManifestIds(trx, repositoryId, [manifest.digest], lock)).get(
        manifest.digest,
      );
      if (manifestId === undefined) {
        const inserted = await trx
          .insertInto('manifests')
          .values({
            repository_id: repositoryId,
            digest: manifest.digest,
            media_type: manifest.mediaType,
            artifact_type: manifest.artifactType,
            config_digest: manifest.configDigest,
            config_media_type: manifest.configMediaType,
            subject_digest: manifest.subjectDigest,
            annotations: manifest.annotations ? JSON.stringify(manifest.annotations) : null,
            payload: manifest.payload,
            size: manifest.payload.length,
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        manifestId = inserted.id;
        const blobDigests = [...new Set(manifest.blobDigests)];
        const blobRows = blobDigests.map((digest) => ({ manifest_id: manifestId!, digest }));
        if (blobRows.length > 0) await trx.insertInto('manifest_blobs').values(blobRows).execute();
        await countManifestBlobs(trx, repositoryId, blobDigests, 1);
        const seenChildren = new Set<number>();
        const childRows = manifest.children.flatMap((child) => {
          const childId = childIds.get(child.digest)!;
          if (seenChildren.has(childId)) return [];
          seenChildren.add(childId);
          return [{ parent_id: manifestId!, child_id: childId, platform: child.platform }];
        });
        if (childRows.length > 0) await trx.insertInto('manifest_children').values(childRows).execute();
        // An untagged manifest (an index child, a referrer) is kept only if something references it by then.
        if (tag === undefined) await queueManifestReviews(trx, [manifestId], 'manifest_upload', reviewAfter);
      }
      if (tag !== undefined) {
        const previous = await trx
          .selectFrom('tags')
          .select('manifest_id')
          .where('repository_id', '=', repositoryId)
          .where('name', '=', tag)
          .executeTakeFirst();
        if (previous && previous.manifest_id !== manifestId) {
          await queueManifestReviews(trx, [previous.manifest_id], 'tag_switch', reviewAfter);
        }
        await trx
          .insertInto('tags')
          .values({
            repository_id: repositoryId,
            name: tag,
            manifest_id: manifestId,
            created_at: now,
            updated_at: now,
            published_at: now,
          })
          .onConflict((conflict) =>
            conflict
              .columns(['repository_id', 'name'])
              .doUpdateSet({ manifest_id: manifestId, updated_at: now, published_at: now }),
          )
          .execute();
      }
      await touchRepository(trx, repositoryId, now);
      return { ok: true };
    });
  }

  /** Deletes the manifest and every tag on it, unless an index in the repository still references it. */
  async deleteManifest(
    repositoryId: number,
    digest: string,
    now: number,
  ): Promise<'deleted' | 'not-found' | 'referenced'> {
    return this.db.transaction().execute(async (trx) => {
      await lockRepository(trx, this.dialect, repositoryId);
      const manifestId = (await findManifestIds(trx, repositoryId, [digest], this.updateLock())).get(digest);
      if (manifestId === undefined) return 'not-found';
      const parent = await trx
        .selectFrom('manifest_children')
        .select('parent_id')
        .where('child_id', '=', manifestId)
        .executeTakeFirst();
      if (parent) return 'referenced';
      await trx.deleteFrom('tags').where('manifest_id', '=', manifestId).execute();
      await removeManifest(trx, { id: manifestId, repositoryId, digest }, now + this.reviewDelayMs);
      return 'deleted';
    });
  }

  /**
   * Deletes the named tags (of `/v2/` and of the bulk delete) and answers those that existed; the
   * manifests they pointed at are queued for garbage-collection review.
   */
  async deleteTags(repositoryId: number, names: string[], now: number): Promise<Set<string>> {
    const deleted = new Set<string>();
    await this.db.transaction().execute(async (trx) => {
      for (const chunk of chunks(names)) {
        const rows = await trx
          .deleteFrom('tags')
          .where('repository_id', '=', repositoryId)
          .where('name', 'in', chunk)
          .returning(['name', 'manifest_id'])
          .execute();
        for (const row of rows) deleted.add(row.name);
        await queueManifestReviews(
          trx,
          rows.map((row) => row.manifest_id),
          'tag_delete',
          now + this.reviewDelayMs,
        );
      }
    });
    return deleted;
  }

  // ---- repositories ----

  /**
   * Deletes a repository with its tags, manifests, links and uploads in one transaction and
   * answers the ids of the uploads it had, whose files the caller removes. Every blob it linked
   * is queued for review, so GC frees the bytes no other repository references.
   */
  async deleteRepository(repositoryId: number, now: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      await lockRepository(trx, this.dialect, repositoryId);
      // Manifests reference only blobs linked to their repository, so the links are every blob.
      const linked = await trx
        .selectFrom('repository_blobs')
        .select('digest')
        .where('repository_id', '=', repositoryId)
        .execute();
      for (const chunk of chunks(linked.map((row) => row.digest))) {
        await queueBlobReviews(trx, chunk, 'repository_delete', now + this.reviewDelayMs);
      }
      const manifests = trx.selectFrom('manifests').select('id').where('repository_id', '=', repositoryId);
      await trx.deleteFrom('tags').where('repository_id', '=', repositoryId).execute();
      await trx.deleteFrom('manifest_children').where('parent_id', 'in', manifests).execute();
      await trx.deleteFrom('manifest_blobs').where('manifest_id', 'in', manifests).execute();
      await trx.deleteFrom('manifests').where('repository_id', '=', repositoryId).execute();
      await trx.deleteFrom('repository_blobs').where('repository_id', '=', repositoryId).execute();
      const uploads = await trx
        .deleteFrom('uploads')
        .where('repository_id', '=', repositoryId)
        .returning('id')
        .execute();
      await trx.deleteFrom('repositories').where('id', '=', repositoryId).execute();
      return uploads.map((upload) => upload.id);
    });
  }

  /**
   * Moves `from` and every repository below it to `to`, in one transaction. Every target must
   * be a valid name (`isValidName`) and free right now — a target that is itself a source counts
   * as taken, so the updates can never collide with each other halfway. Only the repositories
   * seen here move, by id: one created under `from` meanwhile stays where it is.
   */
  async renameRepositories(options: {
    from: string;
    to: string;
    now: number;
    dryRun: boolean;
    isValidName: (name: string) => boolean;
  }): Promise<RenamePlan> {
    const { from, to } = options;
    const plan = this.db.transaction().execute(async (trx): Promise<RenamePlan> => {
      const sources = await trx
        .selectFrom('repositories')
        .select(['id', 'name'])
        .where(atOrUnder('name', from))
        .orderBy('name')
        .execute();
      if (sources.length === 0) return { ok: false, reason: 'unknown' };
      const moves = sources.map((source) => ({
        id: source.id,
        from: source.name,
        to: to + source.name.slice(from.length),
      }));
      const invalid = moves.filter((move) => !options.isValidName(move.to));
      if (invalid.length > 0) return { ok: false, reason: 'invalid', invalid };
      const taken: string[] = [];
      for (const chunk of chunks(moves.map((move) => move.to))) {
        const rows = await trx.selectFrom('repositories').select('name').where('name', 'in', chunk).execute();
        taken.push(...rows.map((row) => row.name));
      }
      if (taken.length > 0) return { ok: false, reason: 'taken', taken: taken.sort() };
      if (!options.dryRun) {
        for (const chunk of chunks(moves)) {
          await trx
            .updateTable('repositories')
            .set({
              name: sql<string>`cast(${to} as text) || substr(name, ${from.length + 1})`,
              updated_at: options.now,
            })
            .where(
              'id',
              'in',
              chunk.map((move) => move.id),
            )
            .execute();
        }
      }
      return { ok: true, moves };
    });
    // A push may create a target name between the check and the update (PostgreSQL, read committed).
    return plan.catch((error: unknown) => {
      if (isUniqueViolation(error)) return { ok: false, reason: 'taken', taken: [] };
      throw error;
    });
  }

  /** Tag names in byte order after `last`, at most `limit` (all when undefined). */
  async listTags(repositoryId: number, options: { last?: string; limit?: number }): Promise<string[]> {
    const { last, limit } = options;
    const rows = await (last === undefined
      ? limit === undefined
        ? this.reads.tags(repositoryId)
        : this.reads.tagsLimited(repositoryId, limit)
      : limit === undefined
        ? this.reads.tagsAfter(repositoryId, last)
        : this.reads.tagsAfterLimited(repositoryId, last, limit));
    return rows;
  }

  async listRepositories(options: { last?: string; limit: number }): Promise<string[]> {
    return options.last === undefined
      ? this.reads.repositories(options.limit)
      : this.reads.repositoriesAfter(options.last, options.limit);
  }

  async listReferrers(
    repositoryId: number,
    subjectDigest: string,
    artifactType?: string,
  ): Promise<Referrer[]> {
    const rows = await this.db
      .selectFrom('manifests')
      .select(['digest', 'media_type', 'artifact_type', 'config_media_type', 'annotations', 'size'])
      .where('repository_id', '=', repositoryId)
      .where('subject_digest', '=', subjectDigest)
      .orderBy('id')
      .execute();
    const referrers = rows.map((row) => ({
      digest: row.digest,
      mediaType: row.media_type,
      // The spec: an image manifest's artifact type is its config media type when it sets none.
      artifactType: row.artifact_type ?? row.config_media_type,
      annotations: row.annotations ? (JSON.parse(row.annotations) as Record<string, string>) : null,
      size: row.size,
    }));
    return artifactType === undefined ? referrers : referrers.filter((r) => r.artifactType === artifactType);
  }
}

function prepareReads(database: SqlDatabase<RegistryDatabase>) {
  const { db } = database;
  const manifest = () =>
    db
      .selectFrom('manifests as m')
      .innerJoin('repositories as r', 'r.id', 'm.repository_id')
      .select(['m.id', 'm.digest', 'm.media_type', 'm.payload', 'm.size']);
  const tags = (repositoryId: number) =>
    db.selectFrom('tags').select('name').where('repository_id', '=', repositoryId).orderBy('name');
  const repositories = () => db.selectFrom('repositories').select('name').orderBy('name');
  return {
    repositoryId: prepareQuery(db, (name: string) =>
      db.selectFrom('repositories').select('id').where('name', '=', name),
    ),
    repositoryBlob: prepareQuery(db, (repositoryName: string, digest: string) =>
      db
        .selectFrom('repository_blobs as rb')
        .innerJoin('repositories as r', 'r.id', 'rb.repository_id')
        .innerJoin('blobs as b', 'b.digest', 'rb.digest')
        .select('b.size')
        .where('r.name', '=', repositoryName)
        .where('rb.digest', '=', digest),
    ),
    manifestByTag: prepareQuery(db, (repositoryName: string, tag: string) =>
      manifest()
        .innerJoin('tags as t', 't.manifest_id', 'm.id')
        .where('r.name', '=', repositoryName)
        .where('t.name', '=', tag),
    ),
    manifestByDigest: prepareQuery(db, (repositoryName: string, digest: string) =>
      manifest().where('r.name', '=', repositoryName).where('m.digest', '=', digest),
    ),
    tags: prepareColumnQuery(database, (repositoryId: number) => tags(repositoryId)),
    tagsLimited: prepareColumnQuery(database, (repositoryId: number, limit: number) =>
      tags(repositoryId).limit(limit),
    ),
    tagsAfter: prepareColumnQuery(database, (repositoryId: number, last: string) =>
      tags(repositoryId).where('name', '>', last),
    ),
    tagsAfterLimited: prepareColumnQuery(database, (repositoryId: number, last: string, limit: number) =>
      tags(repositoryId).where('name', '>', last).limit(limit),
    ),
    repositories: prepareColumnQuery(database, (limit: number) => repositories().limit(limit)),
    repositoriesAfter: prepareColumnQuery(database, (last: string, limit: number) =>
      repositories().where('name', '>', last).limit(limit),
    ),
  };
}

/**
 * Row locks for PostgreSQL, where transactions run concurrently; SQLite runs one
 * writer at a time and has no such clause.
 */
export type RowLock = <TB extends keyof RegistryDatabase, O>(
  query: SelectQueryBuilder<RegistryDatabase, TB, O>,
) => SelectQueryBuilder<RegistryDatabase, TB, O>;

const noLock: RowLock = (query) => query;

/**
 * Deletes an untagged manifest: what it referenced (its blobs, its children for an index, the
 * referrers whose subject it was) is queued for review, and its blobs stop counting in the
 * repository's size. The caller holds the repository's lock (`lockRepository`).
 */
export async function removeManifest(
  trx: Transaction<RegistryDatabase>,
  manifest: { id: number; repositoryId: number; digest: string },
  reviewAfter: number,
): Promise<void> {
  const { id: manifestId, repositoryId, digest } = manifest;
  const blobs = (
    await trx.selectFrom('manifest_blobs').select('digest').where('manifest_id', '=', manifestId).execute()
  ).map((row) => row.digest);
  await queueBlobReviews(trx, blobs, 'manifest_delete', reviewAfter);
  await countManifestBlobs(trx, repositoryId, blobs, -1);
  const children = await trx
    .selectFrom('manifest_children')
    .select('child_id')
    .where('parent_id', '=', manifestId)
    .execute();
  await queueManifestReviews(
    trx,
    children.map((row) => row.child_id),
    'manifest_list_delete',
    reviewAfter,
  );
  const referrers = await trx
    .selectFrom('manifests')
    .select('id')
    .where('repository_id', '=', repositoryId)
    .where('subject_digest', '=', digest)
    .execute();
  await queueManifestReviews(
    trx,
    referrers.map((row) => row.id),
    'manifest_delete',
    reviewAfter,
  );
  await trx.deleteFrom('manifests').where('id', '=', manifestId).execute();
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

async function touchRepository(db: Db, repositoryId: number, now: number): Promise<void> {
  await db.updateTable('repositories').set({ updated_at: now }).where('id', '=', repositoryId).execute();
}

async function findMissingBlobs(
  db: Db,
  repositoryId: number,
  digests: string[],
  lock: RowLock = noLock,
): Promise<string[]> {
  const unique = [...new Set(digests)];
  if (unique.length === 0) return [];
  const present = await lock(
    db
      .selectFrom('repository_blobs')
      .select('digest')
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', unique),
  ).execute();
  const found = new Set(present.map((row) => row.digest));
  return unique.filter((digest) => !found.has(digest));
}

async function findManifestIds(
  db: Db,
  repositoryId: number,
  digests: string[],
  lock: RowLock = noLock,
): Promise<Map<string, number>> {
  if (digests.length === 0) return new Map();
  const rows = await lock(
    db
      .selectFrom('manifests')
      .select(['id', 'digest'])
      .where('repository_id', '=', repositoryId)
      .where('digest', 'in', [...new Set(digests)]),
  ).execute();
  return new Map(rows.map((row) => [row.digest, row.id]));
}

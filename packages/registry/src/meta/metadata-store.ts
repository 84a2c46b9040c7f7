import type { Kysely, Transaction } from 'kysely';
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
  size: number;
}

export interface Referrer {
  digest: string;
  mediaType: string;
  artifactType: string | null;
  annotations: Record<string, string> | null;
  size: number;
}

type Db = Kysely<RegistryDatabase> | Transaction<RegistryDatabase>;

/**
 * Every registry query lives here. Callers pass `now` (ms) so tests control time,
 * and a write that must see a consistent picture runs in one transaction.
 */
export class MetadataStore {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  async findRepositoryId(name: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('repositories')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.id;
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
    return this.db
      .selectFrom('repository_blobs as rb')
      .innerJoin('repositories as r', 'r.id', 'rb.repository_id')
      .innerJoin('blobs as b', 'b.digest', 'rb.digest')
      .select('b.size')
      .where('r.name', '=', repositoryName)
      .where('rb.digest', '=', digest)
      .executeTakeFirst();
  }

  async findBlob(digest: string): Promise<{ size: number } | undefined> {
    return this.db.selectFrom('blobs').select('size').where('digest', '=', digest).executeTakeFirst();
  }

  /** Records the blob (once) and links it to the repository (once). */
  async linkBlob(repositoryId: number, digest: string, size: number, now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('blobs')
        .values({ digest, size, created_at: now })
        .onConflict((conflict) => conflict.column('digest').doNothing())
        .execute();
      await trx
        .insertInto('repository_blobs')
        .values({ repository_id: repositoryId, digest, created_at: now })
        .onConflict((conflict) => conflict.columns(['repository_id', 'digest']).doNothing())
        .execute();
      await touchRepository(trx, repositoryId, now);
    });
  }

  async unlinkBlob(repositoryId: number, digest: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('repository_blobs')
      .where('repository_id', '=', repositoryId)
      .where('digest', '=', digest)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  // ---- uploads ----

  async createUpload(id: string, repositoryId: number, now: number): Promise<void> {
    await this.db
      .insertInto('uploads')
      .values({ id, repository_id: repositoryId, size: 0, created_at: now, updated_at: now })
      .execute();
  }

  async findUpload(id: string): Promise<Upload | undefined> {
    const row = await this.db
      .selectFrom('uploads as u')
      .innerJoin('repositories as r', 'r.id', 'u.repository_id')
      .select(['u.id', 'u.repository_id', 'r.name', 'u.size'])
      .where('u.id', '=', id)
      .executeTakeFirst();
    return row && { id: row.id, repositoryId: row.repository_id, repositoryName: row.name, size: row.size };
  }

  async setUploadSize(id: string, size: number, now: number): Promise<void> {
    await this.db.updateTable('uploads').set({ size, updated_at: now }).where('id', '=', id).execute();
  }

  async deleteUpload(id: string): Promise<void> {
    await this.db.deleteFrom('uploads').where('id', '=', id).execute();
  }

  // ---- manifests and tags ----

  async findManifest(
    repositoryName: string,
    reference: ManifestReference,
  ): Promise<StoredManifest | undefined> {
    const base = this.db
      .selectFrom('manifests as m')
      .innerJoin('repositories as r', 'r.id', 'm.repository_id')
      .select(['m.id', 'm.digest', 'm.media_type', 'm.payload', 'm.size'])
      .where('r.name', '=', repositoryName);
    const row = await ('tag' in reference
      ? base.innerJoin('tags as t', 't.manifest_id', 'm.id').where('t.name', '=', reference.tag)
      : base.where('m.digest', '=', reference.digest)
    ).executeTakeFirst();
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
      const missingBlobs = await findMissingBlobs(trx, repositoryId, manifest.blobDigests);
      const childIds = await findManifestIds(
        trx,
        repositoryId,
        manifest.children.map((child) => child.digest),
      );
      const missingManifests = manifest.children
        .map((c) => c.digest)
        .filter((digest) => !childIds.has(digest));
      if (missingBlobs.length > 0 || missingManifests.length > 0)
        return { ok: false, missingBlobs, missingManifests };

      let manifestId = (await findManifestIds(trx, repositoryId, [manifest.digest])).get(manifest.digest);
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
        const blobRows = [...new Set(manifest.blobDigests)].map((digest) => ({
          manifest_id: manifestId!,
          digest,
        }));
        if (blobRows.length > 0) await trx.insertInto('manifest_blobs').values(blobRows).execute();
        const seenChildren = new Set<number>();
        const childRows = manifest.children.flatMap((child) => {
          const childId = childIds.get(child.digest)!;
          if (seenChildren.has(childId)) return [];
          seenChildren.add(childId);
          return [{ parent_id: manifestId!, child_id: childId, platform: child.platform }];
        });
        if (childRows.length > 0) await trx.insertInto('manifest_children').values(childRows).execute();
      }
      if (tag !== undefined) {
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
  ): Promise<'deleted' | 'not-found' | 'referenced'> {
    return this.db.transaction().execute(async (trx) => {
      const manifestId = (await findManifestIds(trx, repositoryId, [digest])).get(digest);
      if (manifestId === undefined) return 'not-found';
      const parent = await trx
        .selectFrom('manifest_children')
        .select('parent_id')
        .where('child_id', '=', manifestId)
        .executeTakeFirst();
      if (parent) return 'referenced';
      await trx.deleteFrom('tags').where('manifest_id', '=', manifestId).execute();
      await trx.deleteFrom('manifests').where('id', '=', manifestId).execute();
      return 'deleted';
    });
  }

  async deleteTag(repositoryId: number, tag: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('tags')
      .where('repository_id', '=', repositoryId)
      .where('name', '=', tag)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Tag names in byte order after `last`, at most `limit` (all when undefined). */
  async listTags(repositoryId: number, options: { last?: string; limit?: number }): Promise<string[]> {
    let query = this.db
      .selectFrom('tags')
      .select('name')
      .where('repository_id', '=', repositoryId)
      .orderBy('name');
    if (options.last !== undefined) query = query.where('name', '>', options.last);
    if (options.limit !== undefined) query = query.limit(options.limit);
    return (await query.execute()).map((row) => row.name);
  }

  async listRepositories(options: { last?: string; limit: number }): Promise<string[]> {
    let query = this.db.selectFrom('repositories').select('name').orderBy('name').limit(options.limit);
    if (options.last !== undefined) query = query.where('name', '>', options.last);
    return (await query.execute()).map((row) => row.name);
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

async function touchRepository(db: Db, repositoryId: number, now: number): Promise<void> {
  await db.updateTable('repositories').set({ updated_at: now }).where('id', '=', repositoryId).execute();
}

async function findMissingBlobs(db: Db, repositoryId: number, digests: string[]): Promise<string[]> {
  const unique = [...new Set(digests)];
  if (unique.length === 0) return [];
  const present = await db
    .selectFrom('repository_blobs')
    .select('digest')
    .where('repository_id', '=', repositoryId)
    .where('digest', 'in', unique)
    .execute();
  const found = new Set(present.map((row) => row.digest));
  return unique.filter((digest) => !found.has(digest));
}

async function findManifestIds(
  db: Db,
  repositoryId: number,
  digests: string[],
): Promise<Map<string, number>> {
  if (digests.length === 0) return new Map();
  const rows = await db
    .selectFrom('manifests')
    .select(['id', 'digest'])
    .where('repository_id', '=', repositoryId)
    .where('digest', 'in', [...new Set(digests)])
    .execute();
  return new Map(rows.map((row) => [row.digest, row.id]));
}

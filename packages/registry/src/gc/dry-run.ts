import type { Kysely } from 'kysely';
import type { RegistryDatabase } from '../meta/schema.js';

export interface GcDryRunReport {
  /** Manifests nothing reaches from a tag (directly, as an index child, or as a referrer of a kept subject). */
  manifests: { repository: string; digest: string }[];
  /** Blobs no kept manifest references, with the bytes deleting them would free. */
  blobs: { digest: string; size: number }[];
  bytes: number;
  /** Reviews queued and how many are due now. */
  queued: { manifests: number; blobs: number; dueManifests: number; dueBlobs: number };
}

/**
 * What garbage collection would remove if every review were due now: a full mark
 * from the tags, for operators (`berth-registry gc --dry-run`). The online
 * collector never does this walk; it only re-checks queued candidates.
 */
export async function gcDryRun(db: Kysely<RegistryDatabase>, now: number): Promise<GcDryRunReport> {
  const manifests = await db
    .selectFrom('manifests as m')
    .innerJoin('repositories as r', 'r.id', 'm.repository_id')
    .select(['m.id', 'm.repository_id', 'm.digest', 'm.subject_digest', 'r.name'])
    .execute();
  const tagged = new Set(
    (await db.selectFrom('tags').select('manifest_id').execute()).map((row) => row.manifest_id),
  );
  const children = new Map<number, number[]>();
  for (const edge of await db.selectFrom('manifest_children').select(['parent_id', 'child_id']).execute()) {
    children.set(edge.parent_id, [...(children.get(edge.parent_id) ?? []), edge.child_id]);
  }
  const idByRepositoryDigest = new Map(manifests.map((m) => [`${m.repository_id} ${m.digest}`, m.id]));
  const referrers = new Map<number, number[]>();
  for (const manifest of manifests) {
    if (manifest.subject_digest === null) continue;
    const subject = idByRepositoryDigest.get(`${manifest.repository_id} ${manifest.subject_digest}`);
    if (subject !== undefined) referrers.set(subject, [...(referrers.get(subject) ?? []), manifest.id]);
  }

  const live = new Set<number>();
  const pending = [...tagged];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    pending.push(...(children.get(id) ?? []), ...(referrers.get(id) ?? []));
  }

  const liveBlobs = new Set<string>();
  for (const row of await db.selectFrom('manifest_blobs').select(['manifest_id', 'digest']).execute()) {
    if (live.has(row.manifest_id)) liveBlobs.add(row.digest);
  }
  const deadBlobs = (await db.selectFrom('blobs').select(['digest', 'size']).execute()).filter(
    (blob) => !liveBlobs.has(blob.digest),
  );
  const count = async (table: 'gc_manifest_review_queue' | 'gc_blob_review_queue', dueOnly: boolean) => {
    let query = db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
    if (dueOnly) query = query.where('review_after', '<=', now);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };
  return {
    manifests: manifests
      .filter((m) => !live.has(m.id))
      .map((m) => ({ repository: m.name, digest: m.digest })),
    blobs: deadBlobs,
    bytes: deadBlobs.reduce((sum, blob) => sum + blob.size, 0),
    queued: {
      manifests: await count('gc_manifest_review_queue', false),
      blobs: await count('gc_blob_review_queue', false),
      dueManifests: await count('gc_manifest_review_queue', true),
      dueBlobs: await count('gc_blob_review_queue', true),
    },
  };
}

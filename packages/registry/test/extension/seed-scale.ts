// Scale data for latency checks, written straight into the metadata database
// (pushing 20,000 manifests through HTTP would take minutes).
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { RegistryDatabase } from '../../src/meta/schema.js';

export const TAGS = 10_000;
export const REPOSITORIES = 2_000;
const TAGS_PER_REPOSITORY = 5;

const digest = (seed: string) => `sha256:${createHash('sha256').update(seed).digest('hex')}`;

/** `perf/big` with TAGS tags, and REPOSITORIES repositories under `perf/group`. */
export async function seed(db: Kysely<RegistryDatabase>): Promise<void> {
  const base = digest('base-layer');
  await db.insertInto('blobs').values({ digest: base, size: 30_000_000, created_at: 1 }).execute();
  let manifestCount = 0;
  /** One image per tag: config, the shared base layer and a layer of its own. */
  async function pushImages(repositoryId: number, tagNames: string[], times: (i: number) => number) {
    await db.transaction().execute(async (trx) => {
      for (let start = 0; start < tagNames.length; start += 250) {
        const batch = tagNames.slice(start, start + 250);
        const rows = batch.map((tag) => {
          manifestCount += 1;
          return {
            tag,
            config: digest(`c${manifestCount}`),
            layer: digest(`l${manifestCount}`),
            n: manifestCount,
          };
        });
        await trx
          .insertInto('blobs')
          .values(
            rows.flatMap((r) => [
              { digest: r.config, size: 1500, created_at: 1 },
              { digest: r.layer, size: 1_000_000 + r.n, created_at: 1 },
            ]),
          )
          .execute();
        await trx
          .insertInto('repository_blobs')
          .values(
            rows.flatMap((r) =>
              [r.config, r.layer].map((d) => ({ repository_id: repositoryId, digest: d, created_at: 1 })),
            ),
          )
          .execute();
        const manifests = await trx
          .insertInto('manifests')
          .values(
            rows.map((r) => ({
              repository_id: repositoryId,
              digest: digest(`m${r.n}`),
              media_type: 'application/vnd.oci.image.manifest.v1+json',
              artifact_type: null,
              config_digest: r.config,
              config_media_type: 'application/vnd.oci.image.config.v1+json',
              subject_digest: null,
              annotations: null,
              payload: Buffer.alloc(600),
              size: 600,
              created_at: 1,
            })),
          )
          .returning('id')
          .execute();
        await trx
          .insertInto('manifest_blobs')
          .values(
            manifests.flatMap((m, i) =>
              [rows[i]!.config, base, rows[i]!.layer].map((d) => ({ manifest_id: m.id, digest: d })),
            ),
          )
          .execute();
        await trx
          .insertInto('tags')
          .values(
            manifests.map((m, i) => ({
              repository_id: repositoryId,
              name: rows[i]!.tag,
              manifest_id: m.id,
              created_at: times(start + i),
              updated_at: times(start + i),
              published_at: times(start + i),
            })),
          )
          .execute();
      }
    });
  }
  const big = await db
    .insertInto('repositories')
    .values({ name: 'perf/big', created_at: 1, updated_at: 1 })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('repository_blobs')
    .values({ repository_id: big.id, digest: base, created_at: 1 })
    .execute();
  // CI-style tags; every tenth shares its published time with the previous one.
  await pushImages(
    big.id,
    Array.from({ length: TAGS }, (_, i) => `build-${i}`),
    (i) => 1_700_000_000_000 + Math.floor(i / 10) * 10_000 + (i % 10 === 9 ? 0 : i % 10),
  );
  const repositories = await db
    .insertInto('repositories')
    .values(
      Array.from({ length: REPOSITORIES }, (_, i) => ({
        name: `perf/group/project-${String(i).padStart(4, '0')}/image`,
        created_at: 1_700_000_000_000 + i,
        updated_at: 1_700_000_000_000 + ((i * 7919) % REPOSITORIES),
      })),
    )
    .returning('id')
    .execute();
  for (const repository of repositories) {
    await db
      .insertInto('repository_blobs')
      .values({ repository_id: repository.id, digest: base, created_at: 1 })
      .execute();
    await pushImages(
      repository.id,
      Array.from({ length: TAGS_PER_REPOSITORY }, (_, i) => `v${i}`),
      (i) => 1_700_000_000_000 + i,
    );
  }
}

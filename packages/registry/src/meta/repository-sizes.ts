import type { Dialect } from '@berth/sql';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { RegistryDatabase } from './schema.js';

/**
 * A repository's size is the bytes of the distinct blobs linked to it that one of its manifests
 * references (configs and layers; an index counts through its children, which are manifests of
 * the repository too). It is kept, not computed on read:
 *
 * - `repository_blobs.manifest_count` counts the repository's manifests that reference the link;
 * - `repositories.size_bytes` is the sum of the link sizes whose count is above zero.
 *
 * Every write that changes either first locks the repository's row (`lockRepository`), so on
 * PostgreSQL the writes of one repository run one after another and each reads the counts the
 * previous one committed; SQLite has one writer at a time anyway. The row comes first in every
 * such transaction, before blobs and manifests, so two writers never wait on each other in a cycle.
 */

type Trx = Transaction<RegistryDatabase>;

/** Holds the repository's row until the transaction ends (PostgreSQL); see the module comment. */
export async function lockRepository(trx: Trx, dialect: Dialect, repositoryId: number): Promise<void> {
  if (dialect !== 'postgres') return;
  await trx.selectFrom('repositories').select('id').where('id', '=', repositoryId).forUpdate().execute();
}

/**
 * A manifest with these (distinct) blobs was added (`+1`) to the repository or removed (`-1`):
 * links that gain their first reference start counting, links that lose their last one stop.
 */
export async function countManifestBlobs(
  trx: Trx,
  repositoryId: number,
  digests: string[],
  delta: 1 | -1,
): Promise<void> {
  if (digests.length === 0) return;
  const changed = await trx
    .updateTable('repository_blobs')
    .set((eb) => ({ manifest_count: eb('manifest_count', '+', delta) }))
    .where('repository_id', '=', repositoryId)
    .where('digest', 'in', digests)
    .returning(['digest', 'manifest_count'])
    .execute();
  // +1 reaching 1 starts counting; -1 reaching 0 stops.
  const crossed = changed
    .filter((row) => Number(row.manifest_count) === (delta === 1 ? 1 : 0))
    .map((row) => row.digest);
  await addBlobSizes(trx, repositoryId, crossed, delta);
}

/**
 * A link was just created: it counts the manifests of the repository that already reference the
 * blob (a link deleted and pushed again while its manifests stayed), and the size follows.
 */
export async function countNewLink(trx: Trx, repositoryId: number, digest: string): Promise<void> {
  const { count } = await trx
    .selectFrom('manifest_blobs as mb')
    .innerJoin('manifests as m', 'm.id', 'mb.manifest_id')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('m.repository_id', '=', repositoryId)
    .where('mb.digest', '=', digest)
    .executeTakeFirstOrThrow();
  if (Number(count) === 0) return;
  await trx
    .updateTable('repository_blobs')
    .set({ manifest_count: Number(count) })
    .where('repository_id', '=', repositoryId)
    .where('digest', '=', digest)
    .execute();
  await addBlobSizes(trx, repositoryId, [digest], 1);
}

/** A link with `manifestCount` references was deleted: the blob no longer counts. */
export async function countDeletedLink(
  trx: Trx,
  repositoryId: number,
  digest: string,
  manifestCount: number,
): Promise<void> {
  if (manifestCount > 0) await addBlobSizes(trx, repositoryId, [digest], -1);
}

async function addBlobSizes(trx: Trx, repositoryId: number, digests: string[], sign: 1 | -1): Promise<void> {
  if (digests.length === 0) return;
  const { total } = await trx
    .selectFrom('blobs')
    .select((eb) => eb.fn.sum<number>('size').as('total'))
    .where('digest', 'in', digests)
    .executeTakeFirstOrThrow();
  const bytes = sign * Number(total ?? 0);
  if (bytes === 0) return;
  await trx
    .updateTable('repositories')
    .set((eb) => ({ size_bytes: eb('size_bytes', '+', bytes) }))
    .where('id', '=', repositoryId)
    .execute();
}

/**
 * The sizes computed from scratch from the stored references, for checking the kept ones:
 * the sum over each repository's links that one of its manifests references.
 */
export async function computeRepositorySizes(
  db: Kysely<RegistryDatabase>,
  repositoryIds: number[],
): Promise<Map<number, number>> {
  const sizes = new Map<number, number>(repositoryIds.map((id) => [id, 0]));
  if (repositoryIds.length === 0) return sizes;
  const rows = await db
    .selectFrom('repository_blobs as rb')
    .innerJoin('blobs as b', 'b.digest', 'rb.digest')
    .select((eb) => ['rb.repository_id', eb.fn.sum<number>('b.size').as('size')])
    .where('rb.repository_id', 'in', repositoryIds)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('manifest_blobs as mb')
          .innerJoin('manifests as m', 'm.id', 'mb.manifest_id')
          .select(sql.lit(1).as('one'))
          .whereRef('mb.digest', '=', 'rb.digest')
          .whereRef('m.repository_id', '=', 'rb.repository_id'),
      ),
    )
    .groupBy('rb.repository_id')
    .execute();
  // PostgreSQL answers SUM(bigint) as numeric, i.e. a string.
  for (const row of rows) sizes.set(Number(row.repository_id), Number(row.size));
  return sizes;
}

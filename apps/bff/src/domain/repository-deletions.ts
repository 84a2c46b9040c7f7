import type { ContainerRepositoryStatus } from '@berth/contract';
import type { Kysely } from 'kysely';
import type { BffDatabase } from '../db/schema.js';
import type { RegistryClient } from '../registry/registry-client.js';

/** A delete still `delete_ongoing` this long after its claim is taken to have died with its process. */
const STALE_CLAIM_MS = 5 * 60_000;

/**
 * Repository deletes, as GitLab does them: the API answers 202 at once and records `delete_scheduled`;
 * the registry delete runs in the background and removes the record when done. A failed delete stays
 * `delete_failed` and is retried on the next run; each record is claimed with a conditional update, so
 * several BFF processes on one database never delete the same repository twice at once.
 */
export class RepositoryDeletions {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly db: Kysely<BffDatabase>,
    private readonly registry: RegistryClient,
  ) {}

  /** Records the delete; idempotent (a repository already scheduled stays as it is). */
  async schedule(repositoryId: number, projectId: number, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.db
      .insertInto('container_repository_deletions')
      .values({
        repository_id: repositoryId,
        project_id: projectId,
        status: 'delete_scheduled',
        scheduled_at: at,
        updated_at: at,
      })
      .onConflict((oc) => oc.column('repository_id').doNothing())
      .execute();
  }

  /** The delete status of each of the given repositories that has one. */
  async statuses(repositoryIds: number[]): Promise<Map<number, ContainerRepositoryStatus>> {
    if (repositoryIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('container_repository_deletions')
      .select(['repository_id', 'status'])
      .where('repository_id', 'in', repositoryIds)
      .execute();
    return new Map(rows.map((row) => [row.repository_id, row.status]));
  }

  /**
   * Runs every due delete; a call while a run is under way makes that run go round once more.
   * Resolves with the errors of deletes that failed (they stay `delete_failed`).
   */
  run(now: () => Date = () => new Date()): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.runOnce(now);
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async runOnce(now: () => Date): Promise<void> {
    const staleBefore = new Date(now().getTime() - STALE_CLAIM_MS).toISOString();
    const due = await this.db
      .selectFrom('container_repository_deletions')
      .select(['repository_id', 'status', 'updated_at'])
      .where((eb) => eb.or([eb('status', '!=', 'delete_ongoing'), eb('updated_at', '<', staleBefore)]))
      .orderBy('scheduled_at')
      .execute();
    const failures: unknown[] = [];
    for (const row of due) {
      const claimed = await this.db
        .updateTable('container_repository_deletions')
        .set({ status: 'delete_ongoing', updated_at: now().toISOString() })
        .where('repository_id', '=', row.repository_id)
        .where('status', '=', row.status)
        .where('updated_at', '=', row.updated_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      try {
        // By id: the repository may have moved since the delete was asked for.
        const repository = await this.registry.getRepositoryById(row.repository_id);
        if (repository) await this.registry.deleteRepository(repository.path);
        await this.db
          .deleteFrom('container_repository_deletions')
          .where('repository_id', '=', row.repository_id)
          .execute();
      } catch (error) {
        failures.push(error);
        await this.db
          .updateTable('container_repository_deletions')
          .set({ status: 'delete_failed', updated_at: now().toISOString() })
          .where('repository_id', '=', row.repository_id)
          .execute();
      }
    }
    if (failures.length > 0)
      throw new AggregateError(failures, `${failures.length} repository deletes failed`);
  }
}

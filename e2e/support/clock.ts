import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { World } from './world.ts';

// better-sqlite3 comes with @berth/sql; the journeys borrow it rather than install a second copy.
const requireFromSql = createRequire(new URL('../../packages/sql/package.json', import.meta.url));
const Database = requireFromSql('better-sqlite3') as new (
  file: string,
  options?: { timeout?: number },
) => { prepare(sql: string): { run(...values: unknown[]): { changes: number } }; close(): void };

/**
 * Moves a project's next cleanup run into the past, as if its cadence (a day at least) had gone by:
 * the only thing a journey cannot do through the UI. The scheduler's next tick then runs the policy.
 */
export function makeCleanupDue(world: World, projectId: number): void {
  const db = new Database(join(world.dataDir, 'bff', 'bff.db'), { timeout: 5_000 });
  try {
    const { changes } = db
      .prepare('UPDATE container_expiration_policies SET next_run_at = ? WHERE project_id = ?')
      .run('2000-01-01T00:00:00.000Z', projectId);
    if (changes !== 1) throw new Error(`project ${projectId} has no saved cleanup policy`);
  } finally {
    db.close();
  }
}

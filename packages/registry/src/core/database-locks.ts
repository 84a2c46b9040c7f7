import type { Pool, PoolClient } from 'pg';
import { type DigestLocks, KeyedMutex } from './keyed-mutex.js';

/**
 * Per-key locks shared by every registry process on one PostgreSQL: a session advisory lock on
 * the key's 64-bit hash (a collision only makes two digests take turns). The locks hold their
 * own connections, apart from the metadata pool, so work under a lock can always reach the
 * database; within a process a KeyedMutex queues callers first, so one key costs at most one
 * lock connection per process.
 */
export class DatabaseLocks implements DigestLocks {
  private readonly local = new KeyedMutex();

  constructor(private readonly pool: Pool) {}

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(key, async () => {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
        try {
          return await work();
        } finally {
          broken = !(await unlock(client, key));
        }
      } catch (error) {
        broken = true;
        throw error;
      } finally {
        // A session whose unlock failed is ended rather than reused: ending it releases its locks.
        client.release(broken);
      }
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

async function unlock(client: PoolClient, key: string): Promise<boolean> {
  try {
    const { rows } = await client.query<{ released: boolean }>(
      'SELECT pg_advisory_unlock(hashtextextended($1, 0)) AS released',
      [key],
    );
    return rows[0]?.released === true;
  } catch {
    return false;
  }
}

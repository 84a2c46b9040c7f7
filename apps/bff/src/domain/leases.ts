import type { Kysely } from 'kysely';
import type { BffDatabase } from '../db/schema.js';
import { isoNow } from './clock.js';

/**
 * Named locks with an expiry, shared by every BFF process on one database (GitLab's ExclusiveLease).
 * Taking one is a single upsert — insert, or take over a row whose time ran out — so two processes
 * racing for the same name cannot both win, on SQLite or PostgreSQL. A holder that dies simply lets
 * its lease expire.
 */
export class LeaseService {
  constructor(private readonly db: Kysely<BffDatabase>) {}

  /** True when `holder` now holds `name` until `now + ttlMs`; false when someone else's lease is live. */
  async tryTake(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    const expiresAt = isoNow(new Date(now.getTime() + ttlMs));
    const result = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: expiresAt })
      .onConflict((conflict) =>
        conflict
          .column('name')
          .doUpdateSet({ holder, expires_at: expiresAt })
          .where('leases.expires_at', '<=', isoNow(now)),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** Extends a lease its holder still has; false when it expired and someone else took it. */
  async renew(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('leases')
      .set({ expires_at: isoNow(new Date(now.getTime() + ttlMs)) })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Forgets leases that ran out (hourly bulk-delete limits of repositories nobody touches again). */
  async pruneExpired(now: Date): Promise<void> {
    await this.db.deleteFrom('leases').where('expires_at', '<=', isoNow(now)).execute();
  }

  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }
}

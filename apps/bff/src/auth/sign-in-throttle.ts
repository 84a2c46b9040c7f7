import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { BffDatabase } from '../db/schema.js';
import { isoNow } from '../domain/clock.js';

export interface ThrottlePolicy {
  /** Failures allowed before any waiting. */
  freeFailures: number;
  /** The wait after the first failure beyond the free ones; it doubles with each further failure. */
  firstDelayS: number;
  maxDelayS: number;
}

/** Per account: a person mistyping is never slowed; guessing one account is, within a few tries. */
export const ACCOUNT_POLICY: ThrottlePolicy = { freeFailures: 5, firstDelayS: 1, maxDelayS: 900 };
/** Per client address: room for a few people behind one NAT, then the same backoff. */
export const ADDRESS_POLICY: ThrottlePolicy = { freeFailures: 20, firstDelayS: 1, maxDelayS: 900 };
/** A key with no failure for this long starts from zero again. */
const FORGET_AFTER_MS = 3600 * 1000;
const PRUNE_EVERY_MS = 10 * 60 * 1000;

export interface ThrottleKey {
  key: string;
  policy: ThrottlePolicy;
}

/** User names are at most 255 characters; a longer login is counted by its first 255 (it names nobody). */
export const accountKey = (login: string): ThrottleKey => ({
  key: `account:${login.slice(0, 255).toLowerCase()}`,
  policy: ACCOUNT_POLICY,
});

/** IPv4 addresses are counted one by one, IPv6 ones by /64 (one host usually holds a whole /64). */
export function addressKey(address: string): ThrottleKey {
  const ip = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const counted = ip.includes(':') ? expandIpv6(ip).slice(0, 4).join(':') : ip;
  return { key: `address:${counted}`, policy: ADDRESS_POLICY };
}

function expandIpv6(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((part) => part.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * Failed password sign-ins counted in the database, so every BFF process sharing it sees the same
 * counts. Beyond a key's free failures, each failure blocks that key for a doubling time.
 */
export class SignInThrottle {
  private lastPrune = 0;

  constructor(private readonly db: Kysely<BffDatabase>) {}

  /**
   * `retryAfterS`: seconds until every key may try again (0 when none is blocked); `suspect`: whether
   * any key failed within the last hour.
   */
  async status(keys: readonly ThrottleKey[], now: Date): Promise<{ retryAfterS: number; suspect: boolean }> {
    const rows = await this.db
      .selectFrom('sign_in_throttle')
      .select(['blocked_until', 'last_failure_at'])
      .where(
        'key',
        'in',
        keys.map((k) => k.key),
      )
      .where('last_failure_at', '>=', isoNow(new Date(now.getTime() - FORGET_AFTER_MS)))
      .execute();
    const until = Math.max(0, ...rows.map((row) => Date.parse(row.blocked_until ?? '') || 0));
    const retryAfterS = until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
    return { retryAfterS, suspect: rows.length > 0 };
  }

  async recordFailure(keys: readonly ThrottleKey[], now: Date): Promise<void> {
    const forgetBefore = isoNow(new Date(now.getTime() - FORGET_AFTER_MS));
    for (const { key, policy } of keys) {
      const { failures } = await this.db
        .insertInto('sign_in_throttle')
        .values({ key, failures: 1, last_failure_at: isoNow(now), blocked_until: null })
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet({
            failures: sql<number>`case when sign_in_throttle.last_failure_at < ${forgetBefore} then 1 else sign_in_throttle.failures + 1 end`,
            last_failure_at: isoNow(now),
          }),
        )
        .returning('failures')
        .executeTakeFirstOrThrow();
      const beyond = failures - policy.freeFailures;
      if (beyond > 0) {
        const delayS = Math.min(policy.maxDelayS, policy.firstDelayS * 2 ** Math.min(beyond - 1, 30));
        await this.db
          .updateTable('sign_in_throttle')
          .set({ blocked_until: isoNow(new Date(now.getTime() + delayS * 1000)) })
          .where('key', '=', key)
          .execute();
      }
    }
    if (now.getTime() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now.getTime();
      await this.db
        .deleteFrom('sign_in_throttle')
        .where('last_failure_at', '<', forgetBefore)
        .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<', isoNow(now))]))
        .execute();
    }
  }

  /** A right password clears its account's count (not its address's: that would let one's own account launder guesses). */
  async forget(key: ThrottleKey): Promise<void> {
    await this.db.deleteFrom('sign_in_throttle').where('key', '=', key.key).execute();
  }
}

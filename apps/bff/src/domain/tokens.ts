import type { DeployTokenScope, PersonalAccessTokenScope } from '@berth/contract';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { BffDatabase, DeployTokenRow, JobTokenRow, PersonalAccessTokenRow } from '../db/schema.js';
import { badRequest } from '../errors.js';
import { isExpiredDate, isoNow } from './clock.js';
import { hashSecret, newSecret, SECRET_PREFIX } from './secrets.js';

const OAUTH_TOKEN_LIFETIME_S = 7200;
export const SESSION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export function parseScopes<T extends string>(json: string): T[] {
  return JSON.parse(json) as T[];
}

export function isPersonalAccessTokenActive(row: PersonalAccessTokenRow, now: Date): boolean {
  return row.revoked === 0 && !isExpiredDate(row.expires_at, now);
}

/** Deploy tokens may carry a time (GitLab) or a date; either ends the token at that instant. */
export function isDeployTokenExpired(row: DeployTokenRow, now: Date): boolean {
  if (row.expires_at === null) return false;
  return row.expires_at.length === 10
    ? isExpiredDate(row.expires_at, now)
    : Date.parse(row.expires_at) <= now.getTime();
}

function assertFutureDate(expiresAt: string | undefined, now: Date): void {
  if (expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime()) {
    throw badRequest('expires_at must be in the future');
  }
}

/**
 * Personal access tokens, OAuth tokens, deploy tokens, job tokens and sessions. Only SHA-256 hashes of
 * the secrets are stored; the secret is returned once, by the create call.
 */
export class TokenService {
  constructor(
    private readonly db: Kysely<BffDatabase>,
    private readonly policy: Pick<Config, 'patMaxLifetimeDays'>,
  ) {}

  /** GitLab's maximum lifetime: no expiry means the longest allowed, and nothing beyond it. */
  private personalAccessTokenExpiry(expiresAt: string | undefined, now: Date): string {
    assertFutureDate(expiresAt, now);
    const days = this.policy.patMaxLifetimeDays;
    const latest = new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
    if (expiresAt !== undefined && expiresAt > latest) {
      throw badRequest(`expires_at must be on or before ${latest}: tokens live at most ${days} days`);
    }
    return expiresAt ?? latest;
  }

  async createPersonalAccessToken(
    userId: number,
    input: { name: string; scopes: PersonalAccessTokenScope[]; expiresAt: string | undefined },
  ): Promise<{ row: PersonalAccessTokenRow; token: string }> {
    const expiresAt = this.personalAccessTokenExpiry(input.expiresAt, new Date());
    const token = newSecret(SECRET_PREFIX.personalAccessToken);
    const row = await this.db
      .insertInto('personal_access_tokens')
      .values({
        user_id: userId,
        name: input.name,
        token_hash: hashSecret(token),
        scopes: JSON.stringify([...new Set(input.scopes)]),
        expires_at: expiresAt,
        revoked: 0,
        created_at: isoNow(),
        last_used_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row, token };
  }

  listPersonalAccessTokens(userId: number | undefined): Promise<PersonalAccessTokenRow[]> {
    let query = this.db.selectFrom('personal_access_tokens').selectAll().orderBy('id');
    if (userId !== undefined) query = query.where('user_id', '=', userId);
    return query.execute();
  }

  findPersonalAccessToken(id: number): Promise<PersonalAccessTokenRow | undefined> {
    return this.db.selectFrom('personal_access_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findPersonalAccessTokenBySecret(secret: string): Promise<PersonalAccessTokenRow | undefined> {
    return this.db
      .selectFrom('personal_access_tokens')
      .selectAll()
      .where('token_hash', '=', hashSecret(secret))
      .executeTakeFirst();
  }

  async touchPersonalAccessToken(id: number): Promise<void> {
    await this.db
      .updateTable('personal_access_tokens')
      .set({ last_used_at: isoNow() })
      .where('id', '=', id)
      .execute();
  }

  async revokePersonalAccessToken(id: number): Promise<void> {
    await this.db.updateTable('personal_access_tokens').set({ revoked: 1 }).where('id', '=', id).execute();
  }

  async createOAuthToken(userId: number): Promise<{ token: string; expiresIn: number; createdAt: Date }> {
    const token = newSecret(SECRET_PREFIX.oauthToken);
    const createdAt = new Date();
    await this.deleteExpired('oauth_tokens', createdAt);
    await this.db
      .insertInto('oauth_tokens')
      .values({
        user_id: userId,
        token_hash: hashSecret(token),
        scopes: JSON.stringify(['api']),
        expires_at: isoNow(new Date(createdAt.getTime() + OAUTH_TOKEN_LIFETIME_S * 1000)),
        created_at: isoNow(createdAt),
      })
      .execute();
    return { token, expiresIn: OAUTH_TOKEN_LIFETIME_S, createdAt };
  }

  async findOAuthTokenBySecret(secret: string, now: Date) {
    return this.db
      .selectFrom('oauth_tokens')
      .selectAll()
      .where('token_hash', '=', hashSecret(secret))
      .where('expires_at', '>', isoNow(now))
      .executeTakeFirst();
  }

  /** RFC 7009: the token stops working at once; an unknown token is not an error. */
  async revokeOAuthToken(secret: string): Promise<void> {
    await this.db.deleteFrom('oauth_tokens').where('token_hash', '=', hashSecret(secret)).execute();
  }

  /**
   * Expired job tokens, OAuth tokens and sessions are already refused by every lookup; their rows go
   * when the next one of their kind is created, so the tables hold live credentials only.
   */
  private async deleteExpired(table: 'job_tokens' | 'oauth_tokens' | 'sessions', now: Date): Promise<void> {
    await this.db.deleteFrom(table).where('expires_at', '<=', isoNow(now)).execute();
  }

  async createDeployToken(
    owner: { projectId: number } | { groupId: number },
    input: {
      name: string;
      scopes: DeployTokenScope[];
      expiresAt: string | undefined;
      username: string | undefined;
    },
  ): Promise<{ row: DeployTokenRow; token: string }> {
    assertFutureDate(input.expiresAt, new Date());
    const token = newSecret(SECRET_PREFIX.deployToken);
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('deploy_tokens')
        .values({
          project_id: 'projectId' in owner ? owner.projectId : null,
          group_id: 'groupId' in owner ? owner.groupId : null,
          name: input.name,
          // GitLab's default user name needs the id, so a placeholder is replaced once it is known.
          username: input.username ?? `pending-${hashSecret(token).slice(0, 16)}`,
          token_hash: hashSecret(token),
          scopes: JSON.stringify([...new Set(input.scopes)]),
          expires_at: input.expiresAt ?? null,
          revoked: 0,
          created_at: isoNow(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (input.username !== undefined) return { row: inserted, token };
      const row = await trx
        .updateTable('deploy_tokens')
        .set({ username: `gitlab+deploy-token-${inserted.id}` })
        .where('id', '=', inserted.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { row, token };
    });
  }

  listDeployTokens(owner: { projectId: number } | { groupId: number }): Promise<DeployTokenRow[]> {
    const query = this.db.selectFrom('deploy_tokens').selectAll().orderBy('id');
    return (
      'projectId' in owner
        ? query.where('project_id', '=', owner.projectId)
        : query.where('group_id', '=', owner.groupId)
    ).execute();
  }

  findDeployToken(id: number): Promise<DeployTokenRow | undefined> {
    return this.db.selectFrom('deploy_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findDeployTokenBySecret(username: string, secret: string): Promise<DeployTokenRow | undefined> {
    return this.db
      .selectFrom('deploy_tokens')
      .selectAll()
      .where('token_hash', '=', hashSecret(secret))
      .where('username', '=', username)
      .executeTakeFirst();
  }

  async revokeDeployToken(id: number): Promise<void> {
    await this.db.updateTable('deploy_tokens').set({ revoked: 1 }).where('id', '=', id).execute();
  }

  async createJobToken(
    projectId: number,
    userId: number,
    lifetimeS: number,
  ): Promise<{ row: JobTokenRow; token: string }> {
    const token = newSecret(SECRET_PREFIX.jobToken);
    const now = new Date();
    await this.deleteExpired('job_tokens', now);
    const row = await this.db
      .insertInto('job_tokens')
      .values({
        project_id: projectId,
        user_id: userId,
        token_hash: hashSecret(token),
        expires_at: isoNow(new Date(now.getTime() + lifetimeS * 1000)),
        created_at: isoNow(now),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row, token };
  }

  findJobTokenBySecret(secret: string, now: Date): Promise<JobTokenRow | undefined> {
    return this.db
      .selectFrom('job_tokens')
      .selectAll()
      .where('token_hash', '=', hashSecret(secret))
      .where('expires_at', '>', isoNow(now))
      .executeTakeFirst();
  }

  findJobToken(id: number): Promise<JobTokenRow | undefined> {
    return this.db.selectFrom('job_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** A job's end, or a revocation on demand: the token stops working at once. */
  async revokeJobToken(id: number): Promise<void> {
    await this.db.deleteFrom('job_tokens').where('id', '=', id).execute();
  }

  async createSession(userId: number): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
    const token = newSecret(SECRET_PREFIX.session);
    const csrfToken = newSecret('');
    const now = new Date();
    await this.deleteExpired('sessions', now);
    const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
    await this.db
      .insertInto('sessions')
      .values({
        token_hash: hashSecret(token),
        csrf_token: csrfToken,
        user_id: userId,
        created_at: isoNow(now),
        expires_at: isoNow(expiresAt),
      })
      .execute();
    return { token, csrfToken, expiresAt };
  }

  findSessionBySecret(secret: string, now: Date) {
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', hashSecret(secret))
      .where('expires_at', '>', isoNow(now))
      .executeTakeFirst();
  }

  async deleteSession(id: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Blocking a user ends their browser sessions; tokens stop working because resolution checks the state. */
  async deleteSessionsOf(userId: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }
}

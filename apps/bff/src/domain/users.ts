import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Membership, UserPrincipal } from '../access/access.js';
import type { BffDatabase, UserRow } from '../db/schema.js';
import { containsIgnoringCase } from '../db/sql-helpers.js';
import { badRequest } from '../errors.js';
import { isoNow } from './clock.js';
import { insertPersonalNamespace, personalNamespacePath } from './namespaces.js';
import { hashPassword, randomPassword, verifyPassword } from './secrets.js';

export interface NewUserInput {
  username: string;
  name: string;
  email: string;
  password: string;
  isAdmin: boolean;
}

export class UserService {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly db: Kysely<BffDatabase>) {}

  /** Creates the user with their personal namespace, in one transaction. */
  async create(input: NewUserInput): Promise<UserRow> {
    const namespacePath = personalNamespacePath(input.username);
    if (await this.findByUsername(input.username)) throw badRequest('Username has already been taken');
    const emailTaken = await this.db
      .selectFrom('users')
      .select('id')
      .where(sql<string>`lower(email)`, '=', input.email.toLowerCase())
      .executeTakeFirst();
    if (emailTaken) throw badRequest('Email has already been taken');
    const passwordHash = await hashPassword(input.password);
    return this.db.transaction().execute(async (trx) => {
      const user = await trx
        .insertInto('users')
        .values({
          username: input.username,
          name: input.name,
          email: input.email,
          password_hash: passwordHash,
          is_admin: input.isAdmin ? 1 : 0,
          state: 'active',
          created_at: isoNow(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await insertPersonalNamespace(trx, user, namespacePath);
      return user;
    });
  }

  findById(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByUsername(username: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where(sql<string>`lower(username)`, '=', username.toLowerCase())
      .executeTakeFirst();
  }

  /** Users in id order (GitLab lists newest first), filtered by exact username or a name/username/email substring. */
  list(filter: { username?: string | undefined; search?: string | undefined }): Promise<UserRow[]> {
    let query = this.db.selectFrom('users').selectAll().orderBy('id', 'desc');
    if (filter.username)
      query = query.where(sql<string>`lower(username)`, '=', filter.username.toLowerCase());
    if (filter.search) {
      const needle = filter.search;
      query = query.where((eb) =>
        eb.or([containsIgnoringCase('username', needle), containsIgnoringCase('name', needle)]),
      );
    }
    return query.execute();
  }

  /**
   * The user when the password is right and the account active; undefined otherwise. A password is
   * hashed whatever the case (a dummy hash stands in for an unknown user), so the time taken does not
   * tell which user names exist.
   */
  async authenticate(login: string, password: string): Promise<UserRow | undefined> {
    const user = await this.findByUsername(login);
    this.dummyHash ??= hashPassword(randomPassword());
    const right = await verifyPassword(password, user?.password_hash ?? (await this.dummyHash));
    return right && user?.state === 'active' ? user : undefined;
  }

  async setState(id: number, state: UserRow['state']): Promise<void> {
    await this.db.updateTable('users').set({ state }).where('id', '=', id).execute();
  }

  async memberships(userId: number): Promise<Membership[]> {
    const rows = await this.db
      .selectFrom('members')
      .select(['source_type', 'source_id', 'access_level', 'expires_at'])
      .where('user_id', '=', userId)
      .execute();
    return rows.map((row) => ({
      sourceType: row.source_type,
      sourceId: row.source_id,
      accessLevel: row.access_level,
      expiresAt: row.expires_at,
    }));
  }

  async principal(user: UserRow): Promise<UserPrincipal> {
    return {
      id: user.id,
      username: user.username,
      isAdmin: user.is_admin === 1,
      state: user.state,
      memberships: await this.memberships(user.id),
    };
  }

  /** First start: creates the admin `root`; returns the password when it had to be generated. */
  async ensureRoot(password: string | undefined): Promise<{ generatedPassword?: string } | undefined> {
    if (await this.findByUsername('root')) return undefined;
    const chosen = password ?? randomPassword();
    try {
      await this.create({
        username: 'root',
        name: 'Administrator',
        email: 'root@localhost',
        password: chosen,
        isAdmin: true,
      });
    } catch (error) {
      // Replicas starting together on one database: another one created root first.
      if (await this.findByUsername('root')) return undefined;
      throw error;
    }
    return password ? {} : { generatedPassword: chosen };
  }
}

import { ACCESS_LEVELS } from '@berth/contract';
import type { Kysely } from 'kysely';
import type { BffDatabase, MemberRow, UserRow } from '../db/schema.js';
import { badRequest, conflict } from '../errors.js';
import { isExpiredDate, isoNow } from './clock.js';

export type MemberSource = { type: 'group' | 'project'; id: number };

export interface MemberWithUser {
  member: MemberRow;
  user: UserRow;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'Guest',
  20: 'Reporter',
  30: 'Developer',
  40: 'Maintainer',
  50: 'Owner',
};

export class MemberService {
  constructor(private readonly db: Kysely<BffDatabase>) {}

  /** Direct members of one group or project. */
  async direct(source: MemberSource): Promise<MemberWithUser[]> {
    return this.withUsers(
      await this.db
        .selectFrom('members')
        .selectAll()
        .where('source_type', '=', source.type)
        .where('source_id', '=', source.id)
        .orderBy('id')
        .execute(),
    );
  }

  /**
   * Members including those inherited from the groups above (`ancestorGroupIds`), one entry per user with
   * the highest active level, as GitLab's `/members/all`.
   */
  async all(source: MemberSource, ancestorGroupIds: readonly number[], now: Date): Promise<MemberWithUser[]> {
    const rows = await this.db
      .selectFrom('members')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('source_type', '=', source.type), eb('source_id', '=', source.id)]),
          ...(ancestorGroupIds.length > 0
            ? [eb.and([eb('source_type', '=', 'group'), eb('source_id', 'in', ancestorGroupIds)])]
            : []),
        ]),
      )
      .orderBy('id')
      .execute();
    const best = new Map<number, MemberRow>();
    for (const row of rows) {
      if (isExpiredDate(row.expires_at, now)) continue;
      const current = best.get(row.user_id);
      if (!current || row.access_level > current.access_level) best.set(row.user_id, row);
    }
    return this.withUsers([...best.values()]);
  }

  async find(source: MemberSource, userId: number): Promise<MemberRow | undefined> {
    return this.db
      .selectFrom('members')
      .selectAll()
      .where('source_type', '=', source.type)
      .where('source_id', '=', source.id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  /**
   * Adds a direct member. As in GitLab, a direct level below what the user already inherits from a
   * group above is refused (`inheritedLevel`).
   */
  async add(
    source: MemberSource,
    input: { userId: number; accessLevel: number; expiresAt: string | undefined },
    inheritedLevel: number,
  ): Promise<MemberRow> {
    if (await this.find(source, input.userId)) throw conflict('Member already exists');
    assertNotBelowInherited(input.accessLevel, inheritedLevel);
    return this.db
      .insertInto('members')
      .values({
        source_type: source.type,
        source_id: source.id,
        user_id: input.userId,
        access_level: input.accessLevel,
        expires_at: input.expiresAt ?? null,
        created_at: isoNow(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async update(
    member: MemberRow,
    changes: { accessLevel: number; expiresAt?: string | null | undefined },
    inheritedLevel: number,
  ): Promise<MemberRow> {
    assertNotBelowInherited(changes.accessLevel, inheritedLevel);
    if (member.access_level === ACCESS_LEVELS.owner && changes.accessLevel < ACCESS_LEVELS.owner) {
      await this.assertAnotherOwner(member);
    }
    return this.db
      .updateTable('members')
      .set({
        access_level: changes.accessLevel,
        ...(changes.expiresAt !== undefined && { expires_at: changes.expiresAt }),
      })
      .where('id', '=', member.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async remove(member: MemberRow): Promise<void> {
    if (member.access_level === ACCESS_LEVELS.owner) await this.assertAnotherOwner(member);
    await this.db.deleteFrom('members').where('id', '=', member.id).execute();
  }

  /** A top-level group keeps at least one direct Owner, or nobody but an admin could manage it. */
  private async assertAnotherOwner(member: MemberRow): Promise<void> {
    if (member.source_type !== 'group') return;
    const group = await this.db
      .selectFrom('groups')
      .select('parent_id')
      .where('id', '=', member.source_id)
      .executeTakeFirst();
    if (group?.parent_id !== null) return;
    const owners = await this.db
      .selectFrom('members')
      .select('id')
      .where('source_type', '=', 'group')
      .where('source_id', '=', member.source_id)
      .where('access_level', '=', ACCESS_LEVELS.owner)
      .execute();
    if (owners.length <= 1) throw badRequest('A group must have at least one owner');
  }

  private async withUsers(rows: MemberRow[]): Promise<MemberWithUser[]> {
    if (rows.length === 0) return [];
    const users = await this.db
      .selectFrom('users')
      .selectAll()
      .where(
        'id',
        'in',
        rows.map((row) => row.user_id),
      )
      .execute();
    const byId = new Map(users.map((user) => [user.id, user]));
    return rows.flatMap((member) => {
      const user = byId.get(member.user_id);
      return user ? [{ member, user }] : [];
    });
  }
}

function assertNotBelowInherited(level: number, inherited: number): void {
  if (level < inherited) {
    throw badRequest(
      `access_level should be greater than or equal to ${LEVEL_NAMES[inherited] ?? inherited} inherited membership from a group above`,
    );
  }
}

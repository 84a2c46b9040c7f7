import { ACCESS_LEVELS, type Visibility } from '@berth/contract';
import type { Expression, Kysely, SqlBool } from 'kysely';
import type { GroupCondition, GroupFacts } from '../access/access.js';
import type { BffDatabase, GroupRow } from '../db/schema.js';
import { containsIgnoringCase, type PageWindow, type Sorting } from '../db/sql-helpers.js';
import { badRequest } from '../errors.js';
import { isoNow } from './clock.js';
import { findPersonalNamespace } from './namespaces.js';
import {
  assertFullPathFree,
  assertVisibilityWithin,
  checkFullPathLength,
  prefixesOf,
  VISIBILITY_RANK,
} from './paths.js';

export interface NewGroupInput {
  name: string;
  path: string;
  parent: GroupRow | undefined;
  visibility: Visibility | undefined;
  description: string | undefined;
}

export interface GroupChanges {
  name?: string | undefined;
  visibility?: Visibility | undefined;
  description?: string | undefined;
}

export type GroupSortKey = 'id' | 'name' | 'full_path';

export interface GroupQuery {
  /** Conditions from the access module: what the caller may see, at which access level. */
  where: readonly GroupCondition[];
  /** A substring of the name or path, ignoring case. */
  search?: string | undefined;
  topLevelOnly?: boolean | undefined;
}

export class GroupService {
  constructor(private readonly db: Kysely<BffDatabase>) {}

  findById(id: number): Promise<GroupRow | undefined> {
    return this.db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByFullPath(fullPath: string): Promise<GroupRow | undefined> {
    return this.db.selectFrom('groups').selectAll().where('full_path', '=', fullPath).executeTakeFirst();
  }

  personalNamespaceOf(userId: number): Promise<GroupRow | undefined> {
    return findPersonalNamespace(this.db, userId);
  }

  /** A GitLab `:id`: a number or a full path. */
  find(id: number | string): Promise<GroupRow | undefined> {
    return typeof id === 'number' ? this.findById(id) : this.findByFullPath(id);
  }

  /** The groups whose full paths are the given ones, ordered root first. */
  async byFullPaths(fullPaths: string[]): Promise<GroupRow[]> {
    if (fullPaths.length === 0) return [];
    const rows = await this.db.selectFrom('groups').selectAll().where('full_path', 'in', fullPaths).execute();
    return rows.sort((a, b) => a.full_path.length - b.full_path.length);
  }

  async facts(group: GroupRow): Promise<GroupFacts> {
    const ancestors = await this.byFullPaths(prefixesOf(group.full_path));
    return {
      id: group.id,
      visibility: group.visibility,
      kind: group.kind,
      ancestorIds: ancestors.map((g) => g.id),
    };
  }

  /** Facts for many groups at once, from one read of the group table. */
  async factsOfAll(groups: GroupRow[]): Promise<Map<number, GroupFacts>> {
    const idByPath = new Map(
      (await this.db.selectFrom('groups').select(['id', 'full_path']).execute()).map((g) => [
        g.full_path,
        g.id,
      ]),
    );
    return new Map(
      groups.map((group) => [
        group.id,
        {
          id: group.id,
          visibility: group.visibility,
          kind: group.kind,
          ancestorIds: prefixesOf(group.full_path).flatMap((path) => idByPath.get(path) ?? []),
        },
      ]),
    );
  }

  /** Groups and personal namespaces; only those of `kind` when given. */
  list(filter: {
    search?: string | undefined;
    topLevelOnly?: boolean | undefined;
    kind?: GroupRow['kind'];
  }): Promise<GroupRow[]> {
    let query = this.db.selectFrom('groups').selectAll();
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (filter.search) {
      const needle = filter.search;
      query = query.where((eb) =>
        eb.or([containsIgnoringCase('name', needle), containsIgnoringCase('path', needle)]),
      );
    }
    if (filter.topLevelOnly) query = query.where('parent_id', 'is', null);
    return query.execute();
  }

  /** One page of the groups that meet every condition, ties broken by id, and how many there are in all. */
  async page(
    query: GroupQuery,
    order: Sorting<GroupSortKey>,
    window: PageWindow,
  ): Promise<{ rows: GroupRow[]; total: number }> {
    const filtered = this.db.selectFrom('groups').where((eb) => {
      const filters: Expression<SqlBool>[] = query.where.map((condition) => condition(eb));
      const needle = query.search;
      if (needle) {
        filters.push(
          eb.or([containsIgnoringCase('groups.name', needle), containsIgnoringCase('groups.path', needle)]),
        );
      }
      if (query.topLevelOnly) filters.push(eb('groups.parent_id', 'is', null));
      return eb.and(filters);
    });
    let ordered = filtered.selectAll().orderBy(order.by, order.direction);
    if (order.by !== 'id') ordered = ordered.orderBy('id', order.direction);
    const rows = await ordered.limit(window.limit).offset(window.offset).execute();
    const { total } = await filtered
      .select((eb) => eb.fn.countAll<number | string>().as('total'))
      .executeTakeFirstOrThrow();
    return { rows, total: Number(total) };
  }

  /** Creates the group and makes its creator an Owner, as GitLab does. */
  async create(input: NewGroupInput, creatorId: number): Promise<GroupRow> {
    const fullPath = input.parent ? `${input.parent.full_path}/${input.path}` : input.path;
    checkFullPathLength(fullPath);
    const visibility = input.visibility ?? 'private';
    if (input.parent) assertVisibilityWithin(visibility, input.parent.visibility, 'group', 'parent group');
    return this.db.transaction().execute(async (trx) => {
      await assertFullPathFree(trx, fullPath);
      const now = isoNow();
      const group = await trx
        .insertInto('groups')
        .values({
          name: input.name,
          path: input.path,
          full_path: fullPath,
          parent_id: input.parent?.id ?? null,
          visibility,
          description: input.description ?? '',
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('members')
        .values({
          source_type: 'group',
          source_id: group.id,
          user_id: creatorId,
          access_level: ACCESS_LEVELS.owner,
          expires_at: null,
          created_at: now,
        })
        .execute();
      return group;
    });
  }

  /** Refuses changes `update` would refuse, writing nothing: callers check before other writes. */
  async assertChangesAllowed(group: GroupRow, changes: GroupChanges): Promise<void> {
    if (changes.visibility !== undefined && changes.visibility !== group.visibility) {
      const parent = group.parent_id === null ? undefined : await this.findById(group.parent_id);
      if (parent) assertVisibilityWithin(changes.visibility, parent.visibility, 'group', 'parent group');
      await this.assertNoChildAbove(group, changes.visibility);
    }
  }

  async update(group: GroupRow, changes: GroupChanges): Promise<GroupRow> {
    await this.assertChangesAllowed(group, changes);
    const set = {
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.visibility !== undefined && { visibility: changes.visibility }),
      ...(changes.description !== undefined && { description: changes.description }),
    };
    if (Object.keys(set).length === 0) return group;
    return this.db
      .updateTable('groups')
      .set(set)
      .where('id', '=', group.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  private async assertNoChildAbove(group: GroupRow, visibility: Visibility): Promise<void> {
    const rank = VISIBILITY_RANK[visibility];
    const children = [
      ...(await this.db
        .selectFrom('groups')
        .select('visibility')
        .where('parent_id', '=', group.id)
        .execute()),
      ...(await this.db
        .selectFrom('projects')
        .select('visibility')
        .where('namespace_id', '=', group.id)
        .execute()),
    ];
    if (children.some((child) => VISIBILITY_RANK[child.visibility] > rank)) {
      throw badRequest(
        `visibility ${visibility} is not allowed: the group has a subgroup or project with a higher visibility`,
      );
    }
  }
}

import { type RawBuilder, type SqlBool, sql } from 'kysely';

/** Case-insensitive substring match that behaves the same on SQLite and PostgreSQL (LIKE with escaping). */
export function containsIgnoringCase(column: string, needle: string): RawBuilder<boolean> {
  const pattern = `%${needle.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

/**
 * `<column> IN (the given groups and every group below them)`, walking `parent_id` down the tree in one
 * recursive query, so membership inheritance and `include_subgroups` need no list of descendants.
 */
export function inGroupsAtOrBelow(column: string, rootGroupIds: readonly number[]): RawBuilder<SqlBool> {
  if (rootGroupIds.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`${sql.ref(column)} in (with recursive subtree(id) as (select id from groups where id in (${sql.join(rootGroupIds)}) union select child.id from groups child join subtree on child.parent_id = subtree.id) select id from subtree)`;
}

/** The rows of one page: `LIMIT`/`OFFSET`. */
export interface PageWindow {
  limit: number;
  offset: number;
}

export interface Sorting<Key extends string> {
  by: Key;
  direction: 'asc' | 'desc';
}

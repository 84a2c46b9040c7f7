import type { Dialect } from '@berth/sql';
import { type ColumnDefinitionBuilder, sql } from 'kysely';

/**
 * The only differences between the dialects' schemas: identity keys, bytes, and
 * byte-order collation so tag and repository listings sort the same way
 * (lexically, as the spec asks) on PostgreSQL as on SQLite.
 */
export function dialectColumns(dialect: Dialect) {
  return {
    identity: (column: ColumnDefinitionBuilder) =>
      dialect === 'postgres'
        ? column.primaryKey().generatedByDefaultAsIdentity()
        : column.primaryKey().autoIncrement(),
    byteOrder: (column: ColumnDefinitionBuilder) =>
      dialect === 'postgres' ? column.modifyEnd(sql`collate "C"`) : column,
    bytes: dialect === 'postgres' ? ('bytea' as const) : ('blob' as const),
    idType: dialect === 'postgres' ? ('bigint' as const) : ('integer' as const),
  };
}

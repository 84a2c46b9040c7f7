import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, type SqliteDatabase, SqliteDialect } from 'kysely';
import type PgModule from 'pg';

export type Dialect = 'sqlite' | 'postgres';

export interface SqlDatabase<DB> {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Runs compiled SQL and answers the first column of each row (see prepareColumnQuery). */
  firstColumn(sql: string, parameters: readonly unknown[]): Promise<unknown[]>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A `postgres://` or `postgresql://` URL switches to PostgreSQL. */
  url?: string | undefined;
  /** SQLite file used when no URL is given (`:memory:` allowed). */
  sqlitePath: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /**
   * SQLite's page cache, in KiB. better-sqlite3 builds SQLite with 16 MiB (SQLite's own default
   * is 2 MiB); a cache that size fills with the whole database over time and stays resident.
   */
  sqliteCacheKiB?: number;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(?:ql)?:\/\//.test(url);
}

/** pg is loaded only when PostgreSQL is used: the embedded default should not pay its memory. */
export function loadPg(): typeof PgModule {
  const pg = createRequire(import.meta.url)('pg') as typeof PgModule;
  // BIGINT columns hold byte sizes beyond 2^31; parse them as numbers (exact up to 2^53).
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  return pg;
}

export function openDatabase<DB>(options: OpenDatabaseOptions): SqlDatabase<DB> {
  if (isPostgresUrl(options.url)) {
    const pool = new (loadPg().Pool)({ connectionString: options.url, max: options.poolSize ?? 10 });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const firstColumn = async (sql: string, parameters: readonly unknown[]) => {
      const result = await pool.query({ text: sql, values: [...parameters], rowMode: 'array' });
      return result.rows.map((row: unknown[]) => row[0]);
    };
    return { db, dialect: 'postgres', firstColumn, close: () => db.destroy() };
  }
  if (options.sqlitePath !== ':memory:') createPrivately(options.sqlitePath);
  const sqlite = new SQLite(options.sqlitePath);
  // WAL lets readers proceed while one writer commits; NORMAL sync is durable across process crashes.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  if (options.sqliteCacheKiB !== undefined) sqlite.pragma(`cache_size = -${options.sqliteCacheKiB}`);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const plucking = new Map<string, SQLite.Statement>();
  // Through Kysely's connection, so the read waits its turn like every other query (and never
  // runs inside another caller's open transaction).
  const firstColumn = (sql: string, parameters: readonly unknown[]) =>
    db.connection().execute(async () => {
      let statement = plucking.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql).pluck();
        plucking.set(sql, statement);
      }
      return statement.all(...parameters) as unknown[];
    });
  return { db, dialect: 'sqlite', firstColumn, close: () => db.destroy() };
}

/**
 * The database holds password hashes and token hashes: its folder is created 0700 and the file 0600
 * (SQLite gives its -wal and -shm files the database file's mode). Existing files are narrowed too.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh, and preparing costs more than running a
 * small query; keep the most recently used statements (one connection runs one
 * statement at a time, so reuse is safe).
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

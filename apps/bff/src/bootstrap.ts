import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrateToLatest, openDatabase, type SqlDatabase } from '@berth/sql';
import { type Kysely, sql } from 'kysely';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { bffMigrations } from './db/migrations.js';
import type { BffDatabase } from './db/schema.js';
import { UserService } from './domain/users.js';
import { loadOrCreateSigningKey, type SigningKey, sharedSigningKeyPem } from './token-service/keys.js';

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    // Defence in depth: nothing should log these, and if something does they are removed.
    redact: [
      'req.headers.authorization',
      'req.headers.cookie',
      'req.headers["private-token"]',
      'req.headers["job-token"]',
      'password',
      'token',
    ],
  });
}

export interface Prepared {
  database: SqlDatabase<BffDatabase>;
  signingKey: SigningKey;
}

/**
 * Everything the app needs before it can serve: the database (migrated), the signing key, and `root`
 * on first start (its password is printed once when it had to be generated).
 */
export async function prepare(config: Config, logger: Logger): Promise<Prepared> {
  const bffDir = join(config.dataDir, 'bff');
  // The database, its WAL and the signing key live here: only the BFF's user may enter.
  mkdirSync(bffDir, { recursive: true, mode: 0o700 });
  chmodSync(bffDir, 0o700);
  const database = openDatabase<BffDatabase>({ url: config.databaseUrl, sqlitePath: join(bffDir, 'bff.db') });
  await migrateToLatest(database.db as Kysely<unknown>, bffMigrations(database.dialect));
  const stopStatistics = await keepStatistics(database);
  const root = await new UserService(database.db).ensureRoot(config.rootPassword);
  if (root?.generatedPassword) {
    // Printed on purpose, once: without it nobody could sign in. Not a log line, so it is never shipped.
    process.stdout.write(`\nBerth: created admin user "root" with password: ${root.generatedPassword}\n\n`);
  } else if (root) {
    logger.info('created admin user root from BERTH_ROOT_PASSWORD');
  }
  const close = async () => {
    stopStatistics();
    await database.close();
  };
  const sharedPem =
    database.dialect === 'postgres' ? await sharedSigningKeyPem(database.db, bffDir) : undefined;
  return { database: { ...database, close }, signingKey: loadOrCreateSigningKey(bffDir, sharedPem) };
}

const HOUR_MS = 3_600_000;

/**
 * SQLite plans a query from table statistics, and without them may sort a whole table to serve one
 * page of a list. `PRAGMA optimize` gathers them where they are missing or stale (SQLite's advice: on
 * opening, then periodically); PostgreSQL's autovacuum does the same on its own.
 */
async function keepStatistics(database: SqlDatabase<BffDatabase>): Promise<() => void> {
  if (database.dialect !== 'sqlite') return () => {};
  await sql`pragma optimize=0x10002`.execute(database.db);
  const timer = setInterval(() => {
    sql`pragma optimize`.execute(database.db).catch(() => {
      // Statistics are an optimisation: a failed refresh leaves the previous ones in place.
    });
  }, HOUR_MS);
  timer.unref();
  return () => clearInterval(timer);
}

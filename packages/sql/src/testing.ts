import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface DatabaseTarget {
  dialect: 'sqlite' | 'postgres';
  /** Creates a fresh empty database; `url` is undefined for SQLite (use a temp file path instead). */
  create(): Promise<{ url: string | undefined; drop(): Promise<void> }>;
}

let warned = false;

/**
 * The databases a shared metadata suite runs on: SQLite always, PostgreSQL when
 * BERTH_TEST_POSTGRES_URL names a server. Each PostgreSQL run gets a database of
 * its own (berth_test_<random>), dropped afterwards; no other database is touched.
 */
export function databaseTargets(): DatabaseTarget[] {
  const adminUrl = process.env.BERTH_TEST_POSTGRES_URL;
  const targets: DatabaseTarget[] = [
    { dialect: 'sqlite', create: async () => ({ url: undefined, drop: async () => {} }) },
  ];
  if (!adminUrl) {
    if (!warned) {
      warned = true;
      console.warn(
        '\n*** SKIPPED: PostgreSQL runs of the metadata suites — set BERTH_TEST_POSTGRES_URL (see README) ***\n',
      );
    }
    return targets;
  }
  targets.push({ dialect: 'postgres', create: () => createPostgresDatabase(adminUrl) });
  return targets;
}

export async function createPostgresDatabase(
  adminUrl: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `berth_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // A closed pg pool resolves before its sessions have gone; forcing the drop at that moment makes
        // the departing client receive a FATAL it no longer listens for (an uncaught error in the test
        // run). Give sessions a moment to leave; FORCE then only removes what really hangs on.
        for (let waited = 0; waited < 2000; waited += 50) {
          const { rows } = await client.query(
            'select count(*)::int as n from pg_stat_activity where datname = $1',
            [name],
          );
          if (rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

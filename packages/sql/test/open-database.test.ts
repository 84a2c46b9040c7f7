import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, prepareColumnQuery, prepareQuery } from '../src/index.js';
import { databaseTargets } from '../src/testing.js';

interface TestDb {
  item: { id: number; name: string; size: number };
}

const migrations = {
  '0001_item': {
    up: async (db: Kysely<unknown>) => {
      await db.schema
        .createTable('item')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

const tmp = mkdtempSync(join(tmpdir(), 'berth-sql-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(databaseTargets())('openDatabase on $dialect', (target) => {
  it('migrates once, keeps 64-bit sizes exact and enforces uniqueness', async () => {
    const created = await target.create();
    const opened = openDatabase<TestDb>({ url: created.url, sqlitePath: join(tmp, `${Math.random()}.db`) });
    try {
      expect(opened.dialect).toBe(target.dialect);
      await migrateToLatest(opened.db as Kysely<unknown>, migrations);
      await migrateToLatest(opened.db as Kysely<unknown>, migrations);
      const big = 2 ** 40 + 3;
      await opened.db.insertInto('item').values({ id: 1, name: 'a', size: big }).execute();
      const row = await opened.db.selectFrom('item').selectAll().executeTakeFirstOrThrow();
      expect(row.size).toBe(big);
      await expect(
        opened.db.insertInto('item').values({ id: 2, name: 'a', size: 1 }).execute(),
      ).rejects.toThrow();
      await opened.db.insertInto('item').values({ id: 2, name: 'b', size: 7 }).execute();
      const byName = prepareQuery(opened.db, (name: string) =>
        opened.db.selectFrom('item').select(['id', 'size']).where('name', '=', name),
      );
      expect(await byName('b')).toEqual([{ id: 2, size: 7 }]);
      expect(await byName('a')).toEqual([{ id: 1, size: big }]);
      expect(await byName('zzz')).toEqual([]);
      const page = prepareQuery(opened.db, (after: string, limit: number) =>
        opened.db.selectFrom('item').select('name').where('name', '>', after).orderBy('name').limit(limit),
      );
      expect(await page('', 1)).toEqual([{ name: 'a' }]);
      expect(await page('a', 5)).toEqual([{ name: 'b' }]);
      expect(() =>
        prepareQuery(opened.db, (_unused: string) => opened.db.selectFrom('item').select('id')),
      ).toThrow(/every argument/);
      const names = prepareColumnQuery(opened, (after: string) =>
        opened.db.selectFrom('item').select('name').where('name', '>', after).orderBy('name'),
      );
      expect(await names('')).toEqual(['a', 'b']);
      expect(await names('a')).toEqual(['b']);
      const sizes = prepareColumnQuery(opened, (id: number) =>
        opened.db.selectFrom('item').select('size').where('id', '=', id),
      );
      expect(await sizes(1)).toEqual([big]);
      await opened.db.deleteFrom('item').where('id', '=', 2).execute();
      const count = await sql<{ n: number }>`select count(*) as n from item`.execute(opened.db);
      expect(Number(count.rows[0]?.n)).toBe(1);
    } finally {
      await opened.close();
      await created.drop();
    }
  });
});

describe('SQLite files', () => {
  it('are private to their user: folder 0700, database, WAL and shared memory 0600, existing files narrowed', async () => {
    const mode = (path: string) => statSync(path).mode & 0o777;
    const fresh = join(tmp, 'private', 'fresh.db');
    const opened = openDatabase<TestDb>({ sqlitePath: fresh });
    try {
      await migrateToLatest(opened.db as Kysely<unknown>, migrations);
      await opened.db.insertInto('item').values({ id: 1, name: 'a', size: 1 }).execute();
      expect(mode(join(tmp, 'private'))).toBe(0o700);
      for (const file of [fresh, `${fresh}-wal`, `${fresh}-shm`]) {
        expect(existsSync(file)).toBe(true);
        expect(mode(file)).toBe(0o600);
      }
    } finally {
      await opened.close();
    }
    const older = join(tmp, 'older.db');
    writeFileSync(older, '');
    chmodSync(older, 0o644);
    const reopened = openDatabase<TestDb>({ sqlitePath: older });
    await reopened.close();
    expect(mode(older)).toBe(0o600);
  });

  it('take the page cache size asked for', async () => {
    const opened = openDatabase<TestDb>({ sqlitePath: join(tmp, 'small-cache.db'), sqliteCacheKiB: 2048 });
    try {
      const { rows } = await sql<{ cache_size: number }>`pragma cache_size`.execute(opened.db);
      expect(rows[0]?.cache_size).toBe(-2048);
    } finally {
      await opened.close();
    }
  });
});

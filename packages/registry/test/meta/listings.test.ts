// The extension API's queries on both dialects, with timestamps chosen here: keyset paging
// must be exact when many tags share a published time, in every sort and both directions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqlDatabase } from '@berth/sql';
import { databaseTargets } from '@berth/sql/testing';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRepositoryName } from '../../src/core/names.js';
import {
  encodeTimeMarker,
  parseRepositoryListQuery,
  parseTagListQuery,
} from '../../src/extension/query-params.js';
import type { KeysetPage, ListQuery, Marker, TagSortField } from '../../src/meta/listing-query.js';
import { listRepositories, listTags, type TagRow } from '../../src/meta/listings.js';
import { MetadataStore } from '../../src/meta/metadata-store.js';
import type { RegistryDatabase } from '../../src/meta/schema.js';
import { openTestRegistryDatabase } from '../support/registry-database.js';

const tmp = mkdtempSync(join(tmpdir(), 'berth-extension-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Names that sort differently by byte order than by any locale: case, digits, `.`, `_`, `-`.
const TAG_NAMES = [
  'latest',
  'Latest',
  'v1',
  'v1.0',
  'v1-rc',
  'v1_rc',
  'V2',
  '_x',
  '0',
  '9z',
  'a_b',
  'axb',
  'z',
  'Z',
  'm.m',
  'm-m',
  'build-1',
  'build-2',
  'build-10',
  'build_11',
  'main',
  'MAIN',
  'x',
  'y',
];
// Five distinct times for 24 tags: most pages cut through a run of equal published_at.
const publishedAt = (index: number) => 1_700_000_000_000 + (index % 5) * 1000;

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function expectedOrder(sort: string): string[] {
  const rows = TAG_NAMES.map((name, index) => ({ name, time: publishedAt(index) }));
  const descending = sort.startsWith('-');
  const field = sort.replace('-', '');
  rows.sort((a, b) => {
    const order =
      field === 'published_at' ? a.time - b.time || byteOrder(a.name, b.name) : byteOrder(a.name, b.name);
    return descending ? -order : order;
  });
  return rows.map((row) => row.name);
}

/** The query a client sends after following a Link: the marker travels as text and is parsed again. */
function queryFor(sort: string, n: number, side?: 'last' | 'before', at?: Marker, filter?: string) {
  const params = new URLSearchParams({ n: String(n), sort });
  if (filter) params.set('name', filter);
  if (side && at) params.set(side, sort.endsWith('name') ? at.name : encodeTimeMarker(at));
  return parseTagListQuery(params);
}

describe.each(databaseTargets())('extension queries on $dialect', (target) => {
  let database: SqlDatabase<RegistryDatabase>;
  let dispose: () => Promise<void>;
  let db: Kysely<RegistryDatabase>;
  let repositoryId: number;

  beforeAll(async () => {
    ({ database, dispose } = await openTestRegistryDatabase(target, tmp));
    db = database.db;
    const repository = await db
      .insertInto('repositories')
      .values({ name: 'keyset/app', created_at: 1, updated_at: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    repositoryId = repository.id;
    const manifest = await db
      .insertInto('manifests')
      .values({
        repository_id: repositoryId,
        digest: `sha256:${'a'.repeat(64)}`,
        media_type: 'application/vnd.oci.image.manifest.v1+json',
        artifact_type: null,
        config_digest: null,
        config_media_type: null,
        subject_digest: null,
        annotations: null,
        payload: Buffer.from('{}'),
        size: 2,
        created_at: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('tags')
      .values(
        TAG_NAMES.map((name, index) => ({
          repository_id: repositoryId,
          name,
          manifest_id: manifest.id,
          created_at: publishedAt(index),
          updated_at: publishedAt(index),
          published_at: publishedAt(index),
        })),
      )
      .execute();
  });

  afterAll(async () => {
    await dispose?.();
  });

  async function walk(
    sort: string,
    n: number,
    side: 'last' | 'before',
    filter?: string,
  ): Promise<{ names: string[]; pages: KeysetPage<TagRow>[] }> {
    const pages: KeysetPage<TagRow>[] = [];
    // Backwards starts from the last page, reached the way a client would: following `next`.
    let query: ListQuery<TagSortField> = queryFor(sort, n, undefined, undefined, filter);
    if (side === 'before') {
      let page = await listTags(db, repositoryId, query);
      while (page.next) page = await listTags(db, repositoryId, queryFor(sort, n, 'last', page.next, filter));
      pages.push(page);
      if (!page.previous) return { names: page.rows.map((r) => r.name), pages };
      query = queryFor(sort, n, 'before', page.previous, filter);
    }
    for (;;) {
      const page = await listTags(db, repositoryId, query);
      pages.push(page);
      const anchor = side === 'last' ? page.next : page.previous;
      if (!anchor) break;
      query = queryFor(sort, n, side, anchor, filter);
    }
    const ordered = side === 'last' ? pages : [...pages].reverse();
    return { names: ordered.flatMap((page) => page.rows.map((row) => row.name)), pages };
  }

  for (const sort of ['name', '-name', 'published_at', '-published_at']) {
    for (const n of [1, 3, 7, 24, 100]) {
      it(`sort=${sort} n=${n}: forward pages concatenate to the exact order, no skips, no repeats`, async () => {
        const { names, pages } = await walk(sort, n, 'last');
        expect(names).toEqual(expectedOrder(sort));
        expect(pages.length).toBe(Math.ceil(TAG_NAMES.length / n));
        // Every page but the first has a way back; the last has no way forward.
        expect(pages.map((page) => page.previous !== undefined)).toEqual(pages.map((_, i) => i > 0));
        expect(pages.at(-1)?.next).toBeUndefined();
      });

      it(`sort=${sort} n=${n}: backward pages (before) concatenate to the same order`, async () => {
        const { names } = await walk(sort, n, 'before');
        expect(names).toEqual(expectedOrder(sort));
      });
    }
  }

  it('filters by a case-insensitive substring, `_` taken literally', async () => {
    const page = await listTags(db, repositoryId, queryFor('name', 100, undefined, undefined, 'a_b'));
    expect(page.rows.map((r) => r.name)).toEqual(['a_b']);
    const main = await listTags(db, repositoryId, queryFor('name', 100, undefined, undefined, 'main'));
    expect(main.rows.map((r) => r.name)).toEqual(['MAIN', 'main']);
    const { names } = await walk('-published_at', 2, 'last', 'build');
    expect(names).toEqual(
      expectedOrder('-published_at').filter((name) => name.toLowerCase().includes('build')),
    );
  });

  it('pages repositories under a prefix by time with ties broken by name', async () => {
    await db
      .insertInto('repositories')
      .values(
        ['tie/a', 'tie/b', 'tie/c', 'tie/d', 'tie'].map((name) => ({ name, created_at: 5, updated_at: 5 })),
      )
      .execute();
    const seen: string[] = [];
    let params = new URLSearchParams({ n: '2', sort: '-created_at' });
    for (;;) {
      const query = parseRepositoryListQuery(params);
      const page = await listRepositories(db, 'tie', query);
      seen.push(...page.rows.map((row) => row.name));
      if (!page.next) break;
      params = new URLSearchParams({ n: '2', sort: '-created_at', last: encodeTimeMarker(page.next) });
    }
    expect(seen).toEqual(['tie/d', 'tie/c', 'tie/b', 'tie/a', 'tie']);
  });

  it('renames into its own subtree when no target exists, and refuses when a target is a source', async () => {
    await db
      .insertInto('repositories')
      .values(['nest', 'nest/x', 'nest/x/x'].map((name) => ({ name, created_at: 1, updated_at: 1 })))
      .execute();
    const store = new MetadataStore(database, { reviewDelayMs: 0 });
    const conflicting = await store.renameRepositories({
      from: 'nest',
      to: 'nest/x',
      now: 2,
      dryRun: false,
      isValidName: isRepositoryName,
    });
    expect(conflicting).toMatchObject({ ok: false, reason: 'taken', taken: ['nest/x', 'nest/x/x'] });
    const moved = await store.renameRepositories({
      from: 'nest',
      to: 'nest/y',
      now: 2,
      dryRun: false,
      isValidName: isRepositoryName,
    });
    expect(moved.ok).toBe(true);
    const names = await db
      .selectFrom('repositories')
      .select('name')
      .where('name', 'like', 'nest%')
      .orderBy('name')
      .execute();
    expect(names.map((row) => row.name)).toEqual(['nest/y', 'nest/y/x', 'nest/y/x/x']);
  });
});

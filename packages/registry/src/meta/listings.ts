import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type {
  Direction,
  KeysetPage,
  ListQuery,
  Marker,
  PathScope,
  RepositorySortField,
  TagSortField,
} from './listing-query.js';
import type { RegistryDatabase } from './schema.js';

type Db = Kysely<RegistryDatabase>;

export interface RepositoryRow {
  id: number;
  name: string;
  created_at: number;
  updated_at: number;
}

export interface RepositoryStats {
  tagsCount: number;
  /** Distinct blobs (configs and layers, index children's too) of the repository's manifests. */
  sizeBytes: number;
  lastPublishedAt: number | null;
}

export interface TagRow {
  name: string;
  created_at: number;
  updated_at: number;
  published_at: number;
  manifest_id: number;
  digest: string;
  media_type: string;
  config_digest: string | null;
}

export interface ChildManifest {
  digest: string;
  mediaType: string;
  sizeBytes: number;
  /** `os/architecture[/variant]` as the index gave it. */
  platform: string | null;
}

export interface ManifestFacts {
  sizeBytes: number;
  children: ChildManifest[];
}

/** Statements stay well below SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

export async function findRepository(db: Db, name: string): Promise<RepositoryRow | undefined> {
  return db
    .selectFrom('repositories')
    .select(['id', 'name', 'created_at', 'updated_at'])
    .where('name', '=', name)
    .executeTakeFirst();
}

export async function findRepositoryById(db: Db, id: number): Promise<RepositoryRow | undefined> {
  return db
    .selectFrom('repositories')
    .select(['id', 'name', 'created_at', 'updated_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Names in byte order: `prefix` itself, then `prefix/…` (`0` is the byte after `/`). */
export function atOrUnder(column: 'name' | 'r.name', prefix: string) {
  return sql<SqlBool>`(${sql.ref(column)} = ${prefix} or (${sql.ref(column)} >= ${`${prefix}/`} and ${sql.ref(column)} < ${`${prefix}0`}))`;
}

/** Case-insensitive substring match; `%`, `_` and `\` in the needle are literal. */
function contains(subject: Expression<string>, needle: string) {
  const pattern = `%${needle.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
  return sql<SqlBool>`lower(${subject}) like ${pattern} escape '\\'`;
}

interface Keyset {
  time: string | undefined;
  name: string;
}

/** `(time, name) op (t, n)` or `name op n`: the keyset comparison, usable by the sort's index. */
function beyond(keyset: Keyset, op: '>' | '<', at: Marker) {
  const name = sql.ref(keyset.name);
  if (keyset.time === undefined) return sql<SqlBool>`${name} ${sql.raw(op)} ${at.name}`;
  return sql<SqlBool>`(${sql.ref(keyset.time)}, ${name}) ${sql.raw(op)} (${at.time ?? 0}, ${at.name})`;
}

const flip = (direction: Direction): Direction => (direction === 'asc' ? 'desc' : 'asc');
const opFor = (direction: Direction) => (direction === 'asc' ? '>' : '<');

/**
 * Runs a keyset-paged query: `select(order, condition, limit)` answers rows in `order` that satisfy
 * `condition`. A `before` page is read backwards and turned around; whether a neighbouring page
 * exists is one indexed probe, so Link headers never point at an empty page.
 */
async function keysetPage<Row>(
  query: ListQuery<string>,
  keyset: Keyset,
  markerOf: (row: Row) => Marker,
  select: (
    direction: Direction,
    condition: ReturnType<typeof beyond> | undefined,
    limit: number,
    offset?: number,
  ) => Promise<Row[]>,
): Promise<KeysetPage<Row>> {
  const { direction } = query.sort;
  if (query.offset !== undefined) {
    const fetched = await select(direction, undefined, query.n + 1, query.offset);
    const rows = fetched.slice(0, query.n);
    const first = rows[0];
    const last = rows[rows.length - 1];
    return {
      rows,
      next: fetched.length > query.n && last ? markerOf(last) : undefined,
      previous: query.offset > 0 && first ? markerOf(first) : undefined,
    };
  }
  const backwards = query.marker?.side === 'before';
  const readDirection = backwards ? flip(direction) : direction;
  const fetched = await select(
    readDirection,
    query.marker && beyond(keyset, opFor(readDirection), query.marker.at),
    query.n + 1,
  );
  const more = fetched.length > query.n;
  const rows = fetched.slice(0, query.n);
  if (backwards) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last) return { rows, next: undefined, previous: undefined };
  const exists = async (probeDirection: Direction, from: Row) =>
    (await select(probeDirection, beyond(keyset, opFor(probeDirection), markerOf(from)), 1)).length > 0;
  const hasNext = backwards ? await exists(direction, last) : more;
  const hasPrevious = backwards ? more : query.marker !== undefined && (await exists(flip(direction), first));
  return {
    rows,
    next: hasNext ? markerOf(last) : undefined,
    previous: hasPrevious ? markerOf(first) : undefined,
  };
}

const REPOSITORY_TIME_COLUMN = {
  name: undefined,
  created_at: 'r.created_at',
  updated_at: 'r.updated_at',
} as const;

/** Repositories at or under `prefix`, one page. */
export async function listRepositories(
  db: Db,
  prefix: string,
  query: ListQuery<RepositorySortField>,
): Promise<KeysetPage<RepositoryRow>> {
  const time = REPOSITORY_TIME_COLUMN[query.sort.field];
  return keysetPage<RepositoryRow>(
    query,
    { time, name: 'r.name' },
    (row) => ({ name: row.name, ...(time ? { time: row[query.sort.field as 'created_at'] } : {}) }),
    (direction, condition, limit, offset) => {
      let select = repositoriesUnder(db, prefix, query.filter);
      if (condition) select = select.where(condition);
      if (time) select = select.orderBy(time, direction);
      select = select.orderBy('r.name', direction).limit(limit);
      return (offset ? select.offset(offset) : select).execute();
    },
  );
}

function repositoriesUnder(db: Db, prefix: string, filter: string | undefined) {
  const select = db
    .selectFrom('repositories as r')
    .select(['r.id', 'r.name', 'r.created_at', 'r.updated_at'])
    .where(atOrUnder('r.name', prefix));
  // The filter looks at the path below the prefix (GitLab's `name`), so the base repository never matches.
  return filter === undefined
    ? select
    : select.where(contains(sql<string>`substr(r.name, ${prefix.length + 2})`, filter));
}

/** Names at or under `prefix` after `last`, in byte order: one page of the names-only list. */
export async function listRepositoryNames(
  db: Db,
  prefix: string,
  last: string | undefined,
  limit: number,
): Promise<string[]> {
  let select = db.selectFrom('repositories').select('name').where(atOrUnder('name', prefix));
  if (last !== undefined) select = select.where('name', '>', last);
  const rows = await select.orderBy('name').limit(limit).execute();
  return rows.map((row) => row.name);
}

/** How many repositories at or under `prefix` match the filter. */
export async function countRepositories(db: Db, prefix: string, filter: string | undefined): Promise<number> {
  const row = await repositoriesUnder(db, prefix, filter)
    .clearSelect()
    .select((eb) => eb.fn.countAll().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Repositories at or under `prefix` that lie at or below one of `scope.include` (or none of
 * `scope.exclude`), one offset page and the total. The rows under the prefix are read in the
 * requested order and matched here: an ancestor lookup in a set costs the path's depth, and a
 * statement never carries thousands of path parameters.
 */
export async function listRepositoriesInScope(
  db: Db,
  prefix: string,
  query: ListQuery<RepositorySortField>,
  scope: PathScope,
): Promise<{ rows: RepositoryRow[]; total: number; more: boolean }> {
  const time = REPOSITORY_TIME_COLUMN[query.sort.field];
  const { direction } = query.sort;
  let select = repositoriesUnder(db, prefix, query.filter);
  if (time) select = select.orderBy(time, direction);
  const all = await select.orderBy('r.name', direction).execute();
  const include = 'include' in scope;
  const paths = new Set(include ? scope.include : scope.exclude);
  const matching = all.filter((row) => hasAncestorIn(row.name, paths) === include);
  const start = query.offset ?? 0;
  return {
    rows: matching.slice(start, start + query.n),
    total: matching.length,
    more: matching.length > start + query.n,
  };
}

/** Whether `name` or one of its ancestor paths is in `paths`. */
function hasAncestorIn(name: string, paths: Set<string>): boolean {
  for (let end = name.length; end > 0; end = name.lastIndexOf('/', end - 1)) {
    if (paths.has(name.slice(0, end))) return true;
  }
  return false;
}

/** Tag counts, last publish times and deduplicated sizes of the given repositories. */
export async function repositoryStats(db: Db, ids: number[]): Promise<Map<number, RepositoryStats>> {
  const stats = new Map<number, RepositoryStats>(
    ids.map((id) => [id, { tagsCount: 0, sizeBytes: 0, lastPublishedAt: null }]),
  );
  for (const chunk of chunks(ids)) {
    const [tags, sizes] = await Promise.all([
      db
        .selectFrom('tags')
        .select((eb) => [
          'repository_id',
          eb.fn.countAll().as('count'),
          eb.fn.max('published_at').as('last_published_at'),
        ])
        .where('repository_id', 'in', chunk)
        .groupBy('repository_id')
        .execute(),
      // Kept up to date by every write (meta/repository-sizes.ts): reading it costs one row.
      db.selectFrom('repositories').select(['id', 'size_bytes']).where('id', 'in', chunk).execute(),
    ]);
    for (const row of tags) {
      const entry = stats.get(row.repository_id);
      if (!entry) continue;
      entry.tagsCount = Number(row.count);
      entry.lastPublishedAt = row.last_published_at === null ? null : Number(row.last_published_at);
    }
    for (const row of sizes) {
      const entry = stats.get(row.id);
      if (entry) entry.sizeBytes = Number(row.size_bytes);
    }
  }
  return stats;
}

function tagSelect(db: Db, repositoryId: number) {
  return db
    .selectFrom('tags as t')
    .innerJoin('manifests as m', 'm.id', 't.manifest_id')
    .select([
      't.name',
      't.created_at',
      't.updated_at',
      't.published_at',
      'm.id as manifest_id',
      'm.digest',
      'm.media_type',
      'm.config_digest',
    ])
    .where('t.repository_id', '=', repositoryId);
}

/** One page of a repository's tags; (published_at, name) is the key of the time sort. */
export async function listTags(
  db: Db,
  repositoryId: number,
  query: ListQuery<TagSortField>,
): Promise<KeysetPage<TagRow>> {
  const byTime = query.sort.field === 'published_at';
  return keysetPage<TagRow>(
    query,
    { time: byTime ? 't.published_at' : undefined, name: 't.name' },
    (row) => ({ name: row.name, ...(byTime ? { time: row.published_at } : {}) }),
    (direction, condition, limit, offset) => {
      let select = tagSelect(db, repositoryId);
      if (offset) {
        // Skip rows on the sort's index alone, then join the page's manifests: an offset deep into
        // 10,000 tags must not join every skipped row.
        let ids = db.selectFrom('tags as t').select('t.id').where('t.repository_id', '=', repositoryId);
        if (query.filter !== undefined) ids = ids.where(contains(sql.ref('t.name'), query.filter));
        if (byTime) ids = ids.orderBy('t.published_at', direction);
        select = select.where('t.id', 'in', ids.orderBy('t.name', direction).limit(limit).offset(offset));
      } else {
        if (query.filter !== undefined) select = select.where(contains(sql.ref('t.name'), query.filter));
        if (condition) select = select.where(condition);
      }
      if (byTime) select = select.orderBy('t.published_at', direction);
      return select.orderBy('t.name', direction).limit(limit).execute();
    },
  );
}

/** How many of a repository's tags match the filter. */
export async function countTags(db: Db, repositoryId: number, filter: string | undefined): Promise<number> {
  let select = db
    .selectFrom('tags as t')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('t.repository_id', '=', repositoryId);
  if (filter !== undefined) select = select.where(contains(sql.ref('t.name'), filter));
  return Number((await select.executeTakeFirstOrThrow()).count);
}

export async function findTag(db: Db, repositoryId: number, tag: string): Promise<TagRow | undefined> {
  return tagSelect(db, repositoryId).where('t.name', '=', tag).executeTakeFirst();
}

/**
 * Sizes and index children of the given manifests. A manifest's size is its distinct blobs
 * (config and layers) together with those of its children, so an index counts a layer shared
 * by two platforms once.
 */
export async function manifestFacts(db: Db, manifestIds: number[]): Promise<Map<number, ManifestFacts>> {
  const ids = [...new Set(manifestIds)];
  const children = new Map<number, (ChildManifest & { id: number })[]>();
  for (const chunk of chunks(ids)) {
    const rows = await db
      .selectFrom('manifest_children as mc')
      .innerJoin('manifests as m', 'm.id', 'mc.child_id')
      .select(['mc.parent_id', 'mc.child_id', 'mc.platform', 'm.digest', 'm.media_type'])
      .where('mc.parent_id', 'in', chunk)
      .orderBy('mc.parent_id')
      .orderBy('mc.platform')
      .orderBy('m.digest')
      .execute();
    for (const row of rows) {
      const list = children.get(row.parent_id) ?? [];
      list.push({
        id: row.child_id,
        digest: row.digest,
        mediaType: row.media_type,
        platform: row.platform,
        sizeBytes: 0,
      });
      children.set(row.parent_id, list);
    }
  }
  const childIds = [...children.values()].flat().map((child) => child.id);
  const sizes = await manifestSizes(db, [...new Set([...ids, ...childIds])]);
  return new Map(
    ids.map((id) => [
      id,
      {
        sizeBytes: sizes.get(id) ?? 0,
        children: (children.get(id) ?? []).map(({ id: childId, ...child }) => ({
          ...child,
          sizeBytes: sizes.get(childId) ?? 0,
        })),
      },
    ]),
  );
}

async function manifestSizes(db: Db, ids: number[]): Promise<Map<number, number>> {
  const sizes = new Map<number, number>();
  for (const chunk of chunks(ids)) {
    const own = db
      .selectFrom('manifest_blobs as mb')
      .select(['mb.manifest_id as root', 'mb.digest'])
      .where('mb.manifest_id', 'in', chunk);
    const ofChildren = db
      .selectFrom('manifest_children as mc')
      .innerJoin('manifest_blobs as mb', 'mb.manifest_id', 'mc.child_id')
      .select(['mc.parent_id as root', 'mb.digest'])
      .where('mc.parent_id', 'in', chunk);
    // UNION (not UNION ALL) is the deduplication.
    const rows = await db
      .selectFrom(own.union(ofChildren).as('x'))
      .innerJoin('blobs as b', 'b.digest', 'x.digest')
      .select((eb) => ['x.root', eb.fn.sum('b.size').as('size')])
      .groupBy('x.root')
      .execute();
    for (const row of rows) sizes.set(row.root, Number(row.size));
  }
  return sizes;
}

export function* chunks<T>(items: T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += CHUNK) yield items.slice(start, start + CHUNK);
}

/** The `/berth/v1/` reads, bound to the metadata database. */
export class Listings {
  constructor(private readonly db: Kysely<RegistryDatabase>) {}

  findRepository(name: string) {
    return findRepository(this.db, name);
  }

  findRepositoryById(id: number) {
    return findRepositoryById(this.db, id);
  }

  listRepositories(prefix: string, query: ListQuery<RepositorySortField>) {
    return listRepositories(this.db, prefix, query);
  }

  countRepositories(prefix: string, filter: string | undefined) {
    return countRepositories(this.db, prefix, filter);
  }

  listRepositoryNames(prefix: string, last: string | undefined, limit: number) {
    return listRepositoryNames(this.db, prefix, last, limit);
  }

  listRepositoriesInScope(prefix: string, query: ListQuery<RepositorySortField>, scope: PathScope) {
    return listRepositoriesInScope(this.db, prefix, query, scope);
  }

  repositoryStats(ids: number[]) {
    return repositoryStats(this.db, ids);
  }

  listTags(repositoryId: number, query: ListQuery<TagSortField>) {
    return listTags(this.db, repositoryId, query);
  }

  countTags(repositoryId: number, filter: string | undefined) {
    return countTags(this.db, repositoryId, filter);
  }

  findTag(repositoryId: number, tag: string) {
    return findTag(this.db, repositoryId, tag);
  }

  manifestFacts(manifestIds: number[]) {
    return manifestFacts(this.db, manifestIds);
  }
}

import type { RegistryAccessLevel, Visibility } from '@berth/contract';
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import {
  type Actor,
  type ProjectCondition,
  type ProjectFacts,
  projectsWithRegistryView,
} from '../access/access.js';
import type { BffDatabase, GroupRow, ProjectRow } from '../db/schema.js';
import { containsIgnoringCase, inGroupsAtOrBelow, type PageWindow, type Sorting } from '../db/sql-helpers.js';
import { isoNow } from './clock.js';
import { assertFullPathFree, assertVisibilityWithin, checkFullPathLength, prefixesOf } from './paths.js';

/** An image name is `<project full path>[/<up to 3 more segments>]` (docs/design.md §5). */
const MAX_IMAGE_SEGMENTS_BELOW_PROJECT = 3;
/** Paths per `IN` list when looking owners up: well inside SQLite's and PostgreSQL's parameter limits. */
const OWNER_LOOKUP_CHUNK = 1000;

/** A repository's owning project, as the group registry list needs it. */
export interface RegistryOwner {
  projectId: number;
  fullPath: string;
  registryVisible: boolean;
}

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** The paths that could be the project owning image `name`, nearest first: itself and up to 3 ancestors. */
function ownerCandidates(name: string): string[] {
  return [name, ...prefixesOf(name).reverse().slice(0, MAX_IMAGE_SEGMENTS_BELOW_PROJECT)];
}

export interface NewProjectInput {
  name: string;
  path: string;
  group: GroupRow;
  visibility: Visibility | undefined;
  registryAccessLevel: RegistryAccessLevel | undefined;
  description: string | undefined;
}

export interface ProjectChanges {
  name?: string | undefined;
  description?: string | undefined;
  visibility?: Visibility | undefined;
  registryAccessLevel?: RegistryAccessLevel | undefined;
}

export type ProjectSortKey = 'id' | 'name' | 'full_path' | 'created_at' | 'last_activity_at';

export interface ProjectQuery {
  /** What the caller may see, from the access module: disjoint parts, a project is listed when it meets one. */
  readable: readonly ProjectCondition[];
  /** Further conditions from the access module (an access level), each of which a listed project meets. */
  where: readonly ProjectCondition[];
  /** A substring of the name or path, ignoring case. */
  search?: string | undefined;
  visibility?: Visibility | undefined;
  /** Only the group's projects; with `deep`, its subgroups' too. */
  group?: GroupRow | undefined;
  deep?: boolean | undefined;
}

function projectFilters(eb: ExpressionBuilder<BffDatabase, 'projects'>, query: ProjectQuery) {
  const filters: Expression<SqlBool>[] = query.where.map((condition) => condition(eb));
  const needle = query.search;
  if (needle) {
    filters.push(
      eb.or([containsIgnoringCase('projects.name', needle), containsIgnoringCase('projects.path', needle)]),
    );
  }
  if (query.visibility) filters.push(eb('projects.visibility', '=', query.visibility));
  if (query.group) {
    filters.push(
      query.deep
        ? inGroupsAtOrBelow('projects.namespace_id', [query.group.id])
        : eb('projects.namespace_id', '=', query.group.id),
    );
  }
  return filters;
}

export class ProjectService {
  constructor(private readonly db: Kysely<BffDatabase>) {}

  findById(id: number): Promise<ProjectRow | undefined> {
    return this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  }

  find(id: number | string): Promise<ProjectRow | undefined> {
    const query = this.db.selectFrom('projects').selectAll();
    return (
      typeof id === 'number' ? query.where('id', '=', id) : query.where('full_path', '=', id)
    ).executeTakeFirst();
  }

  /** The project an image repository belongs to: the longest project path that starts the name. */
  async findForRepository(name: string): Promise<ProjectRow | undefined> {
    const rows = await this.db
      .selectFrom('projects')
      .selectAll()
      .where('full_path', 'in', ownerCandidates(name))
      .execute();
    // Project paths never nest (a project holds no groups), so at most one row matches.
    return rows.sort((a, b) => b.full_path.length - a.full_path.length)[0];
  }

  /** Facts for many projects from one read of the group table. */
  async factsOfAll(projects: ProjectRow[]): Promise<Map<number, ProjectFacts>> {
    const idByPath = new Map(
      (await this.db.selectFrom('groups').select(['id', 'full_path']).execute()).map((g) => [
        g.full_path,
        g.id,
      ]),
    );
    return new Map(projects.map((project) => [project.id, factsOf(project, idByPath)]));
  }

  async facts(project: ProjectRow): Promise<ProjectFacts> {
    const prefixes = prefixesOf(project.full_path);
    const groups = await this.db
      .selectFrom('groups')
      .select(['id', 'full_path'])
      .where('full_path', 'in', prefixes)
      .execute();
    return factsOf(project, new Map(groups.map((g) => [g.full_path, g.id])));
  }

  /**
   * One page of the projects that meet every condition, in a stable order (ties broken by id), and how
   * many there are in all: filtered, counted and paged in the database, so the cost follows the page.
   */
  async page(
    query: ProjectQuery,
    order: Sorting<ProjectSortKey>,
    window: PageWindow,
  ): Promise<{ rows: ProjectRow[]; total: number }> {
    const projects = this.db.selectFrom('projects');
    // The page's ids first, from an index that covers the filters where one does (a group's projects by
    // creation time), then only those rows: sorting ids is cheaper than sorting whole rows.
    let pageIds = projects
      .where((eb) => eb.and([...projectFilters(eb, query), eb.or(query.readable.map((part) => part(eb)))]))
      .select('projects.id')
      .orderBy(order.by, order.direction);
    if (order.by !== 'id') pageIds = pageIds.orderBy('projects.id', order.direction);
    let ordered = projects
      .selectAll()
      .where('projects.id', 'in', pageIds.limit(window.limit).offset(window.offset))
      .orderBy(order.by, order.direction);
    if (order.by !== 'id') ordered = ordered.orderBy('id', order.direction);
    const rows = await ordered.execute();
    // The parts are disjoint, so their counts add up; each is an index range rather than an OR per row.
    const counts = await Promise.all(
      query.readable.map((part) =>
        projects
          .where((eb) => eb.and([...projectFilters(eb, query), part(eb)]))
          .select((eb) => eb.fn.countAll<number | string>().as('total'))
          .executeTakeFirstOrThrow(),
      ),
    );
    return { rows, total: counts.reduce((sum, { total }) => sum + Number(total), 0) };
  }

  /**
   * The project owning each repository name under `group` (`findForRepository`'s rule) and whether
   * the actor may view its registry (`mayViewRegistry`): what a group's registry list may show. It
   * reads whichever is smaller, the projects that could own the names or every project under the
   * group, and only their paths and that decision, so it costs the lesser of the group's
   * repositories and its projects. Names no project owns are absent.
   */
  async registryOwnersOf(
    actor: Actor,
    group: GroupRow,
    names: readonly string[],
    now: Date,
  ): Promise<Map<string, RegistryOwner>> {
    // The group and the groups above it are no projects: only paths below it are looked up.
    const below = `${group.full_path}/`;
    const candidates = [...new Set(names.flatMap(ownerCandidates).filter((path) => path.startsWith(below)))];
    const mayView = projectsWithRegistryView(actor, now);
    const owners = this.db
      .selectFrom('projects')
      .select((eb) => [
        'id',
        'full_path',
        eb.case().when(mayView(eb)).then(1).else(0).end().as('registry_visible'),
      ]);
    const underGroup = inGroupsAtOrBelow('projects.namespace_id', [group.id]);
    const { count } = await this.db
      .selectFrom('projects')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where(underGroup)
      .executeTakeFirstOrThrow();
    const rows =
      Number(count) <= candidates.length
        ? await owners.where(underGroup).execute()
        : (
            await Promise.all(
              chunksOf(candidates, OWNER_LOOKUP_CHUNK).map((chunk) =>
                owners.where('full_path', 'in', chunk).execute(),
              ),
            )
          ).flat();
    const byPath = new Map<string, RegistryOwner>(
      rows.map((row) => [
        row.full_path,
        { projectId: row.id, registryVisible: Number(row.registry_visible) === 1, fullPath: row.full_path },
      ]),
    );
    const found = new Map<string, RegistryOwner>();
    for (const name of names) {
      // Candidates run from the name itself upwards: the first project found is the nearest.
      const owner = ownerCandidates(name)
        .map((path) => byPath.get(path))
        .find((match) => match !== undefined);
      if (owner) found.set(name, owner);
    }
    return found;
  }

  findByIds(ids: readonly number[]): Promise<ProjectRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('projects')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
  }

  async create(input: NewProjectInput): Promise<ProjectRow> {
    const fullPath = `${input.group.full_path}/${input.path}`;
    checkFullPathLength(fullPath);
    const visibility = input.visibility ?? 'private';
    assertVisibilityWithin(visibility, input.group.visibility, 'project', 'group');
    return this.db.transaction().execute(async (trx) => {
      await assertFullPathFree(trx, fullPath);
      const now = isoNow();
      return trx
        .insertInto('projects')
        .values({
          name: input.name,
          path: input.path,
          full_path: fullPath,
          namespace_id: input.group.id,
          visibility,
          container_registry_access_level: input.registryAccessLevel ?? 'enabled',
          description: input.description ?? '',
          created_at: now,
          last_activity_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  /** Refuses changes `update` would refuse, writing nothing: callers check before other writes. */
  assertChangesAllowed(group: GroupRow, changes: ProjectChanges): void {
    if (changes.visibility !== undefined)
      assertVisibilityWithin(changes.visibility, group.visibility, 'project', 'group');
  }

  async update(project: ProjectRow, group: GroupRow, changes: ProjectChanges): Promise<ProjectRow> {
    this.assertChangesAllowed(group, changes);
    return this.db
      .updateTable('projects')
      .set({
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.description !== undefined && { description: changes.description }),
        ...(changes.visibility !== undefined && { visibility: changes.visibility }),
        ...(changes.registryAccessLevel !== undefined && {
          container_registry_access_level: changes.registryAccessLevel,
        }),
        last_activity_at: isoNow(),
      })
      .where('id', '=', project.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}

function factsOf(project: ProjectRow, groupIdByPath: Map<string, number>): ProjectFacts {
  return {
    id: project.id,
    visibility: project.visibility,
    registryAccessLevel: project.container_registry_access_level,
    groupIds: prefixesOf(project.full_path).flatMap((path) => groupIdByPath.get(path) ?? []),
  };
}

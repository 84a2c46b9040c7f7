import type { RegistryAccessLevel, Visibility } from '@berth/contract';
import type { Kysely } from 'kysely';
import type { ProjectFacts } from '../access/access.js';
import type { BffDatabase, GroupRow, ProjectRow } from '../db/schema.js';
import { containsIgnoringCase } from '../db/sql-helpers.js';
import { badRequest } from '../errors.js';
import { isoNow } from './clock.js';
import { assertFullPathFree, assertVisibilityWithin, checkFullPathLength, prefixesOf } from './paths.js';

/** An image name is `<project full path>[/<up to 3 more segments>]` (docs/design.md §5). */
const MAX_IMAGE_SEGMENTS_BELOW_PROJECT = 3;

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
  path?: string | undefined;
  description?: string | undefined;
  visibility?: Visibility | undefined;
  registryAccessLevel?: RegistryAccessLevel | undefined;
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
    const candidates = [...prefixesOf(name), name];
    const rows = await this.db
      .selectFrom('projects')
      .selectAll()
      .where('full_path', 'in', candidates)
      .execute();
    const project = rows.sort((a, b) => b.full_path.length - a.full_path.length)[0];
    if (!project) return undefined;
    const below =
      name.length === project.full_path.length
        ? 0
        : name.slice(project.full_path.length + 1).split('/').length;
    return below <= MAX_IMAGE_SEGMENTS_BELOW_PROJECT ? project : undefined;
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

  /** Projects matching a name/path substring; under `groupPath` (and its subgroups when `deep`) if given. */
  list(filter: { search?: string | undefined; group?: GroupRow; deep?: boolean }): Promise<ProjectRow[]> {
    let query = this.db.selectFrom('projects').selectAll();
    if (filter.search) {
      const needle = filter.search;
      query = query.where((eb) =>
        eb.or([containsIgnoringCase('name', needle), containsIgnoringCase('path', needle)]),
      );
    }
    const group = filter.group;
    if (group) {
      query = filter.deep
        ? query.where((eb) =>
            eb.or([
              eb('namespace_id', '=', group.id),
              eb(
                eb.fn('substr', ['full_path', eb.val(1), eb.val(group.full_path.length + 1)]),
                '=',
                `${group.full_path}/`,
              ),
            ]),
          )
        : query.where('namespace_id', '=', group.id);
    }
    return query.execute();
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

  async update(project: ProjectRow, group: GroupRow, changes: ProjectChanges): Promise<ProjectRow> {
    if (changes.path !== undefined && changes.path !== project.path) {
      throw badRequest(
        'path cannot be changed: images pushed under the old path would no longer belong to the project',
      );
    }
    if (changes.visibility !== undefined)
      assertVisibilityWithin(changes.visibility, group.visibility, 'project', 'group');
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

  /** Deletes the project with its members; deploy and job tokens go with it (foreign keys cascade). */
  async remove(project: ProjectRow): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('members')
        .where('source_type', '=', 'project')
        .where('source_id', '=', project.id)
        .execute();
      await trx.deleteFrom('projects').where('id', '=', project.id).execute();
    });
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

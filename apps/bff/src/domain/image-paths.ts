import type { Visibility } from '@berth/contract';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { BffDatabase, GroupRow, ProjectRow } from '../db/schema.js';
import { badRequest, conflict } from '../errors.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { isoNow } from './clock.js';
import { assertFullPathFree, checkFullPathLength, prefixesOf, VISIBILITY_RANK } from './paths.js';

/**
 * Renames, transfers and deletions of projects and groups, which own every image repository below
 * their full path. The registry side goes first: a move is checked with the registry's dry run, done,
 * and undone if the rows cannot follow; a deletion removes the images before any row, so a path is
 * never freed while images a later project at that path could read remain there.
 */
export class ImagePaths {
  constructor(
    private readonly db: Kysely<BffDatabase>,
    private readonly registry: RegistryClient,
  ) {}

  /** A new path and/or namespace for a project (`PUT /projects/:id`, `PUT /projects/:id/transfer`). */
  async moveProject(project: ProjectRow, target: { path: string; namespace: GroupRow }): Promise<void> {
    const to = `${target.namespace.full_path}/${target.path}`;
    if (to === project.full_path) return;
    checkFullPathLength(to);
    await assertFullPathFree(this.db, to);
    // As in GitLab, a project moved into a less visible namespace takes that namespace's visibility.
    const visibility = capped(project.visibility, target.namespace.visibility);
    await this.move(project.full_path, to, async (trx) => {
      await assertFullPathFree(trx, to);
      await trx
        .updateTable('projects')
        .set({
          path: target.path,
          full_path: to,
          namespace_id: target.namespace.id,
          visibility,
          last_activity_at: isoNow(),
        })
        .where('id', '=', project.id)
        .execute();
    });
  }

  /**
   * A new path and/or parent for a group (`PUT /groups/:id`, `POST /groups/:id/transfer`); `parent` null
   * makes it top-level. Every subgroup and project below moves with it.
   */
  async moveGroup(group: GroupRow, target: { path: string; parent: GroupRow | null }): Promise<void> {
    const { parent } = target;
    const from = group.full_path;
    const to = parent ? `${parent.full_path}/${target.path}` : target.path;
    if (parent && (parent.id === group.id || parent.full_path.startsWith(`${from}/`))) {
      throw badRequest('Transfer failed: a group cannot be moved into itself or one of its subgroups');
    }
    if (to === from) return;
    const longest = await this.longestPathUnder(from);
    checkFullPathLength(`${to}${longest.slice(from.length)}`);
    await assertFullPathFree(this.db, to);
    const ceiling = parent?.visibility;
    await this.move(from, to, async (trx) => {
      await assertFullPathFree(trx, to);
      for (const table of ['groups', 'projects'] as const) {
        await trx
          .updateTable(table)
          .set({ full_path: sql<string>`${to} || substr(full_path, ${from.length + 1})` })
          .where(atOrUnder(from))
          .execute();
        // As in GitLab, nothing below a parent may be more visible than it.
        if (ceiling && ceiling !== 'public') {
          await trx
            .updateTable(table)
            .set({ visibility: ceiling })
            .where(atOrUnder(to))
            .where('visibility', 'in', moreVisibleThan(ceiling))
            .execute();
        }
      }
      await trx
        .updateTable('groups')
        .set({ path: target.path, parent_id: parent?.id ?? null })
        .where('id', '=', group.id)
        .execute();
    });
  }

  /** Deletes the project's images, then its rows (members; deploy and job tokens cascade). */
  async removeProject(project: ProjectRow): Promise<void> {
    await this.deleteImagesUnder(project.full_path);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('members')
        .where('source_type', '=', 'project')
        .where('source_id', '=', project.id)
        .execute();
      await trx.deleteFrom('projects').where('id', '=', project.id).execute();
      await release(trx, project.full_path);
    });
  }

  /** Deletes the group with every subgroup and project below it, images first (GitLab semantics). */
  async removeGroup(group: GroupRow): Promise<void> {
    await this.deleteImagesUnder(group.full_path);
    await this.db.transaction().execute(async (trx) => {
      const projects = await trx
        .selectFrom('projects')
        .select('id')
        .where(atOrUnder(group.full_path))
        .execute();
      const groups = await trx
        .selectFrom('groups')
        .select(['id', 'full_path'])
        .where(atOrUnder(group.full_path))
        .execute();
      for (const [sourceType, rows] of [
        ['project', projects],
        ['group', groups],
      ] as const) {
        if (rows.length === 0) continue;
        await trx
          .deleteFrom('members')
          .where('source_type', '=', sourceType)
          .where(
            'source_id',
            'in',
            rows.map((row) => row.id),
          )
          .execute();
      }
      if (projects.length > 0) {
        await trx
          .deleteFrom('projects')
          .where(
            'id',
            'in',
            projects.map((row) => row.id),
          )
          .execute();
      }
      // Deepest first: a group's parent is kept (foreign key) until its children are gone.
      for (const row of groups.sort((a, b) => b.full_path.length - a.full_path.length)) {
        await trx.deleteFrom('groups').where('id', '=', row.id).execute();
      }
      await release(trx, group.full_path);
    });
  }

  /**
   * Records as released every repository path whose images no project owns: an install from before
   * deletes took images along left such images behind. A project later created or moved there has them
   * deleted first (`clearReleased`); until then nobody can pull them, and nothing is deleted on a guess.
   * Answers how many paths it recorded.
   */
  async releaseUnownedImages(): Promise<number> {
    const names = await this.registry.listAllRepositoryNames();
    const owned = new Set(
      (await this.db.selectFrom('projects').select('full_path').execute()).map((row) => row.full_path),
    );
    const recorded = new Set(
      (await this.db.selectFrom('released_paths').select('full_path').execute()).map((row) => row.full_path),
    );
    const unowned = names.filter((name) => {
      const atOrAbove = [...prefixesOf(name), name];
      return !atOrAbove.some((path) => owned.has(path) || recorded.has(path));
    });
    if (unowned.length > 0) {
      await this.db.transaction().execute(async (trx) => {
        for (const path of unowned) await release(trx, path);
      });
    }
    return unowned.length;
  }

  /**
   * Forgets paths released before `releasedBefore` that the registry holds nothing under. The caller
   * passes a time by which every registry token issued before the release has expired: no image can
   * appear there any more, so a later owner has nothing to clear. Paths with images (left by an older
   * version) are kept. Answers how many it forgot.
   */
  async forgetEmptyReleasedPaths(releasedBefore: Date): Promise<number> {
    const cutoff = isoNow(releasedBefore);
    const rows = await this.db
      .selectFrom('released_paths')
      .select(['id', 'full_path'])
      .where('released_at', '<', cutoff)
      .execute();
    let forgotten = 0;
    for (const row of rows) {
      if ((await this.registry.listRepositoryNamesUnder(row.full_path)).length > 0) continue;
      await this.db.deleteFrom('released_paths').where('id', '=', row.id).execute();
      forgotten += 1;
    }
    return forgotten;
  }

  /**
   * Makes a free path ready for a new project: when it overlaps a released path, a registry token
   * issued before the release may have pushed there since, so everything at or below it is deleted.
   * Paths never released cost no registry call.
   */
  async prepareNewProjectPath(fullPath: string): Promise<void> {
    checkFullPathLength(fullPath);
    await assertFullPathFree(this.db, fullPath);
    await this.clearReleased(fullPath);
  }

  private async clearReleased(fullPath: string): Promise<void> {
    const above = prefixesOf(fullPath);
    const overlapping = await this.db
      .selectFrom('released_paths')
      .select('id')
      .where((eb) =>
        eb.or([atOrUnder(fullPath), ...(above.length > 0 ? [eb('full_path', 'in', above)] : [])]),
      )
      .executeTakeFirst();
    if (!overlapping) return;
    await this.deleteImagesUnder(fullPath);
    await this.db.deleteFrom('released_paths').where(atOrUnder(fullPath)).execute();
  }

  /**
   * Registry first: a dry run refuses a taken or invalid target before anything changes; the rows
   * follow in one transaction, and when they cannot, the registry is moved back.
   */
  private async move(from: string, to: string, applyRows: (trx: Transaction<BffDatabase>) => Promise<void>) {
    await this.clearReleased(to);
    const atTarget = await this.registry.listRepositoriesUnder(to);
    if (atTarget.length > 0) {
      throw conflict(
        `The container registry already holds images at ${atTarget[0]?.path}: nothing was moved to ${to}`,
      );
    }
    // The dry run refuses a taken or invalid target (RegistryRenameError) before anything moves.
    const plan = await this.registry.renameRepositories(from, to, { dryRun: true });
    const moving = plan.repositories.length > 0;
    if (moving) await this.registry.renameRepositories(from, to, { dryRun: false });
    try {
      await this.db.transaction().execute(async (trx) => {
        await applyRows(trx);
        await release(trx, from);
      });
    } catch (error) {
      if (!moving) throw error;
      try {
        await this.registry.renameRepositories(to, from, { dryRun: false });
      } catch (undoError) {
        throw new Error(
          `moved images from ${from} to ${to} but could not update the paths or move them back`,
          {
            cause: new AggregateError([error, undoError]),
          },
        );
      }
      throw error;
    }
  }

  /** Fails on the first repository the registry does not delete, leaving every row in place. */
  private async deleteImagesUnder(fullPath: string): Promise<void> {
    for (const repository of await this.registry.listRepositoriesUnder(fullPath)) {
      await this.registry.deleteRepository(repository.path);
    }
  }

  private async longestPathUnder(fullPath: string): Promise<string> {
    let longest = fullPath;
    for (const table of ['groups', 'projects'] as const) {
      const rows = await this.db.selectFrom(table).select('full_path').where(atOrUnder(fullPath)).execute();
      for (const row of rows) if (row.full_path.length > longest.length) longest = row.full_path;
    }
    return longest;
  }
}

async function release(trx: Transaction<BffDatabase>, fullPath: string): Promise<void> {
  await trx.insertInto('released_paths').values({ full_path: fullPath, released_at: isoNow() }).execute();
}

/** `full_path` is `fullPath` or below it (`fullPath/…`). */
function atOrUnder(fullPath: string) {
  return sql<boolean>`(full_path = ${fullPath} or substr(full_path, 1, ${fullPath.length + 1}) = ${`${fullPath}/`})`;
}

function capped(visibility: Visibility, ceiling: Visibility): Visibility {
  return VISIBILITY_RANK[visibility] > VISIBILITY_RANK[ceiling] ? ceiling : visibility;
}

function moreVisibleThan(ceiling: Visibility): Visibility[] {
  return (Object.keys(VISIBILITY_RANK) as Visibility[]).filter(
    (visibility) => VISIBILITY_RANK[visibility] > VISIBILITY_RANK[ceiling],
  );
}

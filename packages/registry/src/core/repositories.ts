import type {
  KeysetPage,
  ListQuery,
  PathScope,
  RepositorySortField,
  TagSortField,
} from '../meta/listing-query.js';
import type { Listings, ManifestFacts, RepositoryRow, RepositoryStats, TagRow } from '../meta/listings.js';
import type { MetadataStore } from '../meta/metadata-store.js';
import type { StorageDriver } from '../storage/driver.js';
import { registryError } from './errors.js';
import { assertRepositoryName, isRepositoryName } from './names.js';
import { uploadKey } from './storage-keys.js';

export interface RepositoriesDeps {
  meta: MetadataStore;
  listings: Listings;
  /** Blob storage, for the files of uploads a deleted repository had in progress. */
  storage: StorageDriver;
  clock?: () => number;
}

export interface RepositoryWithStats {
  row: RepositoryRow;
  stats: RepositoryStats;
}

export interface TagWithFacts {
  row: TagRow;
  facts: ManifestFacts | undefined;
}

/**
 * The `/berth/v1/` operations on repositories: listings with tag counts and kept sizes, tags
 * with their sizes and index children, bulk tag delete, repository delete (with its unfinished
 * uploads' files) and rename. Throws RegistryErrors for what the caller got wrong.
 */
export class Repositories {
  private readonly now: () => number;

  constructor(private readonly deps: RepositoriesDeps) {
    this.now = deps.clock ?? Date.now;
  }

  /** Repositories at or under `prefix`, one page, with the number that match the filter. */
  async list(prefix: string, query: ListQuery<RepositorySortField>) {
    const { listings } = this.deps;
    const [page, total] = await Promise.all([
      listings.listRepositories(prefix, query),
      listings.countRepositories(prefix, query.filter),
    ]);
    return { page: { ...page, rows: await this.withStats(page.rows) }, total };
  }

  /** Names of the repositories at or under `prefix` after `last`, in byte order, at most `limit`. */
  names(prefix: string, last: string | undefined, limit: number): Promise<string[]> {
    return this.deps.listings.listRepositoryNames(prefix, last, limit);
  }

  /** Repositories at or under `prefix` inside `scope`, one offset page and the total. */
  async listInScope(prefix: string, query: ListQuery<RepositorySortField>, scope: PathScope) {
    const page = await this.deps.listings.listRepositoriesInScope(prefix, query, scope);
    return { rows: await this.withStats(page.rows), total: page.total };
  }

  async get(name: string): Promise<RepositoryWithStats> {
    const [repository] = await this.withStats([await this.require(name)]);
    return repository!;
  }

  async getById(id: number): Promise<RepositoryWithStats> {
    const row = await this.deps.listings.findRepositoryById(id);
    if (!row) {
      throw registryError('NAME_UNKNOWN', 'repository id not known to registry', { detail: { id } });
    }
    const [repository] = await this.withStats([row]);
    return repository!;
  }

  /** One page of the repository's tags with their sizes, and how many match the filter. */
  async listTags(
    name: string,
    query: ListQuery<TagSortField>,
  ): Promise<{ page: KeysetPage<TagWithFacts>; total: number }> {
    const { listings } = this.deps;
    const repository = await this.require(name);
    const [page, total] = await Promise.all([
      listings.listTags(repository.id, query),
      listings.countTags(repository.id, query.filter),
    ]);
    const facts = await listings.manifestFacts(page.rows.map((row) => row.manifest_id));
    return {
      page: { ...page, rows: page.rows.map((row) => ({ row, facts: facts.get(row.manifest_id) })) },
      total,
    };
  }

  async getTag(name: string, tag: string): Promise<TagWithFacts> {
    const repository = await this.require(name);
    const row = await this.deps.listings.findTag(repository.id, tag);
    if (!row) throw registryError('MANIFEST_UNKNOWN', 'tag unknown to registry', { detail: { name, tag } });
    const facts = await this.deps.listings.manifestFacts([row.manifest_id]);
    return { row, facts: facts.get(row.manifest_id) };
  }

  /** Deletes the named tags (each once) and answers which existed and which did not. */
  async deleteTags(name: string, names: string[]): Promise<{ deleted: string[]; notFound: string[] }> {
    const repository = await this.require(name);
    const unique = [...new Set(names)];
    const deleted = await this.deps.meta.deleteTags(repository.id, unique, this.now());
    return {
      deleted: unique.filter((tag) => deleted.has(tag)),
      notFound: unique.filter((tag) => !deleted.has(tag)),
    };
  }

  /** Deletes the repository's metadata, then the files of its unfinished uploads. */
  async delete(name: string): Promise<void> {
    const repository = await this.require(name);
    const uploads = await this.deps.meta.deleteRepository(repository.id, this.now());
    for (const id of uploads) await this.deps.storage.delete(uploadKey(id));
  }

  /**
   * Moves `from` and everything below it to `to` (or, with `dryRun`, only checks that it could).
   * Refuses with NAME_UNKNOWN, NAME_INVALID (the first target that breaks the grammar) or
   * NAME_TAKEN (up to 100 taken targets in `detail.taken`).
   */
  async rename(from: string, to: string, dryRun: boolean): Promise<{ from: string; to: string }[]> {
    assertRepositoryName(to);
    const plan = await this.deps.meta.renameRepositories({
      from,
      to,
      now: this.now(),
      dryRun,
      isValidName: isRepositoryName,
    });
    if (plan.ok) return plan.moves.map((move) => ({ from: move.from, to: move.to }));
    switch (plan.reason) {
      case 'unknown':
        throw unknownRepository(from);
      case 'invalid': {
        const first = plan.invalid[0];
        // Reuse the grammar's own message and rule for the first name that would break it.
        if (first) assertRepositoryName(first.to);
        throw registryError('NAME_INVALID', 'invalid repository name', { detail: { name: first?.to } });
      }
      case 'taken':
        throw registryError('NAME_TAKEN', 'a repository with a target name already exists', {
          detail: { taken: plan.taken.slice(0, 100) },
        });
    }
  }

  private async require(name: string): Promise<RepositoryRow> {
    const repository = await this.deps.listings.findRepository(name);
    if (!repository) throw unknownRepository(name);
    return repository;
  }

  private async withStats(rows: RepositoryRow[]): Promise<RepositoryWithStats[]> {
    const stats = await this.deps.listings.repositoryStats(rows.map((row) => row.id));
    return rows.map((row) => ({
      row,
      stats: stats.get(row.id) ?? { tagsCount: 0, sizeBytes: 0, lastPublishedAt: null },
    }));
  }
}

function unknownRepository(name: string) {
  return registryError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name } });
}

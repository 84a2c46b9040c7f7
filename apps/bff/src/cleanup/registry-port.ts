import { REGISTRY_BULK_DELETE_MAX } from '@berth/contract';
import type { TagFacts } from '../domain/tag-rules.js';
import type { RegistryClient } from '../registry/registry-client.js';

/** Most tag names one registry bulk delete takes (`/berth/v1/` limit). */
export const TAG_DELETE_BATCH = REGISTRY_BULK_DELETE_MAX;

export interface CleanupRepository {
  /** The registry's repository id (GitLab's `repository_id`). */
  id: number;
  path: string;
}

/** What tag cleanup needs from the registry: a narrow view of the registry client, so the engine stays testable. */
export interface CleanupRegistry {
  /** Every repository of a project: its own path and the paths below it. */
  projectRepositories(projectPath: string): Promise<CleanupRepository[]>;
  repositoryById(id: number): Promise<CleanupRepository | undefined>;
  /** Every tag of a repository with its published time, across all pages. */
  allTags(repositoryPath: string): Promise<TagFacts[]>;
  /** Deletes at most TAG_DELETE_BATCH tags; names already gone are reported, not an error. */
  deleteTags(
    repositoryPath: string,
    names: readonly string[],
  ): Promise<{ deleted: string[]; notFound: string[] }>;
}

export function cleanupRegistryOf(client: RegistryClient): CleanupRegistry {
  return {
    async projectRepositories(projectPath) {
      return (await client.listRepositoriesUnder(projectPath)).map(({ id, path }) => ({ id, path }));
    },
    async repositoryById(id) {
      const repository = await client.getRepositoryById(id);
      return repository && { id: repository.id, path: repository.path };
    },
    async allTags(repositoryPath) {
      return (await client.listAllTags(repositoryPath)).map((tag) => ({
        name: tag.name,
        publishedAt: tag.published_at,
      }));
    },
    async deleteTags(repositoryPath, names) {
      const result = await client.deleteTags(repositoryPath, [...names]);
      return { deleted: result.deleted, notFound: result.not_found };
    },
  };
}

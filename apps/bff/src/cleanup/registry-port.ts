import type { TagFacts } from './tag-rules.js';

/** Most tag names one registry bulk delete takes (`/berth/v1/` limit). */
export const TAG_DELETE_BATCH = 1000;

export interface CleanupRepository {
  /** The registry's repository id (GitLab's `repository_id`). */
  id: number;
  path: string;
}

/** What tag cleanup needs from the registry; `registry-adapter.ts` implements it over the registry client. */
export interface CleanupRegistry {
  /** Every repository of a project: its own path and the paths below it. */
  projectRepositories(projectPath: string): Promise<CleanupRepository[]>;
  /** Every tag of a repository with its published time, across all pages. */
  allTags(repositoryPath: string): Promise<TagFacts[]>;
  /** Deletes at most TAG_DELETE_BATCH tags; names already gone are reported, not an error. */
  deleteTags(
    repositoryPath: string,
    names: readonly string[],
  ): Promise<{ deleted: string[]; notFound: string[] }>;
}

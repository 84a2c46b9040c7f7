import type { QueryClient } from '@tanstack/react-query';
import { getProjectQueryOptions } from '../../shared/api/get-project';
import { readSearchState } from '../../shared/use-search-state';
import { getRepositoryQueryOptions } from './api/get-repository';
import { listTagsQueryOptions } from './api/list-tags';
import { tagListParams, tagListSearchSchema } from './tag-list-search';

/** Starts the repository page's requests while its code downloads, so a shared link loads in one round trip. */
export function prefetchRepositoryPage(
  client: QueryClient,
  project: string,
  repositoryId: number,
  search: URLSearchParams,
) {
  const params = tagListParams(readSearchState(tagListSearchSchema, search));
  void client.prefetchQuery(getProjectQueryOptions(project));
  void client.prefetchQuery(getRepositoryQueryOptions(repositoryId));
  void client.prefetchQuery(listTagsQueryOptions(project, repositoryId, params));
}

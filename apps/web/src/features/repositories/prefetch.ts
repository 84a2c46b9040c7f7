import type { QueryClient } from '@tanstack/react-query';
import { getGroupQueryOptions } from '../../shared/api/get-group';
import { getProjectQueryOptions } from '../../shared/api/get-project';
import { readSearchState } from '../../shared/use-search-state';
import { listGroupRepositoriesQueryOptions } from './api/list-group-repositories';
import { listProjectRepositoriesQueryOptions } from './api/list-project-repositories';
import { repositoryListParams, repositoryListSearchSchema } from './repository-list-search';

/** Starts a registry page's requests while its code downloads. */
export function prefetchProjectRegistry(client: QueryClient, project: string, search: URLSearchParams) {
  void client.prefetchQuery(getProjectQueryOptions(project));
  void client.prefetchQuery(
    listProjectRepositoriesQueryOptions(
      project,
      repositoryListParams(readSearchState(repositoryListSearchSchema, search)),
    ),
  );
}

export function prefetchGroupRegistry(client: QueryClient, group: string, search: URLSearchParams) {
  void client.prefetchQuery(getGroupQueryOptions(group));
  void client.prefetchQuery(
    listGroupRepositoriesQueryOptions(
      group,
      repositoryListParams(readSearchState(repositoryListSearchSchema, search)),
    ),
  );
}

import { containerRepositorySchema } from '@berth/contract';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiPage, encodeId } from '../../../shared/api-client';

export interface ListRepositoriesParams {
  search?: string;
  orderBy: 'name' | 'created_at' | 'updated_at';
  sort: 'asc' | 'desc';
  page: number;
  perPage: number;
}

export const repositoryListQuery = (params: ListRepositoriesParams) => ({
  tags_count: true,
  search: params.search,
  order_by: params.orderBy,
  sort: params.sort,
  page: params.page,
  per_page: params.perPage,
});

/** `GET /projects/:id/registry/repositories`. */
export const listProjectRepositories = (
  project: string,
  params: ListRepositoriesParams,
  signal?: AbortSignal,
) =>
  apiPage(containerRepositorySchema, `/projects/${encodeId(project)}/registry/repositories`, {
    signal,
    query: repositoryListQuery(params),
  });

export const listProjectRepositoriesQueryOptions = (project: string, params: ListRepositoriesParams) =>
  queryOptions({
    queryKey: ['repositories', 'project', project, params],
    queryFn: ({ signal }) => listProjectRepositories(project, params, signal),
    placeholderData: keepPreviousData,
  });

export const useListProjectRepositories = (project: string, params: ListRepositoriesParams, enabled = true) =>
  useQuery({ ...listProjectRepositoriesQueryOptions(project, params), enabled });

import { containerRepositorySchema } from '@berth/contract';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiPage, encodeId } from '../../../shared/api-client';
import { type ListRepositoriesParams, repositoryListQuery } from './list-project-repositories';

/** `GET /groups/:id/registry/repositories`: every project of the group and its subgroups. */
export const listGroupRepositories = (group: string, params: ListRepositoriesParams, signal?: AbortSignal) =>
  apiPage(containerRepositorySchema, `/groups/${encodeId(group)}/registry/repositories`, {
    signal,
    query: repositoryListQuery(params),
  });

export const listGroupRepositoriesQueryOptions = (group: string, params: ListRepositoriesParams) =>
  queryOptions({
    queryKey: ['repositories', 'group', group, params],
    queryFn: ({ signal }) => listGroupRepositories(group, params, signal),
    placeholderData: keepPreviousData,
  });

export const useListGroupRepositories = (group: string, params: ListRepositoriesParams) =>
  useQuery(listGroupRepositoriesQueryOptions(group, params));

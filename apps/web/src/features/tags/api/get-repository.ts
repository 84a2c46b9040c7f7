import { containerRepositorySchema } from '@berth/contract';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../shared/api-client';

/** `GET /registry/repositories/:id` with its tag count and size. */
export const getRepository = (repositoryId: number, signal?: AbortSignal) =>
  apiRequest(containerRepositorySchema, `/registry/repositories/${repositoryId}`, {
    signal,
    query: { tags_count: true, size: true },
  });

export const getRepositoryQueryOptions = (repositoryId: number) =>
  queryOptions({
    queryKey: ['repository', repositoryId],
    queryFn: ({ signal }) => getRepository(repositoryId, signal),
  });

export const useRepository = (repositoryId: number) => useQuery(getRepositoryQueryOptions(repositoryId));

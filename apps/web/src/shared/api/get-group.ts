import { groupSchema } from '@berth/contract';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, encodeId } from '../api-client';

export const getGroup = (fullPath: string, signal?: AbortSignal) =>
  apiRequest(groupSchema, `/groups/${encodeId(fullPath)}`, { signal });

export const getGroupQueryOptions = (fullPath: string) =>
  queryOptions({
    queryKey: ['group', fullPath],
    queryFn: ({ signal }) => getGroup(fullPath, signal),
    staleTime: 30_000,
  });

export const useGroup = (fullPath: string) => useQuery(getGroupQueryOptions(fullPath));

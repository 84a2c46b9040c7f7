import { groupSchema } from '@berth/contract';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiPage } from '../../../shared/api-client';

export interface ListGroupsParams {
  search?: string;
  perPage?: number;
}

export const listGroups = (params: ListGroupsParams, signal?: AbortSignal) =>
  apiPage(groupSchema, '/groups', {
    signal,
    query: { search: params.search, per_page: params.perPage, all_available: true, order_by: 'path' },
  });

export const listGroupsQueryOptions = (params: ListGroupsParams) =>
  queryOptions({
    queryKey: ['groups', params],
    queryFn: ({ signal }) => listGroups(params, signal),
    placeholderData: keepPreviousData,
  });

export const useListGroups = (params: ListGroupsParams) => useQuery(listGroupsQueryOptions(params));

import { projectSchema } from '@berth/contract';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiPage } from '../api-client';

export interface ListProjectsParams {
  search?: string;
  orderBy?: 'name' | 'path' | 'created_at' | 'last_activity_at';
  sort?: 'asc' | 'desc';
  page?: number;
  perPage?: number;
  membership?: boolean;
}

/** `GET /projects`: what the caller may see. Shared by the explore page and the navigation rail. */
export const listProjects = (params: ListProjectsParams, signal?: AbortSignal) =>
  apiPage(projectSchema, '/projects', {
    signal,
    query: {
      search: params.search,
      order_by: params.orderBy,
      sort: params.sort,
      page: params.page,
      per_page: params.perPage,
      membership: params.membership,
    },
  });

export const listProjectsQueryOptions = (params: ListProjectsParams) =>
  queryOptions({
    queryKey: ['projects', params],
    queryFn: ({ signal }) => listProjects(params, signal),
    placeholderData: keepPreviousData,
  });

export const useListProjects = (params: ListProjectsParams) => useQuery(listProjectsQueryOptions(params));

import { containerTagSchema } from '@berth/contract';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiPage, encodeId } from '../../../shared/api-client';

export interface ListTagsParams {
  search?: string;
  orderBy: 'name' | 'published_at';
  sort: 'asc' | 'desc';
  page: number;
  perPage: number;
}

export const tagsPath = (project: string, repositoryId: number) =>
  `/projects/${encodeId(project)}/registry/repositories/${repositoryId}/tags`;

/** `GET /projects/:id/registry/repositories/:repository_id/tags`: one offset page. */
export const listTags = (
  project: string,
  repositoryId: number,
  params: ListTagsParams,
  signal?: AbortSignal,
) =>
  apiPage(containerTagSchema, tagsPath(project, repositoryId), {
    signal,
    query: {
      search: params.search,
      order_by: params.orderBy,
      sort: params.sort,
      page: params.page,
      per_page: params.perPage,
    },
  });

export const listTagsQueryKey = (project: string, repositoryId: number) =>
  ['tags', project, repositoryId] as const;

export const listTagsQueryOptions = (project: string, repositoryId: number, params: ListTagsParams) =>
  queryOptions({
    queryKey: [...listTagsQueryKey(project, repositoryId), params],
    queryFn: ({ signal }) => listTags(project, repositoryId, params, signal),
    placeholderData: keepPreviousData,
  });

export const useListTags = (project: string, repositoryId: number, params: ListTagsParams, enabled = true) =>
  useQuery({ ...listTagsQueryOptions(project, repositoryId, params), enabled });

/** Every tag name matching a search, for "select all matching": pages of 100 until the last. */
export async function listMatchingTagNames(
  project: string,
  repositoryId: number,
  search: string | undefined,
  signal?: AbortSignal,
): Promise<string[]> {
  const names: string[] = [];
  for (let page = 1; ; page += 1) {
    const result = await listTags(
      project,
      repositoryId,
      { search, orderBy: 'name', sort: 'asc', page, perPage: 100 },
      signal,
    );
    names.push(...result.items.map((tag) => tag.name));
    if (page >= result.totalPages || result.items.length === 0) return names;
  }
}

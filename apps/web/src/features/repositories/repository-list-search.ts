import { z } from 'zod';
import { enumParam, pageParam, perPageParam, searchParam } from '../../shared/use-search-state';
import type { ListRepositoriesParams } from './api/list-project-repositories';

export const PER_PAGE_OPTIONS = [20, 50, 100] as const;

/** GitLab's parameter names: `search[]`, `orderBy`, `sort`, `page`; defaults are left out of the URL. */
export const repositoryListSearchSchema = z.object({
  search: searchParam,
  orderBy: enumParam(['name', 'created_at', 'updated_at'], 'updated_at'),
  sort: enumParam(['asc', 'desc'], 'desc'),
  page: pageParam,
  per_page: perPageParam(PER_PAGE_OPTIONS, 20),
});

export const repositoryListParams = (
  state: z.infer<typeof repositoryListSearchSchema>,
): ListRepositoriesParams => ({
  search: state.search || undefined,
  orderBy: state.orderBy,
  sort: state.sort,
  page: state.page,
  perPage: state.per_page,
});

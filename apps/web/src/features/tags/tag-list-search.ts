import { z } from 'zod';
import { enumParam, pageParam, perPageParam, searchParam } from '../../shared/use-search-state';
import type { ListTagsParams } from './api/list-tags';

export const TAG_PAGE_SIZES = [20, 50, 100] as const;

/** The tag list's URL state, in GitLab's parameter names. */
export const tagListSearchSchema = z.object({
  search: searchParam,
  orderBy: enumParam(['name', 'published_at'], 'published_at'),
  sort: enumParam(['asc', 'desc'], 'desc'),
  page: pageParam,
  per_page: perPageParam(TAG_PAGE_SIZES, 20),
});

export const tagListParams = (state: z.infer<typeof tagListSearchSchema>): ListTagsParams => ({
  search: state.search || undefined,
  orderBy: state.orderBy,
  sort: state.sort,
  page: state.page,
  perPage: state.per_page,
});

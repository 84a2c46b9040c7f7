import { tagImageSchema } from '@berth/contract';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../shared/api-client';
import { tagsPath } from './list-tags';

/** `GET …/tags/:tag_name/image`: configuration, layers and history of each platform. */
export const getTagImage = (project: string, repositoryId: number, tag: string, signal?: AbortSignal) =>
  apiRequest(tagImageSchema, `${tagsPath(project, repositoryId)}/${encodeURIComponent(tag)}/image`, {
    signal,
  });

export const getTagImageQueryOptions = (project: string, repositoryId: number, tag: string) =>
  queryOptions({
    queryKey: ['tag-image', project, repositoryId, tag],
    queryFn: ({ signal }) => getTagImage(project, repositoryId, tag, signal),
    staleTime: 5 * 60_000,
  });

export const useTagImage = (project: string, repositoryId: number, tag: string, enabled: boolean) =>
  useQuery({ ...getTagImageQueryOptions(project, repositoryId, tag), enabled });

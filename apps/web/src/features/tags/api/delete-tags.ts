import { deleteSelectedTagsResultSchema, REGISTRY_BULK_DELETE_MAX } from '@berth/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../shared/api-client';
import { listTagsQueryKey, tagsPath } from './list-tags';

export interface DeleteTagsInput {
  project: string;
  repositoryId: number;
  names: string[];
  onProgress?: (done: number, total: number) => void;
}

/**
 * "Delete selected": `POST …/tags/delete` `{names}` → `{deleted, not_found}`. One request per
 * REGISTRY_BULK_DELETE_MAX names (one request for any selection up to that size).
 */
export async function deleteTags({ project, repositoryId, names, onProgress }: DeleteTagsInput) {
  const result = { deleted: [] as string[], not_found: [] as string[] };
  for (let start = 0; start < names.length; start += REGISTRY_BULK_DELETE_MAX) {
    const chunk = names.slice(start, start + REGISTRY_BULK_DELETE_MAX);
    const answer = await apiRequest(
      deleteSelectedTagsResultSchema,
      `${tagsPath(project, repositoryId)}/delete`,
      {
        method: 'POST',
        body: { names: chunk },
      },
    );
    result.deleted.push(...answer.deleted);
    result.not_found.push(...answer.not_found);
    onProgress?.(Math.min(names.length, start + chunk.length), names.length);
  }
  return result;
}

export const useDeleteTags = () => {
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteTags,
    onSettled: (_result, _error, input) => {
      void client.invalidateQueries({ queryKey: listTagsQueryKey(input.project, input.repositoryId) });
      void client.invalidateQueries({ queryKey: ['repository', input.repositoryId] });
      void client.invalidateQueries({ queryKey: ['repositories'] });
    },
  });
};

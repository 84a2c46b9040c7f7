import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiCommand, encodeId } from '../api-client';

/** `DELETE /projects/:id/registry/repositories/:repository_id`: scheduled; the row shows it until it is gone. */
export const deleteRepository = ({ project, repositoryId }: { project: string; repositoryId: number }) =>
  apiCommand(`/projects/${encodeId(project)}/registry/repositories/${repositoryId}`, { method: 'DELETE' });

export const useDeleteRepository = () => {
  const client = useQueryClient();
  return useMutation({
    mutationFn: deleteRepository,
    onSettled: () => client.invalidateQueries({ queryKey: ['repositories'] }),
  });
};

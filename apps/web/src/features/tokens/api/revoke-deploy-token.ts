import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiCommand, encodeId } from '../../../shared/api-client';
import { deployTokensQueryKey } from './list-deploy-tokens';

export const revokeDeployToken = ({ project, id }: { project: string; id: number }) =>
  apiCommand(`/projects/${encodeId(project)}/deploy_tokens/${id}`, { method: 'DELETE' });

export const useRevokeDeployToken = () => {
  const client = useQueryClient();
  return useMutation({
    mutationFn: revokeDeployToken,
    onSettled: (_result, _error, input) =>
      client.invalidateQueries({ queryKey: deployTokensQueryKey(input.project) }),
  });
};

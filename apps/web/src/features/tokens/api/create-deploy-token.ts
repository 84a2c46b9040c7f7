import { type CreateDeployTokenRequest, createdDeployTokenSchema } from '@berth/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest, encodeId } from '../../../shared/api-client';
import { deployTokensQueryKey } from './list-deploy-tokens';

export const createDeployToken = ({ project, ...body }: CreateDeployTokenRequest & { project: string }) =>
  apiRequest(createdDeployTokenSchema, `/projects/${encodeId(project)}/deploy_tokens`, {
    method: 'POST',
    body,
  });

export const useCreateDeployToken = () => {
  const client = useQueryClient();
  return useMutation({
    mutationFn: createDeployToken,
    onSuccess: (_token, input) => client.invalidateQueries({ queryKey: deployTokensQueryKey(input.project) }),
  });
};

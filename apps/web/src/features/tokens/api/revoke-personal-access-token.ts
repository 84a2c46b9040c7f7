import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiCommand } from '../../../shared/api-client';
import { personalAccessTokensQueryKey } from './list-personal-access-tokens';

export const revokePersonalAccessToken = (id: number) =>
  apiCommand(`/personal_access_tokens/${id}`, { method: 'DELETE' });

export const useRevokePersonalAccessToken = () => {
  const client = useQueryClient();
  return useMutation({
    mutationFn: revokePersonalAccessToken,
    onSettled: () => client.invalidateQueries({ queryKey: personalAccessTokensQueryKey }),
  });
};

import { type CreatePersonalAccessTokenRequest, createdPersonalAccessTokenSchema } from '@berth/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../../../shared/api-client';
import { personalAccessTokensQueryKey } from './list-personal-access-tokens';

/** `POST /user/personal_access_tokens`: the answer carries the secret, once. */
export const createPersonalAccessToken = (body: CreatePersonalAccessTokenRequest) =>
  apiRequest(createdPersonalAccessTokenSchema, '/user/personal_access_tokens', { method: 'POST', body });

export const useCreatePersonalAccessToken = () => {
  const client = useQueryClient();
  return useMutation({
    mutationFn: createPersonalAccessToken,
    onSuccess: () => client.invalidateQueries({ queryKey: personalAccessTokensQueryKey }),
  });
};

import { sessionResponseSchema } from '@berth/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { sessionQueryKey } from '../../../shared/api/get-session';
import { apiRequest } from '../../../shared/api-client';

export interface SignInInput {
  login: string;
  password: string;
}

export const signIn = (input: SignInInput) =>
  apiRequest(sessionResponseSchema, '/session', { method: 'POST', body: input });

export const useSignIn = () => {
  const client = useQueryClient();
  return useMutation({
    mutationFn: signIn,
    onSuccess: (session) => {
      // What an anonymous visitor saw is not what the user sees.
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== sessionQueryKey[0] });
      client.setQueryData(sessionQueryKey, session);
    },
  });
};

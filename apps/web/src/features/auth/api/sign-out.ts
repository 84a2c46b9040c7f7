import { useMutation, useQueryClient } from '@tanstack/react-query';
import { sessionQueryKey } from '../../../shared/api/get-session';
import { apiCommand } from '../../../shared/api-client';

export const signOut = () => apiCommand('/session', { method: 'DELETE' });

export const useSignOut = () => {
  const client = useQueryClient();
  return useMutation({
    mutationFn: signOut,
    onSettled: () => {
      client.clear();
      client.setQueryData(sessionQueryKey, null);
    },
  });
};

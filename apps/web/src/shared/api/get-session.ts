import { sessionResponseSchema } from '@berth/contract';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, isApiError } from '../api-client';

/** The signed-in user, or null for an anonymous visitor. Shared: the shell and every feature ask it. */
export async function getSession(signal?: AbortSignal) {
  try {
    return await apiRequest(sessionResponseSchema, '/session', { signal });
  } catch (error) {
    if (isApiError(error, 'unauthorized')) return null;
    throw error;
  }
}

export const sessionQueryKey = ['session'] as const;

export const getSessionQueryOptions = () =>
  queryOptions({ queryKey: sessionQueryKey, queryFn: ({ signal }) => getSession(signal), staleTime: 60_000 });

export const useSession = () => useQuery(getSessionQueryOptions());

import { sessionResponseSchema } from '@berth/contract';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, CSRF_COOKIE, isApiError, readCookie } from '../api-client';

/** The signed-in user, or null for an anonymous visitor. Shared: the shell and every feature ask it. */
export async function getSession(signal?: AbortSignal) {
  // The BFF sets its readable CSRF cookie beside the session cookie: without it there is no session,
  // and asking would only earn a 401 (whose Basic challenge makes browsers prompt for a password).
  if (!readCookie(CSRF_COOKIE)) return null;
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

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import type { createBrowserRouter } from 'react-router';
import { RouterProvider } from 'react-router';
import { sessionQueryKey } from '../shared/api/get-session';
import { isApiError } from '../shared/api-client';
import { paths } from '../shared/paths';
import '../shared/theme.css';
import '../shared/ui/ui.css';
import './shell.css';

type Router = Pick<ReturnType<typeof createBrowserRouter>, 'state' | 'navigate'>;

/**
 * One query client for the app. A 401 on any call while a session was known means the session expired:
 * forget it and send the user to sign in, then back to where they were.
 */
export function createQueryClient(router: Router, options: { retry?: boolean } = {}): QueryClient {
  const onError = (error: unknown) => {
    if (!isApiError(error, 'unauthorized')) return;
    const hadSession = Boolean(client.getQueryData(sessionQueryKey));
    if (!hadSession) return;
    client.setQueryData(sessionQueryKey, null);
    const { pathname, search } = router.state.location;
    if (pathname !== '/users/sign_in') void router.navigate(paths.signIn(`${pathname}${search}`));
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        retry: (count, error) =>
          options.retry !== false &&
          count < 2 &&
          !isApiError(error, 'unauthorized') &&
          !isApiError(error, 'forbidden') &&
          !isApiError(error, 'not_found'),
        refetchOnWindowFocus: false,
      },
    },
  });
  return client;
}

export function App({
  router,
  queryClient,
}: {
  router: ReturnType<typeof createBrowserRouter>;
  queryClient?: QueryClient;
}) {
  const [client] = useState(() => queryClient ?? createQueryClient(router));
  return (
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}

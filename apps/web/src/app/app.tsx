import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { createBrowserRouter } from 'react-router';
import { RouterProvider } from 'react-router';
import { sessionQueryKey } from '../shared/api/get-session';
import { isApiError } from '../shared/api-client';
import { paths } from '../shared/paths';
import '../shared/theme.css';
import '../shared/ui/ui.css';
import './shell.css';

type Router = Pick<ReturnType<typeof createBrowserRouter>, 'state' | 'navigate'>;

/** The router is made after the client (its loaders prefetch into it); the client reaches it through this. */
export type RouterRef = { current: Router | null };

/**
 * One query client for the app. A 401 on any call while a session was known means the session expired:
 * forget it and send the user to sign in, then back to where they were.
 */
export function createQueryClient(routerRef: RouterRef, options: { retry?: boolean } = {}): QueryClient {
  const onError = (error: unknown) => {
    if (!isApiError(error, 'unauthorized')) return;
    const hadSession = Boolean(client.getQueryData(sessionQueryKey));
    if (!hadSession) return;
    client.setQueryData(sessionQueryKey, null);
    const router = routerRef.current;
    if (!router) return;
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
        // Data a route loader just prefetched is not fetched again when the page mounts.
        staleTime: 10_000,
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
  queryClient: QueryClient;
}) {
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}

import type { QueryClient } from '@tanstack/react-query';
import type { RouteObject } from 'react-router';
import { PathRoute, prefetchPath } from './path-route';
import { RouteError } from './route-error';
import { Shell } from './shell';

/** Pages load on demand, so the first page downloads only its own code. */
export const createRoutes = (queryClient: QueryClient): RouteObject[] => [
  {
    path: '/users/sign_in',
    errorElement: <RouteError />,
    lazy: () => import('../features/auth/routes/sign-in-page').then((m) => ({ Component: m.SignInPage })),
  },
  {
    element: <Shell />,
    errorElement: <RouteError />,
    children: [
      {
        index: true,
        lazy: () =>
          import('../features/explore/routes/explore-page').then((m) => ({ Component: m.ExplorePage })),
      },
      {
        path: 'explore',
        lazy: () =>
          import('../features/explore/routes/explore-page').then((m) => ({ Component: m.ExplorePage })),
      },
      {
        path: '-/user_settings/personal_access_tokens',
        lazy: () =>
          import('../features/tokens/routes/personal-access-tokens-page').then((m) => ({
            Component: m.PersonalAccessTokensPage,
          })),
      },
      {
        path: '*',
        element: <PathRoute />,
        loader: ({ request }) => prefetchPath(queryClient, new URL(request.url)),
      },
    ],
  },
];

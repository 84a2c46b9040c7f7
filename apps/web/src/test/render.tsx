import { render } from '@testing-library/react';
import { createMemoryRouter } from 'react-router';
import { App, createQueryClient, type RouterRef } from '../app/app';
import { createRoutes } from '../app/routes';
import { fakeApi, type World } from './fake-api';
import { server } from './server';

/** The whole app at `url`, talking to a fake BFF that answers from `world`. */
export function renderApp(url: string, world: World) {
  server.use(...fakeApi(world));
  // biome-ignore lint/suspicious/noDocumentCookie: the BFF sets this readable cookie at sign-in.
  if (world.session) document.cookie = `berth_csrf=${world.session.csrf_token}; path=/`;
  const routerRef: RouterRef = { current: null };
  const queryClient = createQueryClient(routerRef, { retry: false });
  const router = createMemoryRouter(createRoutes(queryClient), { initialEntries: [url] });
  routerRef.current = router;
  const view = render(<App router={router} queryClient={queryClient} />);
  return { ...view, router, queryClient, location: () => router.state.location };
}

/** The current URL's search, decoded for readable assertions. */
export const searchOf = (router: ReturnType<typeof createMemoryRouter>) =>
  decodeURIComponent(router.state.location.search);

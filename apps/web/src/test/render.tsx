import { render } from '@testing-library/react';
import { createMemoryRouter } from 'react-router';
import { App, createQueryClient } from '../app/app';
import { routes } from '../app/routes';
import { fakeApi, type World } from './fake-api';
import { server } from './server';

/** The whole app at `url`, talking to a fake BFF that answers from `world`. */
export function renderApp(url: string, world: World) {
  server.use(...fakeApi(world));
  // biome-ignore lint/suspicious/noDocumentCookie: the BFF sets this readable cookie at sign-in.
  if (world.session) document.cookie = `berth_csrf=${world.session.csrf_token}; path=/`;
  const router = createMemoryRouter(routes, { initialEntries: [url] });
  const queryClient = createQueryClient(router, { retry: false });
  const view = render(<App router={router} queryClient={queryClient} />);
  return { ...view, router, queryClient, location: () => router.state.location };
}

/** The current URL's search, decoded for readable assertions. */
export const searchOf = (router: ReturnType<typeof createMemoryRouter>) =>
  decodeURIComponent(router.state.location.search);

import { act, render } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  enumParam,
  pageParam,
  perPageParam,
  readSearchState,
  searchParam,
  useSearchState,
} from '../use-search-state';

const schema = z.object({
  search: searchParam,
  orderBy: enumParam(['name', 'published_at'], 'published_at'),
  sort: enumParam(['asc', 'desc'], 'desc'),
  page: pageParam,
  per_page: perPageParam([20, 50, 100], 20),
});

describe('readSearchState', () => {
  it('reads GitLab parameter names and joins search[] words', () => {
    expect(
      readSearchState(
        schema,
        new URLSearchParams('search[]=v1&search[]=beta&orderBy=name&sort=asc&page=3&per_page=50'),
      ),
    ).toEqual({
      search: 'v1 beta',
      orderBy: 'name',
      sort: 'asc',
      page: 3,
      per_page: 50,
    });
  });

  it('falls back to the default of each bad value alone', () => {
    expect(
      readSearchState(schema, new URLSearchParams('orderBy=size&sort=up&page=abc&per_page=7&search[]=ok')),
    ).toEqual({
      search: 'ok',
      orderBy: 'published_at',
      sort: 'desc',
      page: 1,
      per_page: 20,
    });
  });
});

let api: ReturnType<typeof useSearchState<typeof schema>> | undefined;
function Probe() {
  api = useSearchState(schema);
  return null;
}

describe('useSearchState', () => {
  function setup(url: string) {
    const router = createMemoryRouter(
      [
        { path: '/list', element: <Probe /> },
        { path: '/other', element: null },
      ],
      {
        initialEntries: ['/other', url],
        initialIndex: 1,
      },
    );
    render(<RouterProvider router={router} />);
    return {
      router,
      update: (patch: Parameters<NonNullable<typeof api>[1]>[0]) => act(() => api![1](patch)),
      state: () => api![0],
    };
  }

  it('writes with replace, leaves defaults out, keeps unrelated parameters and resets the page on change', async () => {
    const { router, update, state } = setup('/list?page=4&tab=x');
    await update({ orderBy: 'name', sort: 'asc', search: 'api' });
    expect(decodeURIComponent(router.state.location.search)).toBe(
      '?tab=x&search[]=api&orderBy=name&sort=asc',
    );
    expect(state().page).toBe(1);
    await update({ page: 2 });
    expect(decodeURIComponent(router.state.location.search)).toBe(
      '?tab=x&search[]=api&orderBy=name&sort=asc&page=2',
    );
    await update({ orderBy: 'published_at', sort: 'desc', search: '', page: 1 });
    expect(router.state.location.search).toBe('?tab=x');
    // replace: Back leaves the list for the page before it, not an older filter.
    expect(router.state.historyAction).toBe('REPLACE');
    await act(() => router.navigate(-1));
    expect(router.state.location.pathname).toBe('/other');
  });

  it('builds two quick changes on each other', async () => {
    const { router } = setup('/list');
    await act(async () => {
      api![1]({ orderBy: 'name' });
      api![1]({ sort: 'asc' });
    });
    expect(router.state.location.search).toBe('?orderBy=name&sort=asc');
  });
});

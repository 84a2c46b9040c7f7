import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createWorld, requestsTo } from '../../../test/fake-api';
import { makeProject, makeSession } from '../../../test/fixtures';
import { renderApp, searchOf } from '../../../test/render';

const projects = [
  makeProject('acme/shop', { id: 1, accessLevel: 40 }),
  makeProject('acme/tools/builder', { id: 2, accessLevel: 30 }),
  makeProject('acme/web', { id: 3, accessLevel: 30, registry: 'disabled' }),
];

describe('explore', () => {
  it('lists the projects the user can see, linking to their registries', async () => {
    const world = createWorld({ session: makeSession(), projects });
    renderApp('/', world);
    const table = await screen.findByRole('table');
    const link = await within(table).findByRole('link', { name: 'acme / tools / builder' });
    expect(link).toHaveAttribute('href', '/acme/tools/builder/container_registry');
    expect(within(table).getByText('Off')).toBeInTheDocument();
    const groups = screen.getByRole('region', { name: 'Groups' });
    expect(within(groups).getByRole('link', { name: 'acme' })).toHaveAttribute(
      'href',
      '/groups/acme/-/container_registries',
    );
  });

  it('round-trips search and sort through the URL', async () => {
    const world = createWorld({ session: makeSession(), projects });
    const { router } = renderApp('/explore?search[]=tools&orderBy=name&sort=asc', world);
    await screen.findByRole('link', { name: 'acme / tools / builder' });
    const listRequest = requestsTo(world, 'GET', /\/projects$/).find((r) =>
      r.url.searchParams.has('search'),
    )!;
    expect(Object.fromEntries(listRequest.url.searchParams)).toMatchObject({
      search: 'tools',
      order_by: 'name',
      sort: 'asc',
    });
    await userEvent.clear(screen.getByRole('searchbox'));
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(searchOf(router)).toBe('?orderBy=name&sort=asc'));
  });

  it('tells an anonymous visitor when there is nothing public', async () => {
    const world = createWorld({ session: null, projects: [] });
    renderApp('/explore', world);
    expect(await screen.findByText(/Sign in to see the projects you belong to/)).toBeInTheDocument();
    // Without the session's CSRF cookie there is no session to ask about.
    expect(requestsTo(world, 'GET', /\/session$/)).toHaveLength(0);
    expect(screen.getByRole('link', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('shows a failure in words with a retry', async () => {
    const world = createWorld({ session: makeSession(), projects });
    world.failures.push({ path: /\/projects$/, status: 500, message: '500 Internal Server Error', times: 2 });
    renderApp('/explore', world);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Projects: something went wrong');
    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('link', { name: 'acme / shop' })).toBeInTheDocument();
  });
});

describe('group registry', () => {
  it('lists repositories across the group with the project on each row, without delete buttons', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp('/groups/acme/-/container_registries?orderBy=name&sort=asc', world);
    const table = await screen.findByRole('table', { name: 'Image repositories' });
    await within(table).findByRole('link', { name: 'acme/shop/api' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell')[1]?.textContent)).toEqual([
      'shop',
      'shop',
      'shop',
    ]);
    expect(within(table).queryByRole('button', { name: /Delete/ })).not.toBeInTheDocument();
    expect(requestsTo(world, 'GET', /\/groups\/acme\/registry\/repositories$/)).toHaveLength(1);
    expect(screen.getByRole('figure', { name: /Storage by repository/ })).toBeInTheDocument();
  });

  it('shows the group empty state', async () => {
    const world = createWorld({ session: makeSession(), repositories: [] });
    renderApp('/groups/acme/-/container_registries', world);
    expect(await screen.findByText('No container images stored in this group')).toBeInTheDocument();
  });
});

import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createWorld, requestsTo } from '../../../test/fake-api';
import { makeProject, makeSession } from '../../../test/fixtures';
import { renderApp, searchOf } from '../../../test/render';

const PAGE = '/acme/shop/container_registry';
const REPOSITORIES = /\/projects\/acme%2Fshop\/registry\/repositories$/;

const rowNames = () =>
  within(screen.getByRole('table', { name: 'Image repositories' }))
    .getAllByRole('row')
    .slice(1)
    .map((row) =>
      within(row)
        .getAllByRole('cell')[0]
        ?.querySelector('.cell-name')
        ?.textContent?.replace(/\s+/g, ' ')
        .trim(),
    );

describe('project container registry page', () => {
  it('lists the image repositories with tag count, size and last published time', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PAGE, world);
    expect(await screen.findByRole('link', { name: 'acme/shop/api' })).toHaveAttribute(
      'href',
      '/acme/shop/container_registry/17',
    );
    const row = screen.getByRole('link', { name: 'acme/shop/api' }).closest('tr')!;
    expect(within(row).getByText('24 tags')).toBeInTheDocument();
    expect(within(row).getByText('180 MiB')).toBeInTheDocument();
    expect(row.querySelector('time')).toHaveTextContent('Published 3 hours ago');
    expect(screen.getByText('3 image repositories', { selector: '.meta span' })).toBeInTheDocument();
    // The default view: most recently updated first.
    expect(rowNames()).toEqual(['acme/shop/api', 'acme/shop/web', 'acme/shop/worker']);
  });

  it('shows skeleton rows while the list loads', async () => {
    const world = createWorld({ session: makeSession(), hang: [REPOSITORIES] });
    renderApp(PAGE, world);
    await screen.findByRole('heading', { name: 'Container registry' });
    expect(screen.getByRole('table', { name: 'Image repositories' })).toHaveAttribute('aria-busy', 'true');
    expect(document.querySelectorAll('.skeleton-row').length).toBeGreaterThan(0);
  });

  it('reads search, sort, direction and page from the URL and sends them to the API', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(`${PAGE}?search[]=wor&orderBy=name&sort=asc&page=1`, world);
    await screen.findByRole('link', { name: 'acme/shop/worker' });
    const sent = requestsTo(world, 'GET', REPOSITORIES).at(-1)!.url.searchParams;
    expect(Object.fromEntries(sent)).toMatchObject({
      search: 'wor',
      order_by: 'name',
      sort: 'asc',
      page: '1',
    });
    expect(screen.getByRole('searchbox')).toHaveValue('wor');
    expect(screen.getByRole('combobox', { name: /Sort/ })).toHaveValue('name');
    expect(screen.getByRole('button', { name: 'Sort direction: ascending' })).toBeInTheDocument();
  });

  it('writes the state back to the URL, leaving defaults out, and a bad parameter falls back', async () => {
    const world = createWorld({ session: makeSession() });
    const { router } = renderApp(`${PAGE}?orderBy=bogus&sort=sideways&page=-3`, world);
    await screen.findByRole('link', { name: 'acme/shop/api' });
    expect(screen.getByRole('combobox', { name: /Sort/ })).toHaveValue('updated_at');
    const user = userEvent.setup();
    await user.selectOptions(screen.getByRole('combobox', { name: /Sort/ }), 'name');
    await user.click(screen.getByRole('button', { name: 'Sort direction: descending' }));
    await waitFor(() => expect(searchOf(router)).toContain('orderBy=name'));
    expect(searchOf(router)).toContain('sort=asc');
    expect(searchOf(router)).not.toContain('page=');
    await waitFor(() => expect(rowNames()).toEqual(['acme/shop/api', 'acme/shop/web', 'acme/shop/worker']));
    await user.type(screen.getByRole('searchbox'), 'web{Enter}');
    await waitFor(() => expect(searchOf(router)).toContain('search[]=web'));
    await waitFor(() => expect(rowNames()).toEqual(['acme/shop/web']));
    // Back to the defaults: nothing left in the URL.
    await user.selectOptions(screen.getByRole('combobox', { name: /Sort/ }), 'updated_at');
    await user.click(screen.getByRole('button', { name: 'Sort direction: ascending' }));
    await user.clear(screen.getByRole('searchbox'));
    await user.keyboard('{Enter}');
    await waitFor(() => expect(router.state.location.search).toBe(''));
  });

  it('shows the no-images state with the commands to push the first one', async () => {
    const world = createWorld({ session: makeSession(), repositories: [] });
    renderApp(PAGE, world);
    const empty = await screen.findByRole('region', { name: 'No container images stored for this project' });
    expect(within(empty).getByText('docker login registry.berth.test')).toBeInTheDocument();
    expect(within(empty).getByText('docker build -t registry.berth.test/acme/shop .')).toBeInTheDocument();
    expect(within(empty).getByText('docker push registry.berth.test/acme/shop')).toBeInTheDocument();
  });

  it('shows the no-results state with a button that clears the filter', async () => {
    const world = createWorld({ session: makeSession() });
    const { router } = renderApp(`${PAGE}?search[]=nothing-like-this`, world);
    expect(await screen.findByText('No images match “nothing-like-this”')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Clear filter' }));
    await screen.findByRole('link', { name: 'acme/shop/api' });
    expect(router.state.location.search).toBe('');
  });

  it('says the registry is off, with a link to settings for maintainers only', async () => {
    const world = createWorld({
      session: makeSession(),
      projects: [makeProject('acme/shop', { accessLevel: 40, registry: 'disabled' })],
    });
    renderApp(PAGE, world);
    await screen.findByText('The container registry is turned off for this project');
    expect(screen.getByRole('link', { name: 'Turn it on in settings' })).toHaveAttribute(
      'href',
      '/acme/shop/-/settings/packages_and_registries',
    );
  });

  it('tells a developer without settings rights to ask a maintainer when the registry is off', async () => {
    const world = createWorld({
      session: makeSession(),
      projects: [makeProject('acme/shop', { accessLevel: 30, registry: 'disabled' })],
    });
    renderApp(PAGE, world);
    await screen.findByText('The container registry is turned off for this project');
    expect(screen.queryByRole('link', { name: 'Turn it on in settings' })).not.toBeInTheDocument();
    expect(screen.getByText(/Ask a maintainer/)).toBeInTheDocument();
  });

  it('shows a failure in words with a retry that recovers', async () => {
    const world = createWorld({ session: makeSession() });
    world.failures.push({ path: REPOSITORIES, status: 500, message: '500 Internal Server Error', times: 99 });
    renderApp(PAGE, world);
    const alert = await screen.findByRole('alert');
    world.failures[0]!.times = 0;
    expect(alert).toHaveTextContent('Image repositories: something went wrong');
    expect(alert).toHaveTextContent('Internal Server Error');
    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('link', { name: 'acme/shop/api' })).toBeInTheDocument();
  });

  it('says a project that does not exist or is hidden is not found', async () => {
    const world = createWorld({ session: null, projects: [] });
    renderApp(PAGE, world);
    expect(await screen.findByRole('alert')).toHaveTextContent('Not found');
  });

  it('lets nobody without delete rights see a delete button', async () => {
    const world = createWorld({
      session: makeSession(),
      projects: [makeProject('acme/shop', { accessLevel: 10 })],
    });
    renderApp(PAGE, world);
    await screen.findByRole('link', { name: 'acme/shop/api' });
    expect(screen.queryByRole('button', { name: /Delete image repository/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /Cleanup policy/ })).not.toBeInTheDocument();
  });

  it('deletes a repository only after its path is typed', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PAGE, world);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Delete image repository acme/shop/web' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete image repository?' });
    const confirm = within(dialog).getByRole('button', { name: 'Delete repository' });
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByLabelText(/to confirm/), 'acme/shop/we');
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByLabelText(/to confirm/), 'b');
    await user.click(confirm);
    expect(await within(dialog).findByText(/is scheduled for deletion/)).toBeInTheDocument();
    expect(requestsTo(world, 'DELETE', /\/registry\/repositories\/18$/)).toHaveLength(1);
    expect(requestsTo(world, 'DELETE', /\/registry\/repositories\/18$/)[0]!.headers.get('X-CSRF-Token')).toBe(
      'csrf-token-from-session',
    );
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(await screen.findByText('Deletion scheduled')).toBeInTheDocument();
  });

  it('offers the CLI commands with the real host and path, each with a copy button', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PAGE, world);
    await userEvent.click(await screen.findByRole('button', { name: 'CLI commands' }));
    const menu = screen.getByRole('region', { name: 'CLI commands' });
    expect(within(menu).getByText('docker push registry.berth.test/acme/shop')).toBeInTheDocument();
    expect(within(menu).getAllByRole('button', { name: /Copy command/ })).toHaveLength(3);
  });
});

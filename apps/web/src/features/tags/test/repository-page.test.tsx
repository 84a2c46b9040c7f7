import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createWorld, requestsTo } from '../../../test/fake-api';
import { makeProject, makeSession, makeShopWorld } from '../../../test/fixtures';
import { renderApp, searchOf } from '../../../test/render';

const PAGE = '/acme/shop/container_registry/17';
const TAGS = /\/registry\/repositories\/17\/tags$/;

const tagTable = () => screen.getByRole('table', { name: 'Tags' });
const tagNames = () =>
  within(tagTable())
    .getAllByRole('row')
    .slice(1)
    .filter((row) => !row.classList.contains('detail-row'))
    .map((row) => row.querySelector('.tag-name')?.textContent);

describe('repository page', () => {
  it('shows the header and a first page of 20 tags, newest first', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PAGE, world);
    await screen.findByRole('row', { name: /latest/ });
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('acme/shop/api');
    const meta = document.querySelector('.page-header .meta')!;
    expect(meta).toHaveTextContent('24 tags');
    expect(meta).toHaveTextContent('180 MiB');
    expect(meta).toHaveTextContent('last published 3 hours ago');
    // No run in progress: the project's enabled policy says when the next one comes.
    expect(meta).toHaveTextContent('cleanup: next in 5 hours');
    expect(tagNames()).toHaveLength(20);
    expect(tagNames()[0]).toBe('latest');
    const latest = screen.getByRole('row', { name: /latest/ });
    const time = latest.querySelector('time');
    expect(time).toHaveTextContent('Published 3 hours ago');
    expect(time).toHaveAttribute('title', expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/));
  });

  it('opens tag details with the full digests, media type and each platform', async () => {
    const world = createWorld({ session: makeSession() });
    const tag = world.tags.get(17)!.find((t) => t.name === 'latest')!;
    renderApp(PAGE, world);
    await userEvent.click(await screen.findByRole('button', { name: 'Show details of latest' }));
    const details = document.getElementById('tag-details-latest')!;
    expect(within(details).getByText(tag.digest)).toBeInTheDocument();
    expect(within(details).getByText('OCI image index')).toBeInTheDocument();
    expect(within(details).getByText('linux/amd64')).toBeInTheDocument();
    expect(within(details).getByText('linux/arm64/v8')).toBeInTheDocument();
    expect(within(details).getByRole('button', { name: 'Copy manifest digest of latest' })).toHaveAttribute(
      'data-copy',
      tag.digest,
    );
    await userEvent.click(within(details).getByRole('button', { name: 'Image' }));
    const image = await within(details).findByRole('region', { name: 'Image linux/amd64' });
    expect(within(image).getByText('/usr/local/bin/api')).toBeInTheDocument();
    expect(within(image).getByText('8080/tcp')).toBeInTheDocument();
    expect(within(image).getByText('NODE_ENV')).toBeInTheDocument();
    expect(within(image).getByText(/Layers \(3/)).toBeInTheDocument();
  });

  it('round-trips search, sort and page size through the URL', async () => {
    const world = createWorld({ session: makeSession() });
    const { router } = renderApp(`${PAGE}?search[]=v1.1&orderBy=name&sort=asc&per_page=50`, world);
    await screen.findByRole('row', { name: /v1\.1\.0/ });
    expect(Object.fromEntries(requestsTo(world, 'GET', TAGS).at(-1)!.url.searchParams)).toMatchObject({
      search: 'v1.1',
      order_by: 'name',
      sort: 'asc',
      per_page: '50',
    });
    expect(tagNames()).toEqual([
      'v1.1.0',
      'v1.1.1',
      'v1.1.2',
      'v1.1.3',
      'v1.1.4',
      'v1.1.5',
      'v1.1.6',
      'v1.1.7',
      'v1.1.8',
      'v1.1.9',
    ]);
    await userEvent.click(screen.getByRole('button', { name: 'Sort direction: ascending' }));
    await waitFor(() => expect(tagNames()[0]).toBe('v1.1.9'));
    expect(searchOf(router)).toBe('?search[]=v1.1&orderBy=name&per_page=50');
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Items per page' }), '20');
    await waitFor(() => expect(searchOf(router)).toBe('?search[]=v1.1&orderBy=name'));
  });

  it('pages through tags and keeps the previous page on screen while the next loads', async () => {
    const world = createWorld({ session: makeSession() });
    const { router } = renderApp(PAGE, world);
    await screen.findByRole('row', { name: /latest/ });
    await userEvent.click(screen.getByRole('button', { name: 'Page 2' }));
    await waitFor(() => expect(tagNames()).toHaveLength(4));
    expect(searchOf(router)).toBe('?page=2');
  });

  it('deletes two selected tags in one request and says what happened', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PAGE, world);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('checkbox', { name: 'Select tag v1.0.1' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select tag v1.0.2' }));
    await user.click(screen.getByRole('button', { name: 'Delete selected (2)' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete 2 tags?' });
    expect(within(dialog).getByText('v1.0.1')).toBeInTheDocument();
    expect(
      within(dialog).getByText(/Other tags that point to the same image digest stay/),
    ).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Delete 2 tags' }));
    expect(await within(dialog).findByText('2 deleted, 0 already gone.')).toBeInTheDocument();
    const deletes = requestsTo(world, 'POST', /\/tags\/delete$/);
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.body).toEqual({ names: ['v1.0.1', 'v1.0.2'] });
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('row', { name: /v1\.0\.1/ })).not.toBeInTheDocument());
    expect(screen.getByRole('row', { name: /v1\.0\.3/ })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Delete selected (0)' })).toBeDisabled();
  });

  it('reports a tag deleted elsewhere in the meantime in words', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PAGE, world);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('checkbox', { name: 'Select tag v1.0.1' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select tag v1.0.2' }));
    world.tags.set(
      17,
      world.tags.get(17)!.filter((tag) => tag.name !== 'v1.0.2'),
    );
    await user.click(screen.getByRole('button', { name: 'Delete selected (2)' }));
    await user.click(screen.getByRole('button', { name: 'Delete 2 tags' }));
    const dialog = screen.getByRole('dialog');
    expect(await within(dialog).findByText('1 deleted, 1 already gone.')).toBeInTheDocument();
    expect(within(dialog).getByText(/was deleted by someone else in the meantime/)).toHaveTextContent(
      'v1.0.2',
    );
    expect(screen.queryByText(/something went wrong/i)).not.toBeInTheDocument();
  });

  it('selects a whole page, then every tag matching the search', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(`${PAGE}?search[]=v1`, world);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('checkbox', { name: 'Select all tags on this page' }));
    expect(screen.getByRole('button', { name: 'Delete selected (20)' })).toBeEnabled();
    await user.click(screen.getByRole('checkbox', { name: /Select all 23 tags matching the filter/ }));
    await user.click(screen.getByRole('button', { name: 'Delete selected (23)' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete 23 tags?' });
    expect(within(dialog).getByText('and 13 more')).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Delete 23 tags' }));
    expect(await within(dialog).findByText('23 deleted, 0 already gone.')).toBeInTheDocument();
    expect(requestsTo(world, 'POST', /\/tags\/delete$/)).toHaveLength(1);
    expect(world.tags.get(17)!.map((tag) => tag.name)).toEqual(['latest']);
  });

  it('shows a guest no checkboxes and no delete buttons', async () => {
    const world = createWorld({
      session: makeSession(),
      projects: [makeProject('acme/shop', { accessLevel: 10 })],
    });
    renderApp(PAGE, world);
    await screen.findByRole('row', { name: /latest/ });
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    expect(screen.queryByRole('button', { name: /Delete/ })).not.toBeInTheDocument();
  });

  it('shows an anonymous visitor of a public project no delete controls', async () => {
    const world = createWorld({
      session: null,
      projects: [makeProject('acme/shop', { accessLevel: null, visibility: 'public' })],
    });
    renderApp(PAGE, world);
    await screen.findByRole('row', { name: /latest/ });
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    expect(screen.getByRole('link', { name: 'Sign in' })).toHaveAttribute(
      'href',
      `/users/sign_in?redirect_to=${encodeURIComponent(PAGE)}`,
    );
  });

  it('shows the empty state of a repository without tags', async () => {
    const shop = makeShopWorld();
    shop.tags.set(17, []);
    const world = createWorld({ session: makeSession(), tags: shop.tags, repositories: shop.repositories });
    renderApp(PAGE, world);
    expect(await screen.findByText('This image repository has no tags')).toBeInTheDocument();
  });

  it('says when no tag matches the filter, with a way back', async () => {
    const world = createWorld({ session: makeSession() });
    const { router } = renderApp(`${PAGE}?search[]=zzz`, world);
    expect(await screen.findByText('No tags match “zzz”')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Clear filter' }));
    await screen.findByRole('row', { name: /latest/ });
    expect(router.state.location.search).toBe('');
  });

  it('shows a tag list failure in words with a retry', async () => {
    const world = createWorld({ session: makeSession() });
    world.failures.push({ path: TAGS, status: 503, message: '503 Registry unavailable', times: 99 });
    renderApp(PAGE, world);
    const alert = await screen.findByRole('alert');
    world.failures[0]!.times = 0;
    expect(alert).toHaveTextContent('Registry unavailable');
    await userEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('row', { name: /latest/ })).toBeInTheDocument();
  });

  it('says a repository that does not exist is not found', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp('/acme/shop/container_registry/999', world);
    expect(await screen.findByRole('alert')).toHaveTextContent('Not found');
  });
});

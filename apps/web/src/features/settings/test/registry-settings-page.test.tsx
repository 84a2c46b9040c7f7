import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createWorld, requestsTo } from '../../../test/fake-api';
import { makePreview, makeProject, makeSession, NOW } from '../../../test/fixtures';
import { renderApp } from '../../../test/render';

const PAGE = '/acme/shop/-/settings/packages_and_registries';
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

describe('packages and registries settings', () => {
  it('tells a developer they may not change the settings, and shows no form', async () => {
    const world = createWorld({
      session: makeSession(),
      projects: [makeProject('acme/shop', { accessLevel: 30 })],
    });
    renderApp(PAGE, world);
    expect(
      await screen.findByText('You do not have permission to change these settings'),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Save/ })).not.toBeInTheDocument();
    expect(requestsTo(world, 'POST', /cleanup_policy\/preview$/)).toHaveLength(0);
  });

  it('turns the registry to members only and saves exactly that', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PAGE, world);
    const user = userEvent.setup();
    const save = await screen.findByRole('button', { name: 'Save changes' });
    expect(save).toBeDisabled();
    expect(screen.getByRole('switch', { name: /container registry for this project/ })).toBeChecked();
    await user.click(screen.getByRole('radio', { name: /Only project members/ }));
    await user.click(save);
    await waitFor(() => expect(requestsTo(world, 'PUT', /\/projects\/acme%2Fshop$/)).toHaveLength(1));
    expect(requestsTo(world, 'PUT', /\/projects\/acme%2Fshop$/)[0]!.body).toEqual({
      container_registry_access_level: 'private',
    });
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    expect(world.projects[0]!.container_registry_access_level).toBe('private');
  });

  it('warns before the registry is turned off', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PAGE, world);
    await userEvent.click(await screen.findByRole('switch', { name: /container registry for this project/ }));
    expect(screen.getByText(/stops every push and pull/)).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: /Only project members/ })).toBeDisabled();
  });

  it("shows GitLab's cleanup fields with their allowed values and the policy's saved values", async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PAGE, world);
    const cadence = await screen.findByRole('combobox', { name: 'Run cleanup' });
    expect(
      within(cadence)
        .getAllByRole('option')
        .map((o) => o.getAttribute('value')),
    ).toEqual(['1d', '7d', '14d', '1month', '3month']);
    const keep = screen.getByRole('combobox', { name: 'Keep the most recent' });
    expect(
      within(keep)
        .getAllByRole('option')
        .map((o) => o.getAttribute('value')),
    ).toEqual(['', '1', '5', '10', '25', '50', '100']);
    expect(keep).toHaveValue('10');
    expect(screen.getByRole('combobox', { name: 'Remove tags older than' })).toHaveValue('90d');
    expect(screen.getByRole('textbox', { name: 'Keep tags matching' })).toHaveValue('v\\d+\\.\\d+\\.\\d+');
  });

  it('previews which tags the edited policy would delete now, on a timeline, and saves the policy', async () => {
    const world = createWorld({
      session: makeSession(),
      preview: makePreview([
        {
          id: 17,
          path: 'acme/shop/api',
          delete: [
            { name: 'v1.0.1', published_at: daysAgo(120) },
            { name: 'v1.0.2', published_at: daysAgo(100) },
          ],
          keep: [{ name: 'latest', published_at: daysAgo(1) }],
        },
        { id: 18, path: 'acme/shop/web', delete: [{ name: 'old', published_at: daysAgo(200) }], keep: [] },
      ]),
    });
    renderApp(PAGE, world);
    const user = userEvent.setup();
    expect(await screen.findByText('3 tags in 2 repositories would be deleted now')).toBeInTheDocument();
    const timeline = screen.getByRole('figure', { name: 'Tags by published date' });
    expect(timeline.querySelectorAll('line.tick.deleted')).toHaveLength(3);
    expect(timeline.querySelectorAll('line.tick.kept')).toHaveLength(1);
    expect(within(timeline).getByRole('table')).toHaveTextContent('acme/shop/api:v1.0.1');

    await user.selectOptions(screen.getByRole('combobox', { name: 'Keep the most recent' }), '5');
    await waitFor(() =>
      expect(requestsTo(world, 'POST', /cleanup_policy\/preview$/).at(-1)!.body).toMatchObject({ keep_n: 5 }),
    );
    await user.click(screen.getByRole('button', { name: 'Save cleanup policy' }));
    await waitFor(() => expect(requestsTo(world, 'PUT', /\/projects\/acme%2Fshop$/)).toHaveLength(1));
    expect(requestsTo(world, 'PUT', /\/projects\/acme%2Fshop$/)[0]!.body).toEqual({
      container_expiration_policy_attributes: {
        enabled: true,
        cadence: '1d',
        keep_n: 5,
        older_than: '90d',
        name_regex: '.*',
        name_regex_keep: 'v\\d+\\.\\d+\\.\\d+',
      },
    });
  });

  it('catches an invalid pattern before asking the server', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PAGE, world);
    const user = userEvent.setup();
    const field = await screen.findByRole('textbox', { name: 'Remove tags matching' });
    await user.clear(field);
    await user.type(field, 'v[[');
    expect(await screen.findByText('This is not a valid regular expression.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save cleanup policy' })).toBeDisabled();
  });

  it('shows a failed save in words', async () => {
    const world = createWorld({ session: makeSession() });
    world.failures.push({
      path: /\/projects\/acme%2Fshop$/,
      status: 400,
      message: 'container_expiration_policy.name_regex is invalid',
      times: 0,
    });
    renderApp(PAGE, world);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('radio', { name: /Only project members/ }));
    world.failures[0]!.times = 1;
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Not saved: container_expiration_policy.name_regex is invalid',
    );
  });
});

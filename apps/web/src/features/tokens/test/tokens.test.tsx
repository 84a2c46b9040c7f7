import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createWorld, requestsTo } from '../../../test/fake-api';
import { makeDeployToken, makePersonalAccessToken, makeProject, makeSession } from '../../../test/fixtures';
import { renderApp } from '../../../test/render';

const PATS = '/-/user_settings/personal_access_tokens';

describe('personal access tokens', () => {
  it('sends an anonymous visitor to sign in and back', async () => {
    const world = createWorld({ session: null });
    const { router } = renderApp(PATS, world);
    await screen.findByRole('button', { name: 'Sign in' });
    expect(router.state.location.pathname).toBe('/users/sign_in');
    expect(new URLSearchParams(router.state.location.search).get('redirect_to')).toBe(PATS);
  });

  it('shows the empty state when the user has no token', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PATS, world);
    expect(await screen.findByText('No active personal access tokens')).toBeInTheDocument();
    // The BFF caps a personal access token's lifetime: an empty expiry is the longest one, not "never".
    expect(screen.getByText(/longest lifetime this instance allows/)).toBeInTheDocument();
    expect(screen.queryByText(/does not expire/)).not.toBeInTheDocument();
  });

  it('creates a token with name, scopes and expiry, shows its secret once with docker login', async () => {
    const world = createWorld({ session: makeSession() });
    renderApp(PATS, world);
    const user = userEvent.setup();
    await user.type(await screen.findByRole('textbox', { name: 'Token name' }), 'ci-push');
    await user.click(screen.getByRole('checkbox', { name: /write_registry/ }));
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    const created = await screen.findByRole('status', { name: 'Your new token' });
    expect(within(created).getByText('glpat-ONLYSHOWNONCE1234')).toBeInTheDocument();
    expect(
      within(created).getByText(/docker login registry\.berth\.test -u alice --password-stdin/),
    ).toBeInTheDocument();
    const body = requestsTo(world, 'POST', /\/user\/personal_access_tokens$/)[0]!.body as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({ name: 'ci-push', scopes: ['read_registry', 'write_registry'] });
    expect(body.expires_at).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await screen.findByRole('cell', { name: 'ci-push' })).toBeInTheDocument();
    await user.click(within(created).getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByText('glpat-ONLYSHOWNONCE1234')).not.toBeInTheDocument();
  });

  it('revokes a token after confirmation', async () => {
    const world = createWorld({
      session: makeSession(),
      personalAccessTokens: [makePersonalAccessToken(1, 'laptop'), makePersonalAccessToken(2, 'ci')],
    });
    renderApp(PATS, world);
    const user = userEvent.setup();
    const row = (await screen.findByRole('cell', { name: 'laptop' })).closest('tr')!;
    await user.click(within(row).getByRole('button', { name: 'Revoke' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke token?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke laptop' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(requestsTo(world, 'DELETE', /\/personal_access_tokens\/1$/)).toHaveLength(1);
    await waitFor(() => expect(screen.queryByRole('cell', { name: 'laptop' })).not.toBeInTheDocument());
    expect(screen.getByRole('cell', { name: 'ci' })).toBeInTheDocument();
  });

  it('shows a list failure in words', async () => {
    const world = createWorld({ session: makeSession() });
    world.failures.push({
      path: /\/personal_access_tokens$/,
      status: 500,
      message: '500 Internal Server Error',
      times: 1,
    });
    renderApp(PATS, world);
    expect(await screen.findByRole('alert')).toHaveTextContent('Tokens: something went wrong');
  });
});

describe('deploy tokens', () => {
  const PAGE = '/acme/shop/-/settings/repository';

  it('is refused in words to a developer', async () => {
    const world = createWorld({
      session: makeSession(),
      projects: [makeProject('acme/shop', { accessLevel: 30 })],
    });
    renderApp(PAGE, world);
    expect(await screen.findByText('You do not have permission to manage deploy tokens')).toBeInTheDocument();
    expect(requestsTo(world, 'GET', /deploy_tokens$/)).toHaveLength(0);
  });

  it('lists, creates with its username shown once, and revokes', async () => {
    const world = createWorld({ session: makeSession(), deployTokens: [makeDeployToken(3, 'k8s-pull')] });
    renderApp(PAGE, world);
    const user = userEvent.setup();
    expect(await screen.findByRole('cell', { name: 'k8s-pull' })).toBeInTheDocument();
    expect(screen.getByText('Leave empty for a token that does not expire.')).toBeInTheDocument();
    await user.type(screen.getByRole('textbox', { name: 'Token name' }), 'ci');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    const created = await screen.findByRole('status', { name: 'Your new token' });
    expect(within(created).getByText('gldt-ONLYSHOWNONCE5678')).toBeInTheDocument();
    expect(within(created).getByText(/-u gitlab\+deploy-token-51/)).toBeInTheDocument();
    const row = screen.getByRole('cell', { name: 'k8s-pull' }).closest('tr')!;
    await user.click(within(row).getByRole('button', { name: 'Revoke' }));
    await user.click(screen.getByRole('button', { name: 'Revoke k8s-pull' }));
    await waitFor(() => expect(screen.queryByRole('cell', { name: 'k8s-pull' })).not.toBeInTheDocument());
  });
});

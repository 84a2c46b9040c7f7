import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { createWorld, requestsTo } from '../../../test/fake-api';
import { makeSession } from '../../../test/fixtures';
import { renderApp } from '../../../test/render';
import { safeRedirect } from '../routes/sign-in-page';

describe('sign in', () => {
  it("signs in with GitLab's labels and returns to where the user was going", async () => {
    const world = createWorld();
    const target = '/acme/shop/container_registry?search[]=api';
    const { router } = renderApp(`/users/sign_in?redirect_to=${encodeURIComponent(target)}`, world);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Username or email'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('link', { name: 'acme/shop/api' });
    expect(`${router.state.location.pathname}${decodeURIComponent(router.state.location.search)}`).toBe(
      target,
    );
    expect(requestsTo(world, 'POST', /\/session$/)[0]!.body).toEqual({
      login: 'alice',
      password: 'correct horse',
    });
  });

  it('says a wrong password in words and stays on the form', async () => {
    const world = createWorld();
    renderApp('/users/sign_in', world);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Username or email'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid login or password.');
    expect(screen.getByLabelText('Password')).toBeInTheDocument();
  });

  it('never redirects off the site after signing in', () => {
    expect(safeRedirect('https://evil.example/')).toBe('/');
    expect(safeRedirect('//evil.example/')).toBe('/');
    expect(safeRedirect('/\\evil.example')).toBe('/');
    expect(safeRedirect('/acme/shop/container_registry')).toBe('/acme/shop/container_registry');
  });

  it('sends a user whose session expired to sign in, then back to the page', async () => {
    const world = createWorld({ session: makeSession() });
    const { router } = renderApp('/acme/shop/container_registry/17?page=2', world);
    await screen.findByRole('row', { name: /v1\.2\.3/ });
    // The session ends on the server; the next request answers 401.
    world.session = null;
    world.failures.push({ path: /\/tags$/, status: 401, message: '401 Unauthorized', times: 1 });
    await userEvent.click(screen.getByRole('button', { name: 'Page 1' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/users/sign_in'));
    expect(new URLSearchParams(router.state.location.search).get('redirect_to')).toBe(
      '/acme/shop/container_registry/17',
    );
  });

  it('signs out from the user menu', async () => {
    const world = createWorld({ session: makeSession() });
    const { router } = renderApp('/explore', world);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'alice' }));
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/users/sign_in'));
    expect(requestsTo(world, 'DELETE', /\/session$/)[0]!.headers.get('X-CSRF-Token')).toBe(
      'csrf-token-from-session',
    );
  });
});

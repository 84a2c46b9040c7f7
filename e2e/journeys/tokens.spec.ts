import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../../apps/web/src/shared/format.ts';
import { expect, signIn, test } from '../support/fixtures.ts';
import { canPull, pushImage, skopeo } from '../support/images.ts';
import { apiAs, createProject } from '../support/projects.ts';

/** A folder for one journey's client credentials, removed afterwards. */
function authDir() {
  const dir = mkdtempSync(join(tmpdir(), 'berth-e2e-auth-'));
  return {
    authfile: join(dir, 'auth.json'),
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test('a developer creates a personal access token, logs in with skopeo, pushes, and finds the image', async ({
  page,
  world,
}) => {
  const project = await createProject(world, 'pat');
  await signIn(page, world.users.developer);
  await page.goto('/-/user_settings/personal_access_tokens');
  const form = page.getByRole('form', { name: 'Add a personal access token' });
  await form.getByLabel('Token name').fill('laptop push');
  await form.getByRole('checkbox', { name: /^write_registry/ }).check();
  await form.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent())?.trim() ?? '';
  expect(token.length).toBeGreaterThan(20);
  await expect(page.getByRole('row', { name: /laptop push/ })).toContainText('write_registry');

  const auth = authDir();
  try {
    await skopeo(
      [
        'login',
        '--tls-verify=false',
        `--authfile=${auth.authfile}`,
        '-u',
        'developer',
        '--password-stdin',
        world.registryHost,
      ],
      token,
    );
    const pushed = await pushImage(world.registryHost, `${project.path}/cli:1.0`, auth, {
      layerSizes: [300_000, 20_000],
    });

    await page.goto(`/${project.path}/container_registry`);
    await page.getByRole('link', { name: `${project.path}/cli` }).click();
    const row = page.getByRole('row', { name: /1\.0/ }).first();
    await expect(row).toContainText(formatBytes(pushed.size));
    await page.getByRole('button', { name: 'Show details of 1.0' }).click();
    await expect(page.getByText(pushed.digest, { exact: true })).toBeVisible();

    // What the API and the registry hold agree with what skopeo pushed.
    const api = await apiAs(world, 'developer');
    const [repository] = await api.expect(200, 'GET', `/projects/${project.id}/registry/repositories`);
    const tag = await api.expect(
      200,
      'GET',
      `/projects/${project.id}/registry/repositories/${repository.id}/tags/1.0`,
    );
    expect(tag.digest).toBe(pushed.digest);
    expect(tag.total_size).toBe(pushed.size);
    const inspected = JSON.parse(
      await skopeo([
        'inspect',
        '--tls-verify=false',
        `--authfile=${auth.authfile}`,
        `docker://${world.registryHost}/${project.path}/cli:1.0`,
      ]),
    );
    expect(inspected.Digest).toBe(pushed.digest);
  } finally {
    auth.remove();
  }
});

test('a deploy token created in the UI pulls, but cannot push or delete', async ({ page, world }) => {
  const project = await createProject(world, 'deploy');
  const pushed = await pushImage(world.registryHost, `${project.path}/app:stable`, world.users.developer);
  await signIn(page, world.users.maintainer);
  await page.goto(`/${project.path}/-/settings/repository`);
  const form = page.getByRole('form', { name: 'Add a deploy token' });
  await form.getByLabel('Token name').fill('production pull');
  await form.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent())?.trim() ?? '';
  const login = await page
    .getByRole('status', { name: 'Your new token' })
    .locator('code')
    .nth(1)
    .textContent();
  const username = /-u (\S+)/.exec(login ?? '')?.[1] ?? '';
  expect(username).toMatch(/^gitlab\+deploy-token-\d+$/);
  await expect(page.getByRole('row', { name: /production pull/ })).toContainText('read_registry');

  const deployToken = { username, password: token };
  const reference = `${project.path}/app:stable`;
  expect(await canPull(world.registryHost, reference, deployToken)).toBe(true);
  await expect(pushImage(world.registryHost, `${project.path}/app:sneaky`, deployToken)).rejects.toThrow();
  await expect(
    skopeo([
      'delete',
      '--tls-verify=false',
      `--creds=${username}:${token}`,
      `docker://${world.registryHost}/${reference}`,
    ]),
  ).rejects.toThrow();
  // The tag is still there, and nothing was pushed.
  const tags = JSON.parse(
    await skopeo([
      'list-tags',
      '--tls-verify=false',
      `--creds=${username}:${token}`,
      `docker://${world.registryHost}/${project.path}/app`,
    ]),
  );
  expect(tags.Tags).toEqual(['stable']);
  const inspected = JSON.parse(
    await skopeo([
      'inspect',
      '--tls-verify=false',
      `--creds=${username}:${token}`,
      `docker://${world.registryHost}/${reference}`,
    ]),
  );
  expect(inspected.Digest).toBe(pushed.digest);
});

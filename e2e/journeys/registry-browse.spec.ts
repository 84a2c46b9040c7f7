import { formatBytes } from '../../apps/web/src/shared/format.ts';
import { expect, signIn, test } from '../support/fixtures.ts';
import { canPull, pushImage, registryTags, skopeo } from '../support/images.ts';
import { apiAs } from '../support/projects.ts';

const repositoryRows = (page: import('@playwright/test').Page) =>
  page.getByRole('table', { name: 'Image repositories' }).locator('tbody tr');
const tagNames = (page: import('@playwright/test').Page) =>
  page.getByRole('table', { name: 'Tags' }).locator('tbody tr:not(.detail-row) .tag-name');

test('a developer searches and sorts the registry, and a copied URL shows a teammate the same rows', async ({
  page,
  browser,
  world,
}) => {
  await signIn(page, world.users.developer);
  await page.goto(`/${world.project.path}/container_registry`);
  await expect(repositoryRows(page)).toHaveCount(2);
  await page.getByRole('combobox', { name: 'Sort by' }).selectOption('name');
  await page.getByRole('button', { name: 'Sort direction: descending' }).click();
  await expect(page).toHaveURL(/orderBy=name&sort=asc/);
  await expect(repositoryRows(page).first()).toContainText('acme/shop/api');
  await page.getByRole('searchbox').fill('we');
  await page.getByRole('searchbox').press('Enter');
  await expect(repositoryRows(page)).toHaveCount(1);
  await expect(repositoryRows(page).first()).toContainText('acme/shop/web');

  const teammate = await browser.newPage({ baseURL: world.webUrl });
  await signIn(teammate, world.users.reporter);
  await teammate.goto(page.url());
  await expect(repositoryRows(teammate)).toHaveCount(1);
  await expect(repositoryRows(teammate).first()).toContainText('acme/shop/web');
  await expect(teammate.getByRole('searchbox')).toHaveValue('we');
  await teammate.close();
});

test('tag details show the platforms, digests and sizes skopeo pushed', async ({ page, world }) => {
  await signIn(page, world.users.developer);
  await page.goto(`/${world.project.path}/container_registry`);
  await page.getByRole('link', { name: 'acme/shop/web' }).click();
  const pushed = world.images['web:v2']!;
  await expect(page.getByRole('row', { name: /v2/ }).first()).toContainText(formatBytes(pushed.size));
  await page.getByRole('button', { name: 'Show details of v2' }).click();
  await expect(page.getByText(pushed.digest, { exact: true })).toBeVisible();
  const details = page.locator('.tag-details');
  expect(pushed.platforms).toHaveLength(2);
  for (const platform of pushed.platforms) {
    const row = details.getByRole('row').filter({ has: page.locator(`code[title="${platform.digest}"]`) });
    await expect(row).toContainText(platform.platform);
    await expect(row).toContainText(formatBytes(platform.size));
  }
  // The registry serves the index skopeo pushed, with the same platform manifests.
  const index = JSON.parse(
    await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      `--creds=developer:${world.users.developer.password}`,
      `docker://${world.registryHost}/acme/shop/web:v2`,
    ]),
  );
  expect(index.manifests.map((manifest: { digest: string }) => manifest.digest)).toEqual(
    pushed.platforms.map((platform) => platform.digest),
  );
});

test('a developer deletes two selected tags; the others stay', async ({ page, world }) => {
  for (const tag of ['one', 'two', 'three']) {
    await pushImage(world.registryHost, `acme/shop/scratch:${tag}`, world.users.developer);
  }
  await signIn(page, world.users.developer);
  await page.goto(`/${world.project.path}/container_registry?search[]=scratch`);
  await page.getByRole('link', { name: 'acme/shop/scratch' }).click();
  await expect(tagNames(page)).toHaveCount(3);
  await page.getByRole('checkbox', { name: 'Select tag one' }).check();
  await page.getByRole('checkbox', { name: 'Select tag two' }).check();
  await page.getByRole('button', { name: 'Delete selected (2)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete 2 tags?' });
  await dialog.getByRole('button', { name: 'Delete 2 tags' }).click();
  await expect(dialog.getByText('2 deleted, 0 already gone.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(tagNames(page)).toHaveText(['three']);
  expect(await registryTags(world.registryHost, 'acme/shop/scratch', world.users.developer)).toEqual([
    'three',
  ]);
});

test('a guest sees tags but no delete controls, and the API and registry refuse the guest deleting', async ({
  page,
  world,
}) => {
  await signIn(page, world.users.guest);
  await page.goto(`/${world.project.path}/container_registry`);
  await expect(repositoryRows(page)).not.toHaveCount(0);
  await expect(page.getByRole('button', { name: /Delete image repository/ })).toHaveCount(0);
  await page.getByRole('link', { name: 'acme/shop/api' }).click();
  await expect(tagNames(page)).not.toHaveCount(0);
  await expect(page.getByRole('checkbox')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Delete/ })).toHaveCount(0);

  const guest = await apiAs(world, 'guest');
  const [api] = (
    await guest.expect(200, 'GET', `/projects/${world.project.id}/registry/repositories`)
  ).filter((repository: { path: string }) => repository.path === 'acme/shop/api');
  const base = `/projects/${world.project.id}/registry/repositories/${api.id}`;
  expect((await guest.request('DELETE', `${base}/tags/v1.0.0`)).status).toBe(403);
  expect((await guest.request('POST', `${base}/tags/delete`, { names: ['v1.0.0'] })).status).toBe(403);
  expect((await guest.request('DELETE', base)).status).toBe(403);
  const { guest: guestUser } = world.users;
  expect(await canPull(world.registryHost, 'acme/shop/api:v1.0.0', guestUser)).toBe(true);
  await expect(
    skopeo([
      'delete',
      '--tls-verify=false',
      `--creds=${guestUser.username}:${guestUser.password}`,
      `docker://${world.registryHost}/acme/shop/api:v1.0.0`,
    ]),
  ).rejects.toThrow();
  expect(await registryTags(world.registryHost, 'acme/shop/api', guestUser)).toContain('v1.0.0');
});

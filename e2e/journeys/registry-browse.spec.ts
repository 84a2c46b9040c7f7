import { expect, signIn, test } from '../support/fixtures.ts';
import { pushImage } from '../support/images.ts';

// The BFF's container registry API lands separately; until it is in the build these journeys say so.
test.beforeEach(async ({ world, request }) => {
  const probe = await request.get(
    `${world.webUrl}/api/v4/projects/${world.project.id}/registry/repositories`,
  );
  test.skip(probe.status() === 404, 'SKIPPED: this build of the BFF has no /registry/repositories API');
});

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

test('tag details show the digests skopeo reported, platform by platform', async ({ page, world }) => {
  await signIn(page, world.users.developer);
  await page.goto(`/${world.project.path}/container_registry`);
  await page.getByRole('link', { name: 'acme/shop/web' }).click();
  await page.getByRole('button', { name: 'Show details of v2' }).click();
  const pushed = world.images['web:v2']!;
  await expect(page.getByText(pushed.digest, { exact: true })).toBeVisible();
  for (const platform of pushed.platforms) {
    await expect(page.locator('.tag-details')).toContainText(platform.platform);
  }
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
});

test('a guest sees tags but no delete controls', async ({ page, world }) => {
  await signIn(page, world.users.guest);
  await page.goto(`/${world.project.path}/container_registry`);
  await expect(repositoryRows(page)).not.toHaveCount(0);
  await expect(page.getByRole('button', { name: /Delete image repository/ })).toHaveCount(0);
  await page.getByRole('link', { name: 'acme/shop/api' }).click();
  await expect(tagNames(page)).not.toHaveCount(0);
  await expect(page.getByRole('checkbox')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Delete/ })).toHaveCount(0);
});

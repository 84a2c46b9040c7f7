import type { Page } from '@playwright/test';
import { expect, signIn, test } from '../support/fixtures.ts';
import { pushImage, registryTags, tagImage } from '../support/images.ts';
import { apiAs, createProject } from '../support/projects.ts';

const tagNames = (page: Page) =>
  page.getByRole('table', { name: 'Tags' }).locator('tbody tr:not(.detail-row) .tag-name');

test('a developer deletes every tag matching a search, across pages, in one go', async ({ page, world }) => {
  const project = await createProject(world, 'bulk');
  const repository = `${project.path}/app`;
  const developer = world.users.developer;
  await pushImage(world.registryHost, `${repository}:keep-1`, developer);
  await tagImage(world.registryHost, `${repository}:keep-1`, `${repository}:keep-2`, developer);
  const temporary = Array.from({ length: 25 }, (_, i) => `tmp-${String(i).padStart(2, '0')}`);
  await pushImage(world.registryHost, `${repository}:${temporary[0]}`, developer);
  for (const tag of temporary.slice(1)) {
    await tagImage(world.registryHost, `${repository}:${temporary[0]}`, `${repository}:${tag}`, developer);
  }

  await signIn(page, developer);
  await page.goto(`/${project.path}/container_registry`);
  await page.getByRole('link', { name: repository }).click();
  await page.getByRole('searchbox', { name: 'Filter tags' }).fill('tmp');
  await page.getByRole('searchbox', { name: 'Filter tags' }).press('Enter');
  await expect(tagNames(page)).toHaveCount(20);
  await page.getByRole('checkbox', { name: 'Select all 25 tags matching the filter' }).check();
  await page.getByRole('button', { name: 'Delete selected (25)' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete 25 tags?' });
  await dialog.getByRole('button', { name: 'Delete 25 tags' }).click();
  await expect(dialog.getByText('25 deleted, 0 already gone.')).toBeVisible();
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'No tags match “tmp”' })).toBeVisible();
  await page.getByRole('button', { name: 'Clear filter' }).click();
  await expect(tagNames(page)).toHaveText(['keep-2', 'keep-1']);

  const api = await apiAs(world, 'developer');
  const [listed] = await api.expect(200, 'GET', `/projects/${project.id}/registry/repositories`);
  const tags = await api.expect(
    200,
    'GET',
    `/projects/${project.id}/registry/repositories/${listed.id}/tags`,
  );
  expect(tags.map((tag: { name: string }) => tag.name).sort()).toEqual(['keep-1', 'keep-2']);
  expect(await registryTags(world.registryHost, repository, developer)).toEqual(['keep-1', 'keep-2']);
});

test('a maintainer deletes a repository after typing its path', async ({ page, world }) => {
  const project = await createProject(world, 'droprepo');
  const doomed = `${project.path}/old`;
  const kept = `${project.path}/new`;
  await pushImage(world.registryHost, `${doomed}:1`, world.users.developer);
  await pushImage(world.registryHost, `${kept}:1`, world.users.developer);

  await signIn(page, world.users.maintainer);
  await page.goto(`/${project.path}/container_registry`);
  await page.getByRole('button', { name: `Delete image repository ${doomed}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete image repository?' });
  const confirm = dialog.getByRole('button', { name: 'Delete repository' });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(`Type ${doomed} to confirm`).fill(doomed);
  await confirm.click();
  await expect(dialog.getByRole('status')).toContainText('is scheduled for deletion');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();

  const api = await apiAs(world, 'maintainer');
  await expect
    .poll(
      async () =>
        (await api.expect(200, 'GET', `/projects/${project.id}/registry/repositories`)).map(
          (repository: { path: string }) => repository.path,
        ),
      { timeout: 30_000 },
    )
    .toEqual([kept]);
  expect(await registryTags(world.registryHost, doomed, world.users.maintainer)).toEqual([]);
  expect(await registryTags(world.registryHost, kept, world.users.maintainer)).toEqual(['1']);
  await page.reload();
  await expect(page.getByRole('link', { name: kept })).toBeVisible();
  await expect(page.getByRole('link', { name: doomed })).toHaveCount(0);
});

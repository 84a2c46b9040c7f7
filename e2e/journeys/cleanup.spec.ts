import { makeCleanupDue } from '../support/clock.ts';
import { expect, signIn, test } from '../support/fixtures.ts';
import { pushImage, registryTags, tagImage } from '../support/images.ts';
import { apiAs, createProject } from '../support/projects.ts';

test('a cleanup policy deletes exactly the tags its preview listed', async ({ page, world }) => {
  const project = await createProject(world, 'cleanup');
  const repository = `${project.path}/app`;
  const developer = world.users.developer;
  await pushImage(world.registryHost, `${repository}:v1.0`, developer);
  for (const tag of ['dev-1', 'dev-2', 'dev-3', 'dev-4']) {
    await tagImage(world.registryHost, `${repository}:v1.0`, `${repository}:${tag}`, developer);
    // Distinct published times, so "keep the most recent" has one answer.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  await signIn(page, world.users.maintainer);
  await page.goto(`/${project.path}/-/settings/packages_and_registries`);
  const form = page.getByRole('form', { name: 'Cleanup policy' });
  await form.getByRole('switch').check();
  await form.getByLabel('Keep the most recent').selectOption('1');
  await form.getByLabel('Remove tags older than').selectOption('');
  await form.getByLabel('Remove tags matching').fill('dev-.*');
  await form.getByLabel('Keep tags matching').fill('v.*');
  const preview = form.getByRole('region', { name: 'Cleanup preview' });
  await expect(preview.getByRole('status')).toContainText('would be deleted now');
  await expect(preview).toHaveAttribute('aria-busy', 'false');
  await preview.getByText('Tags that would be deleted').click();
  const listed = (await preview.locator('.preview-list li code').allTextContents()).slice(1).sort();
  // dev-4 is the most recent; v1.0 matches the keep pattern.
  expect(listed).toEqual(['dev-1', 'dev-2', 'dev-3']);
  await form.getByRole('button', { name: 'Save cleanup policy' }).click();
  await expect(form.getByRole('status').last()).toHaveText('Saved.');

  makeCleanupDue(world, project.id);
  await expect
    .poll(() => registryTags(world.registryHost, repository, developer), { timeout: 30_000 })
    .toEqual(['dev-4', 'v1.0']);
  const api = await apiAs(world, 'maintainer');
  const [saved] = await api.expect(200, 'GET', `/projects/${project.id}/registry/repositories`);
  const tags = await api.expect(200, 'GET', `/projects/${project.id}/registry/repositories/${saved.id}/tags`);
  expect(tags.map((tag: { name: string }) => tag.name).sort()).toEqual(['dev-4', 'v1.0']);
  const policy = (await api.expect(200, 'GET', `/projects/${project.id}`)).container_expiration_policy;
  expect(Date.parse(policy.next_run_at)).toBeGreaterThan(Date.now());

  // The page shows what is left, and the preview now has nothing to delete.
  await page.goto(`/${project.path}/container_registry`);
  await page.getByRole('link', { name: repository }).click();
  await expect(
    page.getByRole('table', { name: 'Tags' }).locator('tbody tr:not(.detail-row) .tag-name'),
  ).toHaveText(['dev-4', 'v1.0']);
  await page.goto(`/${project.path}/-/settings/packages_and_registries`);
  await expect(page.getByRole('region', { name: 'Cleanup preview' }).getByRole('status')).toContainText(
    'No tags would be deleted now',
  );
});

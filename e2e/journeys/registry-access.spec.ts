import type { Page } from '@playwright/test';
import { Api } from '../support/api.ts';
import { expect, signIn, test } from '../support/fixtures.ts';
import { canPull, pushImage } from '../support/images.ts';
import { createProject } from '../support/projects.ts';

async function chooseAccess(
  page: Page,
  projectPath: string,
  choice: 'Everyone with access' | 'Only project members' | 'off',
) {
  await page.goto(`/${projectPath}/-/settings/packages_and_registries`);
  const form = page.getByRole('form', { name: 'Container registry' });
  const toggle = form.getByRole('switch');
  if (choice === 'off') {
    await toggle.uncheck();
  } else {
    await toggle.check();
    await form.getByRole('radio', { name: new RegExp(choice) }).check();
  }
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(form.getByRole('status')).toHaveText('Saved.');
}

test('a maintainer limits the registry to members, opens it again, then turns it off', async ({
  page,
  browser,
  world,
}) => {
  const project = await createProject(world, 'access');
  const reference = `${project.path}/app:1`;
  await pushImage(world.registryHost, reference, world.users.developer);
  const anonymousApi = new Api(world.webUrl);
  const anonymous = await browser.newPage({ baseURL: world.webUrl });
  const seesRegistry = async () => {
    await anonymous.goto(`/${project.path}/container_registry`);
    return anonymous.getByRole('link', { name: `${project.path}/app` });
  };
  expect(await canPull(world.registryHost, reference, null)).toBe(true);
  await expect(await seesRegistry()).toBeVisible();

  await signIn(page, world.users.maintainer);
  await chooseAccess(page, project.path, 'Only project members');
  await expect(await seesRegistry()).toHaveCount(0);
  await expect(anonymous.getByRole('heading', { level: 2 })).toHaveText(
    'Image repositories: sign in to see this',
  );
  expect((await anonymousApi.request('GET', `/projects/${project.id}/registry/repositories`)).status).toBe(
    401,
  );
  expect(await canPull(world.registryHost, reference, null)).toBe(false);
  expect(await canPull(world.registryHost, reference, world.users.reporter)).toBe(true);
  const reporter = await browser.newPage({ baseURL: world.webUrl });
  await signIn(reporter, world.users.reporter);
  await reporter.goto(`/${project.path}/container_registry`);
  await expect(reporter.getByRole('link', { name: `${project.path}/app` })).toBeVisible();
  await reporter.close();

  await chooseAccess(page, project.path, 'Everyone with access');
  await expect(await seesRegistry()).toBeVisible();
  expect(await canPull(world.registryHost, reference, null)).toBe(true);

  await chooseAccess(page, project.path, 'off');
  await anonymous.goto(`/${project.path}/container_registry`);
  await expect(anonymous.getByRole('link', { name: `${project.path}/app` })).toHaveCount(0);
  await page.goto(`/${project.path}/container_registry`);
  await expect(
    page.getByRole('heading', { name: 'The container registry is turned off for this project' }),
  ).toBeVisible();
  await expect(page.getByRole('button', { name: 'CLI commands' })).toHaveCount(0);
  for (const who of [null, world.users.reporter, world.users.developer, world.users.maintainer]) {
    expect(await canPull(world.registryHost, reference, who), who?.username ?? 'anonymous').toBe(false);
  }
  const settings = await anonymousApi.request('GET', `/projects/${project.id}`);
  expect(settings.body.container_registry_access_level).toBe('disabled');
  await anonymous.close();
});

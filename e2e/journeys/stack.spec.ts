import { Api } from '../support/api.ts';
import { expect, test } from '../support/fixtures.ts';

test('the seeded world is in the registry, and a registry deep link loads the app', async ({
  page,
  world,
}) => {
  const developer = await Api.signIn(
    world.webUrl,
    world.users.developer.username,
    world.users.developer.password,
  );
  const project = await developer.expect(200, 'GET', `/projects/${encodeURIComponent(world.project.path)}`);
  expect(project.container_registry_image_prefix).toBe(`${world.registryHost}/acme/shop`);
  const response = await page.goto(`/${world.project.path}/container_registry`);
  expect(response?.status()).toBe(200);
  await expect(page.locator('#root')).not.toBeEmpty();
});

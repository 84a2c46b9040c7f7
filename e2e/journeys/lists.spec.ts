import type { Browser, Page } from '@playwright/test';
import { expect, signIn, test } from '../support/fixtures.ts';
import { pushImage } from '../support/images.ts';
import { apiAs } from '../support/projects.ts';
import { readWorld, type World } from '../support/world.ts';

/** The repository paths a page shows, top to bottom. */
const shownPaths = (page: Page) =>
  page
    .getByRole('table', { name: 'Image repositories' })
    .locator('tbody tr td:first-child a.mono')
    .allTextContents();

/** Waits until the table shows exactly these paths, in this order. */
async function expectPaths(page: Page, paths: string[]) {
  await expect(
    page.getByRole('table', { name: 'Image repositories' }).locator('tbody tr td:first-child a.mono'),
  ).toHaveText(paths);
}

async function teammateSees(browser: Browser, world: World, url: string, paths: string[]) {
  const teammate = await browser.newPage({ baseURL: world.webUrl });
  await signIn(teammate, world.users.reporter);
  await teammate.goto(url);
  await expectPaths(teammate, paths);
  await teammate.close();
}

const names = Array.from({ length: 22 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);

test.describe('search, sort and paginate the registry lists', () => {
  // One subgroup with one project of 22 repositories: a page of 20 and a second page of 2.
  let subgroup: { path: string };
  let projectPath: string;
  const full = (name: string) => `${projectPath}/${name}`;

  test.beforeAll(async () => {
    const world = readWorld();
    const root = await apiAs(world, 'root');
    const suffix = Date.now().toString(36);
    const group = await root.expect(201, 'POST', '/groups', {
      name: `lists-${suffix}`,
      path: `lists-${suffix}`,
      parent_id: world.group.id,
      visibility: 'public',
    });
    const project = await root.expect(201, 'POST', '/projects', {
      name: 'catalog',
      path: 'catalog',
      namespace_id: group.id,
      visibility: 'public',
    });
    subgroup = { path: group.full_path };
    projectPath = project.path_with_namespace;
    const queue = [...names];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let name = queue.shift(); name; name = queue.shift()) {
          await pushImage(world.registryHost, `${projectPath}/${name}:1`, world.users.developer, {
            layerSizes: [512],
          });
        }
      }),
    );
  });

  test('on a project page, and a teammate opening the copied URL sees the same rows', async ({
    page,
    browser,
    world,
  }) => {
    await signIn(page, world.users.developer);
    await page.goto(`/${projectPath}/container_registry`);
    await page.getByRole('combobox', { name: 'Sort by' }).selectOption('name');
    await page.getByRole('button', { name: 'Sort direction: descending' }).click();
    await expect(page).toHaveURL(/orderBy=name&sort=asc/);
    await expectPaths(page, names.slice(0, 20).map(full));
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect(page).toHaveURL(/page=2/);
    await expectPaths(page, names.slice(20).map(full));
    await teammateSees(browser, world, page.url(), names.slice(20).map(full));

    await page.getByRole('searchbox').fill('svc-1');
    await page.getByRole('searchbox').press('Enter');
    await expect(page).not.toHaveURL(/page=2/);
    const matching = names.filter((name) => name.startsWith('svc-1')).map(full);
    await expectPaths(page, matching);
    await teammateSees(browser, world, page.url(), matching);
    // The API answers the same rows for the same question.
    const api = await apiAs(world, 'reporter');
    const listed = await api.expect(
      200,
      'GET',
      `/projects/${encodeURIComponent(projectPath)}/registry/repositories?search=svc-1&order_by=name&sort=asc`,
    );
    expect(listed.map((repository: { path: string }) => repository.path)).toEqual(matching);
    expect(await shownPaths(page)).toEqual(matching);
  });

  test('on a group page, with the project on each row', async ({ page, browser, world }) => {
    await signIn(page, world.users.developer);
    await page.goto(`/groups/${subgroup.path}/-/container_registries`);
    await page.getByRole('combobox', { name: 'Sort by' }).selectOption('name');
    await expect(page).toHaveURL(/orderBy=name/);
    const descending = [...names].reverse().map(full);
    await expectPaths(page, descending.slice(0, 20));
    await expect(
      page.getByRole('table', { name: 'Image repositories' }).locator('tbody tr').first(),
    ).toContainText(projectPath);
    await page.getByRole('button', { name: 'Page 2' }).click();
    await expectPaths(page, descending.slice(20));
    await teammateSees(browser, world, page.url(), descending.slice(20));

    await page.getByRole('searchbox').fill('svc-2');
    await page.getByRole('searchbox').press('Enter');
    await expectPaths(page, [full('svc-21'), full('svc-20')]);
    await teammateSees(browser, world, page.url(), [full('svc-21'), full('svc-20')]);
  });
});

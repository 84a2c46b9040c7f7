import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, signIn, test } from '../support/fixtures.ts';
import { pushImage, tagImage } from '../support/images.ts';
import { apiAs } from '../support/projects.ts';
import { readWorld } from '../support/world.ts';

/**
 * The main pages as the real stack shows them, at 1280 and 390 px, light and dark. They go to the
 * test's output folder; `BERTH_E2E_SCREENSHOTS=docs` writes them to docs/screenshots/ for the README.
 */
const DOCS = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../docs/screenshots');
const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

// A subgroup of its own, so the pictures show a registry rather than the other journeys' leftovers.
let retail: { group: string; storefront: string; storefrontId: number };

test.beforeAll(async () => {
  const world = readWorld();
  const root = await apiAs(world, 'root');
  const group = await root.expect(201, 'POST', '/groups', {
    name: 'Retail',
    path: 'retail',
    parent_id: world.group.id,
    visibility: 'public',
  });
  const project = (path: string) =>
    root.expect(201, 'POST', '/projects', { name: path, path, namespace_id: group.id, visibility: 'public' });
  const storefront = await project('storefront');
  const payments = await project('payments');
  const developer = world.users.developer;
  const base = storefront.path_with_namespace;
  await pushImage(world.registryHost, `${base}/api:v1.0.0`, developer, { layerSizes: [2_400_000, 310_000] });
  for (const tag of ['v1.1.0', 'v1.2.0', 'main-3f2a9c1', 'main-8d41e07', 'latest']) {
    await tagImage(world.registryHost, `${base}/api:v1.0.0`, `${base}/api:${tag}`, developer);
  }
  await pushImage(world.registryHost, `${base}/web:v2.4.1`, developer, {
    multiArch: true,
    layerSizes: [5_200_000, 740_000],
  });
  await tagImage(world.registryHost, `${base}/web:v2.4.1`, `${base}/web:latest`, developer);
  await pushImage(world.registryHost, `${base}/worker:2024.11`, developer, { layerSizes: [1_100_000] });
  await pushImage(world.registryHost, `${payments.path_with_namespace}/gateway:v3`, developer, {
    layerSizes: [3_300_000],
  });
  await root.expect(200, 'PUT', `/projects/${storefront.id}`, {
    container_expiration_policy_attributes: {
      enabled: true,
      cadence: '7d',
      keep_n: 1,
      older_than: null,
      name_regex: 'main-.*',
      name_regex_keep: 'v.*',
    },
  });
  await root.expect(201, 'POST', `/projects/${storefront.id}/deploy_tokens`, {
    name: 'production pull',
    scopes: ['read_registry'],
  });
  const maintainer = await apiAs(world, 'maintainer');
  await maintainer.expect(201, 'POST', '/user/personal_access_tokens', {
    name: 'laptop',
    scopes: ['read_registry', 'write_registry'],
  });
  retail = { group: group.full_path, storefront: base, storefrontId: storefront.id };
});

async function shoot(page: Page, name: string) {
  const folder = process.env.BERTH_E2E_SCREENSHOTS === 'docs' ? DOCS : test.info().outputPath();
  mkdirSync(folder, { recursive: true });
  for (const [size, viewport] of Object.entries(VIEWPORTS)) {
    await page.setViewportSize(viewport);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.mouse.move(0, 0);
      // A window as tall as the page rather than `fullPage`, so the sticky side rail reaches the bottom.
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
      await page.screenshot({ path: join(folder, `${name}-${size}-${colorScheme}.png`) });
      await page.setViewportSize(viewport);
    }
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

test('screenshots of the main pages, from the real stack', async ({ page, world }) => {
  test.setTimeout(120_000);
  await page.goto('/users/sign_in');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await shoot(page, 'sign-in');

  await signIn(page, world.users.maintainer);
  await page.goto(`/explore?search=storefront`);
  await expect(page.getByRole('link', { name: /storefront/i }).first()).toBeVisible();
  await shoot(page, 'explore');

  await page.goto(`/${retail.storefront}/container_registry`);
  await expect(page.getByRole('link', { name: `${retail.storefront}/worker` })).toBeVisible();
  await shoot(page, 'project-registry');
  await page.getByRole('button', { name: 'CLI commands' }).click();
  await shoot(page, 'project-registry-cli-commands');

  await page.goto(`/groups/${retail.group}/-/container_registries`);
  await expect(page.getByRole('link', { name: `${retail.group}/payments/gateway` })).toBeVisible();
  await shoot(page, 'group-registry');

  await page.goto(`/${retail.storefront}/container_registry`);
  await page.getByRole('link', { name: `${retail.storefront}/web` }).click();
  await page.getByRole('button', { name: 'Show details of v2.4.1' }).click();
  await page.getByRole('button', { name: 'Image', exact: true }).click();
  await expect(page.getByText('linux/arm64/v8').first()).toBeVisible();
  await shoot(page, 'repository-tag-details');

  await page.goto(`/${retail.storefront}/container_registry`);
  await page.getByRole('link', { name: `${retail.storefront}/api` }).click();
  await expect(page.getByRole('row', { name: /main-3f2a9c1/ })).toBeVisible();
  await shoot(page, 'repository');

  await page.goto(`/${retail.storefront}/-/settings/packages_and_registries`);
  await expect(page.getByRole('region', { name: 'Cleanup preview' }).getByRole('status')).toContainText(
    '1 tag in 1 repository would be deleted now',
  );
  await shoot(page, 'settings');

  await page.goto(`/${retail.storefront}/-/settings/repository`);
  await expect(page.getByRole('heading', { level: 1, name: 'Deploy tokens' })).toBeVisible();
  await shoot(page, 'deploy-tokens');

  await page.goto('/-/user_settings/personal_access_tokens');
  await expect(page.getByRole('heading', { level: 1, name: 'Personal access tokens' })).toBeVisible();
  await shoot(page, 'personal-access-tokens');
});

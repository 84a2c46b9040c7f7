#!/usr/bin/env node
// Screenshots of every page of the built SPA at 1280 px and 390 px, light and dark, into
// docs/screenshots/. The app is served by `vite preview`; `/api/v4` is answered in the browser by the
// same fake BFF the component tests use (src/test/fake-api.ts, built from the contract schemas).
// Usage: pnpm --filter @berth/web build && node apps/web/scripts/screenshots.mjs [page-name…]
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFakeApi, startFakeStack } from './fake-stack.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, '../../docs/screenshots');
const only = process.argv.slice(2);

const { createWorld, fx } = await loadFakeApi(root);

/** A registry a team would have after a few months: three projects, a subgroup, long names. */
function richWorld(overrides = {}) {
  const shop = fx.makeShopWorld({ tagCount: 48 });
  const tools = fx.makeProject('acme/platform/build-tools', { id: 8, accessLevel: 40 });
  const web = fx.makeProject('acme/web', { id: 9, accessLevel: 30, registry: 'disabled' });
  const extra = [
    fx.makeRepository(tools, 'ci-runner', { id: 30, tags: 12, size: 612_000_000, publishedHoursAgo: 50 }),
    fx.makeRepository(tools, 'very-long-image-name-for-the-release-automation/arm64-cross-compiler', {
      id: 31,
      tags: 140,
      size: 1_740_000_000,
      publishedHoursAgo: 24 * 40,
    }),
  ];
  return createWorld({
    session: fx.makeSession(),
    projects: [shop.project, tools, web],
    groups: [fx.makeGroup('acme', 10), fx.makeGroup('acme/platform', 11)],
    repositories: [...shop.repositories, ...extra],
    tags: shop.tags,
    personalAccessTokens: [
      fx.makePersonalAccessToken(1, 'laptop', { scopes: ['read_registry', 'write_registry'] }),
      fx.makePersonalAccessToken(2, 'release pipeline', {
        scopes: ['api'],
        last_used_at: null,
        expires_at: null,
      }),
    ],
    deployTokens: [
      fx.makeDeployToken(3, 'k8s-pull'),
      fx.makeDeployToken(4, 'staging push', { scopes: ['read_registry', 'write_registry'] }),
    ],
    preview: fx.makePreview([
      {
        id: 17,
        path: 'acme/shop/api',
        delete: shop.tags
          .get(17)
          .slice(12)
          .map((t) => ({ name: t.name, published_at: t.published_at })),
        keep: shop.tags
          .get(17)
          .slice(0, 12)
          .map((t) => ({ name: t.name, published_at: t.published_at })),
      },
      {
        id: 18,
        path: 'acme/shop/web',
        delete: [],
        keep: shop.tags.get(18).map((t) => ({ name: t.name, published_at: t.published_at })),
      },
    ]),
    ...overrides,
  });
}

const pages = [
  {
    name: 'sign-in',
    url: '/users/sign_in',
    world: () => richWorld({ session: null }),
    ready: 'button:has-text("Sign in")',
  },
  { name: 'explore', url: '/explore', ready: 'table >> text=acme / shop' },
  { name: 'project-registry', url: '/acme/shop/container_registry', ready: 'text=acme/shop/worker' },
  {
    name: 'project-registry-cli-commands',
    url: '/acme/shop/container_registry',
    ready: 'text=acme/shop/worker',
    act: async (page) => page.getByRole('button', { name: 'CLI commands' }).click(),
  },
  {
    name: 'project-registry-empty',
    url: '/acme/shop/container_registry',
    world: () => richWorld({ repositories: [] }),
    ready: 'text=No container images stored',
  },
  {
    name: 'project-registry-no-results',
    url: '/acme/shop/container_registry?search[]=wor-x',
    ready: 'text=No images match',
  },
  { name: 'project-registry-disabled', url: '/acme/web/container_registry', ready: 'text=turned off' },
  {
    name: 'project-registry-loading',
    url: '/acme/shop/container_registry',
    world: () => richWorld({ hang: [/registry\/repositories$/] }),
    ready: '.skeleton-row',
  },
  {
    name: 'project-registry-error',
    url: '/acme/shop/container_registry',
    world: () => {
      const world = richWorld();
      world.failures.push({
        path: /registry\/repositories$/,
        status: 503,
        message: '503 The registry is not answering',
        times: 99,
      });
      return world;
    },
    ready: '[role=alert]',
  },
  {
    name: 'group-registry',
    url: '/groups/acme/-/container_registries?orderBy=name&sort=asc',
    ready: 'text=ci-runner',
  },
  { name: 'repository', url: '/acme/shop/container_registry/17', ready: 'text=latest' },
  {
    name: 'repository-tag-details',
    url: '/acme/shop/container_registry/17',
    ready: 'text=latest',
    act: async (page) => {
      await page.getByRole('button', { name: 'Show details of latest' }).click();
      await page.getByRole('button', { name: 'Image', exact: true }).click();
      await page.getByText('Layers (3').first().waitFor();
    },
  },
  {
    name: 'repository-delete-dialog',
    url: '/acme/shop/container_registry/17',
    ready: 'text=latest',
    act: async (page) => {
      await page.getByRole('checkbox', { name: 'Select tag v1.0.1' }).check();
      await page.getByRole('checkbox', { name: 'Select tag v1.0.2' }).check();
      await page.getByRole('button', { name: 'Delete selected (2)' }).click();
    },
  },
  {
    name: 'repository-guest',
    url: '/acme/shop/container_registry/17',
    world: () => richWorld({ projects: [fx.makeProject('acme/shop', { accessLevel: 10 })] }),
    ready: 'text=latest',
  },
  {
    name: 'settings',
    url: '/acme/shop/-/settings/packages_and_registries',
    ready: 'text=would be deleted now',
  },
  {
    name: 'settings-no-permission',
    url: '/acme/shop/-/settings/packages_and_registries',
    world: () => richWorld({ projects: [fx.makeProject('acme/shop', { accessLevel: 30 })] }),
    ready: 'text=You do not have permission',
  },
  {
    name: 'personal-access-tokens',
    url: '/-/user_settings/personal_access_tokens',
    ready: 'text=laptop',
    act: async (page) => {
      await page.getByLabel('Token name').fill('ci push');
      await page.getByRole('button', { name: 'Create token' }).click();
      await page.getByText('glpat-').first().waitFor();
    },
  },
  { name: 'deploy-tokens', url: '/acme/shop/-/settings/repository', ready: 'text=k8s-pull' },
];

const stack = await startFakeStack(root);
const base = stack.base;
await mkdir(out, { recursive: true });
const failures = [];
try {
  for (const spec of pages.filter((p) => only.length === 0 || only.includes(p.name))) {
    for (const [viewport, width, height] of [
      ['desktop', 1280, 800],
      ['phone', 390, 844],
    ]) {
      for (const colorScheme of ['light', 'dark']) {
        const world = (spec.world ?? richWorld)();
        const { context, page } = await stack.open(world, { width, height, colorScheme });
        page.on('pageerror', (error) => failures.push(`${spec.name}: ${error.message}`));
        await page.goto(`${base}${spec.url}`);
        await page.locator(spec.ready).first().waitFor({ timeout: 10_000 });
        if (spec.act) await spec.act(page);
        await page.waitForTimeout(250);
        // Nothing may push the page wider than the screen: wide tables scroll inside their own box.
        const overflow = await page.evaluate((limit) => {
          if (document.documentElement.scrollWidth <= limit) return null;
          return (
            [...document.querySelectorAll('body *')]
              .filter((el) => el.getBoundingClientRect().right > limit + 1 && !el.closest('.table-wrap > *'))
              .slice(0, 5)
              .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
              .join(', ') || `scroll width ${document.documentElement.scrollWidth}`
          );
        }, width);
        if (overflow)
          failures.push(`${spec.name} ${viewport} ${colorScheme}: wider than the screen: ${overflow}`);
        await page.screenshot({ path: `${out}/${spec.name}-${viewport}-${colorScheme}.png`, fullPage: true });
        await context.close();
      }
    }
    console.log(`✓ ${spec.name}`);
  }
} finally {
  await stack.close();
}
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}

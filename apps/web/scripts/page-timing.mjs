#!/usr/bin/env node
// Client-side timing of the repository page with 10,000 tags, in Chromium against the fake BFF (so the
// figures are the SPA's own cost: JavaScript, parsing the page of tags with the contract schema, and
// rendering; the real BFF and registry add their time on top, measured by the e2e run and `pnpm bench`).
// Usage: pnpm --filter @berth/web build && node apps/web/scripts/page-timing.mjs
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFakeApi, startFakeStack } from './fake-stack.mjs';

const RUNS = 7;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { createWorld, fx } = await loadFakeApi(root);
const stack = await startFakeStack(root);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function bigWorld() {
  const shop = fx.makeShopWorld({ tagCount: 10_000 });
  return createWorld({
    session: fx.makeSession(),
    repositories: shop.repositories,
    tags: shop.tags,
    projects: [shop.project],
  });
}

const firstTag = (page) => page.locator('table[aria-label="Tags"] tbody tr .tag-name').first();
const results = { cold: [], navigation: [], sort: [], page: [] };
try {
  for (let run = 0; run < RUNS; run += 1) {
    const { context, page } = await stack.open(bigWorld(), { width: 1280, height: 800 });
    // Cold: a fresh tab opens a shared link to the repository.
    let start = Date.now();
    await page.goto(`${stack.base}/acme/shop/container_registry/17`);
    await firstTag(page).waitFor();
    results.cold.push(Date.now() - start);
    // In-app: from the project's registry to the repository.
    await page.goto(`${stack.base}/acme/shop/container_registry`);
    await page.getByRole('link', { name: 'acme/shop/api' }).waitFor();
    start = Date.now();
    await page.getByRole('link', { name: 'acme/shop/api' }).click();
    await firstTag(page).waitFor();
    results.navigation.push(Date.now() - start);
    // Sort: name ascending, until the first row shows the new order.
    const before = await firstTag(page).textContent();
    start = Date.now();
    await page.getByRole('combobox', { name: 'Sort by' }).selectOption('name');
    await page.waitForFunction(
      (previous) =>
        document.querySelector('table[aria-label="Tags"] tbody tr .tag-name')?.textContent !== previous,
      before,
    );
    results.sort.push(Date.now() - start);
    // Next page.
    const first = await firstTag(page).textContent();
    start = Date.now();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.waitForFunction(
      (previous) =>
        document.querySelector('table[aria-label="Tags"] tbody tr .tag-name')?.textContent !== previous,
      first,
    );
    results.page.push(Date.now() - start);
    await context.close();
  }
} finally {
  await stack.close();
}
console.log(`repository with 10,000 tags, median of ${RUNS} runs (fake BFF, Chromium headless):`);
console.log(`  cold load of a shared link to the first page of tags   ${median(results.cold)} ms`);
console.log(`  navigation from the project registry to first tags     ${median(results.navigation)} ms`);
console.log(`  sort change to the new first row                        ${median(results.sort)} ms`);
console.log(`  next page                                               ${median(results.page)} ms`);

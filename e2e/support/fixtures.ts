import { test as base, expect, type Page } from '@playwright/test';
import { readWorld, type World } from './world.ts';

/** Signs in through the UI's form, as a person would. */
export async function signIn(page: Page, user: { username: string; password: string }): Promise<void> {
  await page.goto('/users/sign_in');
  await page.getByLabel('Username or email').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/users\/sign_in/);
}

export const test = base.extend<{ world: World }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern
  world: async ({}, use) => {
    await use(readWorld());
  },
  baseURL: async ({ world }, use) => {
    await use(world.webUrl);
  },
});

export { expect };

import { defineConfig } from '@playwright/test';
import journeys from './playwright.config.ts';

/**
 * Benchmarks in the browser against the same stack the journeys use (`pnpm --filter @berth/e2e bench`).
 * They print figures and assert nothing about time: timing targets are not test failures on a shared machine.
 */
export default defineConfig({
  ...journeys,
  testDir: './bench',
  testMatch: /.*\.bench\.ts$/,
  timeout: 15 * 60_000,
  reporter: [['list']],
  use: { ...journeys.use, trace: 'off', screenshot: 'off' },
});

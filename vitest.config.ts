import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/*',
      'scripts',
      // The registry's conformance workflows and skopeo round trip again, on S3 storage (s3rver).
      {
        test: {
          name: 'registry-s3',
          root: './packages/registry',
          include: ['test/conformance/**/*.test.ts', 'test/clients/skopeo-round-trip.test.ts'],
          env: { BERTH_TEST_STORAGE: 's3' },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

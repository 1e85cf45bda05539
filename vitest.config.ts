import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Differential tests spawn tshark; two cores in CI.
    pool: 'forks',
    maxWorkers: 2,
  },
});

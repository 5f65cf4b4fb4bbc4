import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/query-worker.ts'],
    // every answer of a route with declared response schemas is validated against them (the whole run)
    setupFiles: ['test/setup/record-responses.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

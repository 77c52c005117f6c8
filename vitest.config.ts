import { defineConfig } from 'vitest/config';

// One run for the whole repository: unit tests sit beside the code, scenario tests in packages/*/test.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});

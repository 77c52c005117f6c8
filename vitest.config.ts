import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Most scenario files wait on a server, child processes or a browser rather than on the CPU, so more
// files run at once than there are cores (Vitest's own default is one fewer than the cores: a single
// file at a time on CI's two). HAVEN_TEST_WORKERS overrides it.
const workers = Number(process.env.HAVEN_TEST_WORKERS) || Math.max(3, availableParallelism());

// One run for the whole repository: unit tests sit beside the code, scenario tests in packages/*/test.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: workers,
    minWorkers: 1,
    reporters: ['default'],
  },
});

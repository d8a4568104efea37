import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file gets its own database; files run in parallel processes.
    pool: 'forks',
    // Most of a file's time is spent waiting (on a kpibot child process, a timer, the database server), so two files run
    // at once even on a two-core machine, where vitest would run one. Three made the suite faster still, but starved
    // the kpibot processes that timing and memory tests watch.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A migrated database made once per run, which tests copy (test/helpers/databases.ts).
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 20_000,
    // Most of a test's time is spent waiting on the programs it spawned, so three
    // workers keep a 2-core machine busy without starving those programs.
    maxWorkers: 3,
    // Test files share nothing at module level, and re-importing the harness for
    // every file costs more CPU than any file's own work.
    isolate: false,
    // The default report, then one plain "N passed, N failed" line for CI.
    reporters: ['default', './lib/summary-reporter.ts'],
  },
});

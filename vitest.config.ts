import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 20_000,
    // Graded tests spawn processes; two workers keep a 2-core machine responsive.
    maxWorkers: 2,
    // The default report, then one plain "N passed, N failed" line for CI.
    reporters: ['default', './lib/summary-reporter.ts'],
  },
});

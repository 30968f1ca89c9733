import { configDefaults, defineConfig } from 'vitest/config';

// Proofs (*.proof.test.ts) grade the kit's tests themselves: every mutant, every
// released stage, a hostile class in the sandbox. They take minutes of CPU, so
// `npm test` leaves them to `npm run test:proofs` (SOCKET_KIT_PROOFS=1).
const proofs = process.env.SOCKET_KIT_PROOFS === '1';

export default defineConfig({
  test: {
    include: proofs ? ['test/**/*.proof.test.ts'] : ['test/**/*.test.ts'],
    // Test files under test/fixtures are material for kit tests, run only when one asks (SOCKET_KIT_FIXTURE_TESTS).
    exclude: [...configDefaults.exclude, ...(process.env.SOCKET_KIT_FIXTURE_TESTS ? [] : ['test/fixtures/**']), ...(proofs ? [] : ['test/**/*.proof.test.ts'])],
    pool: 'forks',
    // The harness keeps its own limits (a graded test's attempt, every wait); this is a backstop.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Most of a test's time is spent waiting on the programs it spawned, so three
    // workers keep a 2-core machine busy without starving those programs.
    maxWorkers: 3,
    // Test files share nothing at module level, and re-importing the harness for
    // every file costs more CPU than any file's own work.
    isolate: false,
    // One gate for the run's workers: heavy and timing-sensitive tests never run at once, a re-run runs alone.
    globalSetup: ['./lib/harness/gate-setup.ts'],
    // The default report, then one plain "N passed, N failed" line for CI, with what was re-run alone.
    reporters: ['default', './lib/summary-reporter.ts'],
  },
});

// A last line for `npm test`, in the plain form any CI can read:
// "N passed, N failed" (", N skipped" when there are any), and before it every
// graded test that was re-run alone because a wait ran out, and how that went.
import type { Reporter, TestModule } from 'vitest/node';
import type { GradedMeta } from './harness/lab-test.ts';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = errors.length;
    let skipped = 0;
    const rerun: string[] = [];
    for (const m of modules) {
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++; // a file that failed to load
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        const retried = (t.meta() as GradedMeta).retried;
        if (retried) rerun.push(`  ${retried.passedAlone ? 'passed' : 'FAILED'} when re-run alone: ${m.relativeModuleId} > ${t.name}\n      first run: ${retried.firstFailure}`);
      }
    }
    if (rerun.length) console.log(`\nRe-run alone because a wait ran out (${rerun.length}):\n${rerun.join('\n')}`);
    console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  }
}

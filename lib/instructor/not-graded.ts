// A lab whose tests did not run (no folder, a symbolic link, a runner that broke
// before any test reported): every listed test counts, failed, with the one reason.
// The lab's maximum stays what it is for everyone else.
import type { Lab } from '../course.ts';
import type { LabResult } from '../grader/results.ts';
import type { ListedTest } from './list-tests.ts';

const PREFIX = 'not graded: ';

export function notGraded(lab: Lab, tests: ListedTest[], reason: string, target: string): LabResult {
  return {
    slug: lab.slug,
    title: lab.title,
    target,
    tests: tests.filter((t) => t.slug === lab.slug).map((t) => ({ name: t.name, points: t.points, passed: false, message: PREFIX + reason, ms: 0 })),
    error: reason,
    gradedAt: new Date(0).toISOString(),
  };
}

/** Was this lab's result made by notGraded()? */
export const wasNotGraded = (r: LabResult) => !!r.error && r.tests.every((t) => !t.passed && t.message?.startsWith(PREFIX));

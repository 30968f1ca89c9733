// The shape of a grade, shared by the grader, the course map, the site and the
// instructor's exports. Lab totals are computed here and nowhere else.
import type { Wire } from '../harness/transcript.ts';

export interface TestResult {
  name: string;
  points: number;
  passed: boolean;
  /** Why it failed: the transcript, the expectation and the hint. */
  message?: string;
  ms: number;
  /** A failing test's conversation, event by event, for the site to draw. Older grades have none. */
  wire?: Wire;
}

export interface LabResult {
  slug: string;
  title: string;
  target: string;
  tests: TestResult[];
  /** A problem that kept tests from running at all (a broken test file, the grader timing out). */
  error?: string;
  gradedAt: string;
}

export const score = (r: LabResult) => r.tests.reduce((s, t) => s + (t.passed ? t.points : 0), 0);
export const maxScore = (r: LabResult) => r.tests.reduce((s, t) => s + t.points, 0);
export const fullMarks = (r: LabResult) => !r.error && r.tests.length > 0 && score(r) === maxScore(r);

// A student's feedback file: the same report `npm run grade` shows them (tests,
// points, transcripts, hints) for the public tests, and for the hidden tests
// only how many passed and the points: their content stays with the instructor.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatLab } from '../grader/report.ts';
import { maxScore, score, type LabResult } from '../grader/results.ts';
import type { StudentGrade } from './gradebook.ts';
import { isHidden, type ListedTest } from './hidden.ts';

/** Run `fn` with colours off: term.ts colours only for a TTY, and a file is not one. */
export function plain<T>(fn: () => T): T {
  const before = process.env.NO_COLOR;
  process.env.NO_COLOR = '1';
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = before;
  }
}

/** The public part of a lab's result, and the hidden part. */
export function splitHidden(r: LabResult, hidden: ListedTest[]): { shown: LabResult; secret: LabResult } {
  return {
    shown: { ...r, tests: r.tests.filter((t) => !isHidden(hidden, r.slug, t.name)) },
    secret: { ...r, error: undefined, tests: r.tests.filter((t) => isHidden(hidden, r.slug, t.name)) },
  };
}

export function feedbackText(g: StudentGrade, hidden: ListedTest[]): string {
  return plain(() => {
    const out = [`Feedback for ${g.student}`, ''];
    if (g.error) out.push(`Grading stopped: ${g.error}`, '');
    let total = 0;
    let max = 0;
    for (const r of g.results) {
      total += score(r);
      max += maxScore(r);
      const { shown, secret } = splitHidden({ ...r, target: `submissions/${g.student}` }, hidden);
      out.push(formatLab(shown));
      if (secret.tests.length) {
        const passed = secret.tests.filter((t) => t.passed).length;
        out.push(`  Hidden tests: ${passed} of ${secret.tests.length} passed, ${score(secret)}/${maxScore(secret)} pts (their content is not shown).`);
      }
      out.push(`  Lab total with hidden tests: ${score(r)}/${maxScore(r)}`, '');
    }
    out.push(`Total: ${total}/${max}`);
    return out.join('\n') + '\n';
  });
}

export function writeFeedback(outDir: string, g: StudentGrade, hidden: ListedTest[]): string {
  const dir = path.join(outDir, 'feedback');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${g.student}.txt`);
  writeFileSync(file, feedbackText(g, hidden));
  return file;
}

// Prints a grade the way a student reads it: each test with its points, the
// total, then every failure with its transcript and hint, then what was re-run
// and any type errors (warnings, not points).
import { bold, dim, green, red, yellow } from '../term.ts';
import { shownPath } from '../paths.ts';
import { findLab, labFolder } from '../course.ts';
import { hiddenNote } from './hidden-note.ts';
import { maxScore, score, type LabResult, type TestResult } from './results.ts';

/** The folder a result's lab lives in (a lab since removed from course.json: its slug). */
function folderOf(slug: string): string {
  try {
    return labFolder(findLab(slug));
  } catch {
    return slug;
  }
}

const indent = (s: string, pad = '   ') => s.split('\n').map((l) => pad + l).join('\n');

/** Shows the hint of a failure whose TestResult carries a hint id (HintLevels.show), else nothing. */
export type HintShower = (slug: string, id: string) => string | undefined;

/** One test as a line: mark, name, points, and a note when it passed only when re-run alone. */
export function testLine(t: TestResult, width: number, prefix = ''): string {
  const mark = t.passed ? green('✓') : red('✗');
  const pts = `${t.passed ? t.points : 0}/${t.points}`;
  const again = t.retried?.passedAlone ? dim('  (passed when re-run alone)') : '';
  return `  ${mark} ${prefix}${t.name.padEnd(width)}  ${pts.padStart(5)}${again}`;
}

export function formatLab(r: LabResult, showHint?: HintShower): string {
  const out: string[] = [];
  out.push(bold(`Lab ${r.slug} — ${r.title}`) + dim(`   (graded: ${shownPath(r.target)}/${folderOf(r.slug)})`));
  const width = Math.max(20, ...r.tests.map((t) => t.name.length));
  for (const t of r.tests) out.push(testLine(t, width));
  if (r.error) out.push(red(indent(`could not grade: ${r.error}`, '  ')));
  const s = score(r);
  const max = maxScore(r);
  const total = `  Score: ${s}/${max}`;
  out.push(s === max && !r.error && max > 0 ? green(bold(total + '  full marks')) : yellow(bold(total)));
  const hidden = hiddenNote(r.slug);
  if (hidden) out.push(dim(hidden));
  const failed = r.tests.filter((t) => !t.passed);
  failed.forEach((t, i) => {
    out.push('');
    out.push(red(`  ${i + 1}) ${t.name}`) + dim(`  (${t.points} pt${t.points === 1 ? '' : 's'})`));
    out.push(indent(t.message ?? '(no message)', '     '));
    const hint = t.hint ? showHint?.(r.slug, t.hint) : undefined;
    if (hint) out.push('', indent(hint, '     '));
  });
  const rerun = r.tests.filter((t) => t.retried);
  if (rerun.length) {
    out.push('', dim(`  Re-run alone: ${rerun.length} test${rerun.length === 1 ? '' : 's'} ran out of time waiting the first time (a busy machine can do that), so ${rerun.length === 1 ? 'it was' : 'they were'} run again with nothing else running:`));
    for (const t of rerun) out.push(dim(`    ${t.retried!.passedAlone ? 'passed' : 'failed again'}: ${t.name}  (first run: ${t.retried!.firstFailure})`));
  }
  if (r.warnings?.length) out.push('', warningsOf(r));
  return out.join('\n');
}

function warningsOf(r: LabResult): string {
  return [yellow(`  Type errors in lab ${r.slug} (warnings, not points: the code runs, but each is a bug waiting to happen):`), ...r.warnings!.map((w) => yellow(`    ${w}`))].join('\n');
}

/** The type errors of graded labs, for after the grade (they come from tsc, which may finish after the tests). */
export function formatWarnings(results: LabResult[]): string {
  // Labs that grow one folder share its type errors: each list is shown once, under the first of them.
  const shown = new Set<string>();
  return results
    .filter((r) => r.warnings?.length)
    .filter((r) => {
      const key = r.warnings!.join('\n');
      return !shown.has(key) && shown.add(key);
    })
    .map(warningsOf)
    .join('\n\n');
}

export function formatSummary(results: LabResult[]): string {
  if (results.length < 2) return '';
  const s = results.reduce((a, r) => a + score(r), 0);
  const m = results.reduce((a, r) => a + maxScore(r), 0);
  return bold(`\nTotal: ${s}/${m} over ${results.length} labs`);
}

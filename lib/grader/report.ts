// Prints a grade the way a student reads it: each test with its points, the
// total, then every failure with its transcript and hint.
import { bold, dim, green, red, yellow } from '../term.ts';
import { shownPath } from '../paths.ts';
import { findLab, labFolder } from '../course.ts';
import { hiddenNote } from './hidden-note.ts';
import { maxScore, score, type LabResult } from './results.ts';

/** The folder a result's lab lives in (a lab since removed from course.json: its slug). */
function folderOf(slug: string): string {
  try {
    return labFolder(findLab(slug));
  } catch {
    return slug;
  }
}

const indent = (s: string, pad = '   ') => s.split('\n').map((l) => pad + l).join('\n');

export function formatLab(r: LabResult): string {
  const out: string[] = [];
  out.push(bold(`Lab ${r.slug} — ${r.title}`) + dim(`   (graded: ${shownPath(r.target)}/${folderOf(r.slug)})`));
  const width = Math.max(20, ...r.tests.map((t) => t.name.length));
  for (const t of r.tests) {
    const mark = t.passed ? green('✓') : red('✗');
    const pts = `${t.passed ? t.points : 0}/${t.points}`;
    out.push(`  ${mark} ${t.name.padEnd(width)}  ${pts.padStart(5)}`);
  }
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
  });
  return out.join('\n');
}

export function formatSummary(results: LabResult[]): string {
  if (results.length < 2) return '';
  const s = results.reduce((a, r) => a + score(r), 0);
  const m = results.reduce((a, r) => a + maxScore(r), 0);
  return bold(`\nTotal: ${s}/${m} over ${results.length} labs`);
}

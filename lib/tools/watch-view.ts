// What watch mode shows after each grade: one screen with the score, every
// test as a line, and only the FIRST failure in full (its transcript and hint),
// so a student meets one problem at a time.
import type { Lab } from '../course.ts';
import { shownPath } from '../paths.ts';
import { fullMarks, maxScore, score, type LabResult, type TestResult } from '../grader/results.ts';
import { bold, dim, green, red, yellow } from '../term.ts';
import { labNumber } from './state.ts';

/** Clear the screen and the scrollback, cursor home. */
export const CLEAR = '\x1b[2J\x1b[3J\x1b[H';

const indent = (s: string, pad: string) => s.split('\n').map((l) => pad + l).join('\n');
const clock = (d = new Date()) => d.toTimeString().slice(0, 8);

export interface ScreenNote {
  /** A line above the grade: "Lab 01 is at full marks, on to lab 02". */
  banner?: string;
  /** The key help line at the bottom. */
  keys?: string;
}

/** The screen while a grade runs: from the moment a save is seen, then each test as it finishes. */
export function gradingScreen(lab: Lab, dir: string, done: TestResult[], note: ScreenNote = {}): string {
  const out: string[] = [];
  if (note.banner) out.push(green(bold(note.banner)), '');
  out.push(bold(`Watching lab ${labNumber(lab.slug)} — ${lab.title}`) + dim(`   ${shownPath(dir)}   ${clock()}`));
  out.push(yellow(bold(`  grading… `)) + dim(done.length ? `${done.length} test${done.length === 1 ? '' : 's'} done` : 'starting'));
  for (const t of done) out.push(`  ${t.passed ? green('✓') : red('✗')} ${t.name}  ${dim(`${t.passed ? t.points : 0}/${t.points}`)}`);
  out.push('', dim(note.keys ?? 'Save a file in the lab to re-grade. Ctrl-C stops.'));
  return out.join('\n');
}

/** `showHint(id)`: the hint of the failure on screen, at the level the student has reached (HintLevels). */
export function watchScreen(lab: Lab, dir: string, r: LabResult, note: ScreenNote = {}, showHint?: (id: string) => string): string {
  const nn = labNumber(lab.slug);
  const out: string[] = [];
  if (note.banner) out.push(green(bold(note.banner)), '');
  out.push(bold(`Watching lab ${nn} — ${lab.title}`) + dim(`   ${shownPath(dir)}   graded at ${clock()}`));
  const width = Math.max(20, ...r.tests.map((t) => t.name.length));
  for (const t of r.tests) {
    out.push(`  ${t.passed ? green('✓') : red('✗')} ${t.name.padEnd(width)}  ${`${t.passed ? t.points : 0}/${t.points}`.padStart(5)}`);
  }
  const total = `  Score: ${score(r)}/${maxScore(r)}`;
  out.push(fullMarks(r) ? green(bold(`${total}  full marks`)) : yellow(bold(total)));
  if (r.error) out.push('', red(indent(`could not grade: ${r.error}`, '  ')));
  if (r.warnings?.length) out.push('', yellow(`  Type errors (not points): ${r.warnings[0]}${r.warnings.length > 1 ? ` (and ${r.warnings.length - 1} more)` : ''}`));
  const failed = r.tests.filter((t) => !t.passed);
  const first = failed[0];
  if (first) {
    out.push('', red(`First failing test: ${first.name}`) + dim(`  (${first.points} pt${first.points === 1 ? '' : 's'})`));
    out.push(indent(first.message ?? '(no message)', '   '));
    if (first.hint && showHint) out.push('', indent(showHint(first.hint), '   '));
    if (failed.length > 1) out.push('', dim(`(${failed.length - 1} more failing; npm run grade -- ${nn} shows them all)`));
  }
  out.push('', dim(note.keys ?? 'Save a file in the lab to re-grade. Ctrl-C stops.'));
  return out.join('\n');
}

export function waitingScreen(lab: Lab, dir: string, why: string, note: ScreenNote = {}): string {
  const out: string[] = [];
  if (note.banner) out.push(green(bold(note.banner)), '');
  out.push(bold(`Watching lab ${labNumber(lab.slug)} — ${lab.title}`) + dim(`   ${shownPath(dir)}   ${clock()}`));
  out.push('', yellow(why), '', dim(note.keys ?? 'Save a file in the lab to re-grade. Ctrl-C stops.'));
  return out.join('\n');
}

// A student's feedback file. It opens with what a student reads first: the
// score per lab, why grading stopped or found nothing (said once), the limits
// their programs ran into, and the failing tests with one line each. The
// details follow: the same report `npm run grade` shows them (transcripts,
// hints) for the public tests, a failure repeated word for word shown once, and
// for the hidden tests only how many passed and their points.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatLab } from '../grader/report.ts';
import { maxScore, score, type LabResult, type TestResult } from '../grader/results.ts';
import type { StudentGrade } from './gradebook.ts';
import { isHidden, type ListedTest } from './hidden.ts';
import { wasNotGraded } from './not-graded.ts';

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
export function splitHidden(r: LabResult, hidden: Pick<ListedTest, 'slug' | 'name'>[]): { shown: LabResult; secret: LabResult } {
  return {
    shown: { ...r, tests: r.tests.filter((t) => !isHidden(hidden, r.slug, t.name)) },
    secret: { ...r, error: undefined, tests: r.tests.filter((t) => isHidden(hidden, r.slug, t.name)) },
  };
}

/** A failure's text without the hint the harness appends to it. */
const withoutHint = (m: string) => m.split(/\n\s*\n\s*Hint \d+ of \d+:/)[0]!.trimEnd();

/** The first line of a failure that says something (a one-line reason for the summary). */
function firstLine(m: string | undefined): string {
  const line = (m ?? '').split('\n').map((l) => l.trim()).find((l) => l && !/^\|/.test(l)) ?? '';
  return line.length > 160 ? line.slice(0, 157) + '…' : line;
}

/**
 * Limits the grader stopped a program at (memory, processes, output, time), as
 * one phrase each: the sandbox and the harness say so in the failure's text.
 */
export function stopReasons(message: string): string[] {
  const found = new Set<string>();
  for (const raw of message.split('\n')) {
    const line = raw.replace(/^\s*\|?\s*/, '');
    const sandbox = /socket-kit sandbox: (.+)$/.exec(line)?.[1];
    const stoppedBy = /was stopped by the grader's sandbox: it ([^(]+?)[.:]?(\s*\(|$)/.exec(line)?.[1];
    const reached = /\(it (reached the limit of [^)]+)\)/.exec(line)?.[1];
    if (stoppedBy) found.add(`stopped: it ${stoppedBy}`);
    if (reached) found.add(`stopped: it ${reached}`);
    if (stoppedBy || reached) continue;
    if (sandbox) found.add(sandbox.replace(/^the program was stopped because it /, 'stopped: it ').replace(/\.$/, ''));
    else if (/printed more than \d+ MB of output/.test(line)) found.add('stopped: it printed more than the output limit');
    else if (/did not finish within its time limit/.test(line)) found.add('stopped: it did not finish within the time limit');
    else if (/grading run was stopped after \d+ s/.test(line)) found.add(line.replace(/^.*grading run was stopped after (\d+) s.*$/, 'stopped: grading took longer than its limit of $1 s'));
    else if (/\b(memory|process(es)?|output|time) limit\b/i.test(line) && /stop|kill|exceed|reached/i.test(line)) found.add(line.trim());
  }
  return [...found];
}

const HIDDEN_ONE = 'a hidden test';

/** The program a failure ran (`tsx …/client.ts`), by file name. */
const programOf = (m: string) => /`tsx (\S+)/.exec(m)?.[1]?.split('/').pop();

/** Failure messages in the details are capped: the summary and the first lines tell the story. */
const MESSAGE_CAP = 4000;

/** Repeats of an earlier failure, word for word, become a pointer to it. */
function deduplicated(r: LabResult): LabResult {
  const firstSeen = new Map<string, number>();
  let n = 0;
  const tests = r.tests.map((t): TestResult => {
    if (t.passed || !t.message) return t;
    n++;
    const core = withoutHint(t.message);
    const earlier = firstSeen.get(core);
    if (earlier !== undefined) return { ...t, message: `the same failure as ${earlier}) above.` };
    firstSeen.set(core, n);
    const capped = t.message.length > MESSAGE_CAP ? `${t.message.slice(0, MESSAGE_CAP)}\n… (${t.message.length - MESSAGE_CAP} more characters: run \`npm run grade\` to see it all)` : t.message;
    return { ...t, message: capped };
  });
  return { ...r, tests };
}

export function feedbackText(g: StudentGrade, hidden: Pick<ListedTest, 'slug' | 'name'>[]): string {
  return plain(() => {
    const total = g.results.reduce((s, r) => s + score(r), 0);
    const max = g.results.reduce((s, r) => s + maxScore(r), 0);
    const out = [`Feedback for ${g.student}: ${total}/${max}`, ''];
    for (const n of g.notes ?? []) out.push(`Note: ${n}`);
    if (g.error) out.push(`Grading stopped: ${g.error}`);
    if (g.notes?.length || g.error) out.push('');

    const width = Math.max(...g.results.map((r) => r.slug.length), 3);
    const failing: string[] = [];
    const stops = new Map<string, string[]>();
    for (const r of g.results) {
      const { shown, secret } = splitHidden(r, hidden);
      const parts = [`${r.slug.padEnd(width)}  ${String(score(r)).padStart(3)}/${maxScore(r)}`];
      if (secret.tests.length) parts.push(`(hidden tests: ${secret.tests.filter((t) => t.passed).length} of ${secret.tests.length} passed, ${score(secret)}/${maxScore(secret)} pts)`);
      if (wasNotGraded(r)) parts.push('— not graded');
      else if (r.error) parts.push(`— could not grade everything: ${firstLine(r.error)}`);
      out.push(parts.join('  '));
      if (wasNotGraded(r)) {
        failing.push(`  ✗ ${r.slug}: all ${r.tests.length} tests (0/${maxScore(r)}), not graded: ${firstLine(r.error)}`);
        continue; // one line for a lab that could not run at all
      }
      for (const t of shown.tests.filter((x) => !x.passed)) {
        failing.push(`  ✗ ${r.slug}: ${t.name} (0/${t.points}): ${firstLine(t.message)}`);
      }
      const failedSecret = secret.tests.filter((t) => !t.passed);
      if (failedSecret.length) {
        const pts = failedSecret.reduce((s, t) => s + t.points, 0);
        failing.push(`  ✗ ${r.slug}: ${failedSecret.length} hidden test${failedSecret.length === 1 ? '' : 's'} (0/${pts})`);
      }
      for (const t of r.tests.filter((x) => !x.passed && x.message)) {
        const who = programOf(t.message!);
        for (const reason of stopReasons(t.message!)) {
          const key = `${who ? `${r.slug}/${who} ` : ''}${reason}`;
          stops.set(key, [...(stops.get(key) ?? []), isHidden(hidden, r.slug, t.name) ? HIDDEN_ONE : t.name]);
        }
      }
    }
    if (stops.size) {
      out.push('', "Stopped by the grader's limits:");
      for (const [reason, tests] of stops) {
        const named = [...new Set(tests)].sort((a, b) => Number(a === HIDDEN_ONE) - Number(b === HIDDEN_ONE)); // public tests by name first
        out.push(`  ${reason} (in ${named.slice(0, 2).join('; ')}${named.length > 2 ? `; and ${named.length - 2} more` : ''})`);
      }
    }
    if (failing.length) out.push('', 'Failing tests:', ...failing);
    out.push('', '-'.repeat(72), 'Details: each lab, then each failing test with its conversation and a hint.', '');

    for (const r of g.results) {
      if (wasNotGraded(r)) {
        out.push(`Lab ${r.slug} — ${r.title}: not graded: ${r.error}`, '');
        continue;
      }
      const { shown, secret } = splitHidden({ ...r, target: `submissions/${g.student}` }, hidden);
      out.push(formatLab(deduplicated(shown)));
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

export const feedbackFile = (outDir: string, student: string) => path.join(outDir, 'feedback', `${student}.txt`);

export function writeFeedback(outDir: string, g: StudentGrade, hidden: Pick<ListedTest, 'slug' | 'name'>[]): string {
  const file = feedbackFile(outDir, g.student);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, feedbackText(g, hidden));
  renameSync(tmp, file);
  return file;
}

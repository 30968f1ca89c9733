// Gradescope's results.json, as its autograder specification documents it:
// top level score, execution_time, output, output_format, visibility,
// stdout_visibility, extra_data, tests[]; each test score, max_score, status,
// name, number, output, output_format, tags, visibility. The grader builds it
// here and checks it against that shape before writing it.
import { maxScore, score, type LabResult } from '../grader/results.ts';
import { isHidden, type ListedTest } from './hidden.ts';

export type Visibility = 'hidden' | 'after_due_date' | 'after_published' | 'visible';
export type OutputFormat = 'text' | 'html' | 'simple_format' | 'md' | 'ansi';

export interface GradescopeTest {
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  name: string;
  number: string;
  output: string;
  output_format: OutputFormat;
  tags: string[];
  visibility: Visibility;
}

export interface GradescopeResults {
  score: number;
  execution_time: number;
  output: string;
  output_format: OutputFormat;
  visibility: Visibility;
  stdout_visibility: Visibility;
  extra_data?: Record<string, unknown>;
  tests: GradescopeTest[];
}

export function toGradescope(
  results: LabResult[],
  hidden: ListedTest[],
  opts: { seconds: number; hiddenVisibility?: Visibility },
): GradescopeResults {
  const tests: GradescopeTest[] = [];
  const lines: string[] = [];
  results.forEach((r, li) => {
    let n = 0;
    const secret = r.tests.filter((t) => isHidden(hidden, r.slug, t.name));
    const shownScore = score({ ...r, tests: r.tests.filter((t) => !secret.includes(t)) });
    const shownMax = maxScore({ ...r, tests: r.tests.filter((t) => !secret.includes(t)) });
    lines.push(`${r.slug} — ${r.title}: ${shownScore}/${shownMax} on the visible tests.`);
    if (secret.length) {
      const pts = secret.reduce((s, t) => s + t.points, 0);
      lines.push(`  + ${secret.length} hidden test${secret.length === 1 ? '' : 's'} worth ${pts} pt${pts === 1 ? '' : 's'} (not shown).`);
    }
    if (r.error) {
      lines.push(`  could not grade everything: ${r.error.split('\n')[0]}`);
      tests.push({
        score: 0,
        max_score: 0,
        status: 'failed',
        name: `${r.slug}: could not grade`,
        number: `${li + 1}.0`,
        output: r.error,
        output_format: 'text',
        tags: [r.slug],
        visibility: 'visible',
      });
    }
    // The visible tests first, then the hidden ones, numbered in that order.
    for (const t of [...r.tests.filter((x) => !secret.includes(x)), ...secret]) {
      const secretOne = secret.includes(t);
      tests.push({
        score: t.passed ? t.points : 0,
        max_score: t.points,
        status: t.passed ? 'passed' : 'failed',
        name: `${r.slug}: ${t.name}`,
        number: `${li + 1}.${++n}`,
        output: t.passed ? '' : (t.message ?? ''),
        output_format: 'text',
        tags: secretOne ? [r.slug, 'hidden'] : [r.slug],
        visibility: secretOne ? (opts.hiddenVisibility ?? 'hidden') : 'visible',
      });
    }
  });
  return {
    score: results.reduce((s, r) => s + score(r), 0),
    execution_time: Math.round(opts.seconds),
    output: lines.join('\n'),
    output_format: 'text',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests,
  };
}

/** When grading could not even start: a score of 0 and the reason, never a missing file. */
export function failedResults(reason: string, seconds: number): GradescopeResults {
  return {
    score: 0,
    execution_time: Math.round(seconds),
    output: `The autograder could not grade this submission: ${reason}`,
    output_format: 'text',
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: [],
  };
}

const VISIBILITY = ['hidden', 'after_due_date', 'after_published', 'visible'];
const FORMATS = ['text', 'html', 'simple_format', 'md', 'ansi'];

/** Problems with a results.json against Gradescope's documented fields ([] when none). */
export function validateResults(x: unknown): string[] {
  const problems: string[] = [];
  const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (typeof x !== 'object' || x === null) return ['not an object'];
  const o = x as Record<string, unknown>;
  const known = ['score', 'execution_time', 'output', 'output_format', 'visibility', 'stdout_visibility', 'extra_data', 'tests', 'leaderboard'];
  for (const k of Object.keys(o)) if (!known.includes(k)) problems.push(`unknown top-level field '${k}'`);
  if (!isNum(o.score) && !Array.isArray(o.tests)) problems.push('needs a score or tests');
  if ('score' in o && !isNum(o.score)) problems.push('score is not a number');
  if ('execution_time' in o && !isNum(o.execution_time)) problems.push('execution_time is not a number');
  if ('output' in o && typeof o.output !== 'string') problems.push('output is not a string');
  if ('output_format' in o && !FORMATS.includes(o.output_format as string)) problems.push(`output_format '${o.output_format}'`);
  for (const k of ['visibility', 'stdout_visibility']) if (k in o && !VISIBILITY.includes(o[k] as string)) problems.push(`${k} '${o[k]}'`);
  if ('tests' in o) {
    if (!Array.isArray(o.tests)) problems.push('tests is not an array');
    else
      o.tests.forEach((t: Record<string, unknown>, i: number) => {
        const at = `tests[${i}]`;
        const knownT = ['score', 'max_score', 'status', 'name', 'name_format', 'number', 'output', 'output_format', 'tags', 'visibility', 'extra_data'];
        for (const k of Object.keys(t)) if (!knownT.includes(k)) problems.push(`${at}: unknown field '${k}'`);
        if ('score' in t && !isNum(t.score)) problems.push(`${at}.score is not a number`);
        if ('max_score' in t && !isNum(t.max_score)) problems.push(`${at}.max_score is not a number`);
        if (!('score' in t) && !('status' in t)) problems.push(`${at}: needs score or status`);
        if ('status' in t && !['passed', 'failed'].includes(t.status as string)) problems.push(`${at}.status '${t.status}'`);
        if ('name' in t && typeof t.name !== 'string') problems.push(`${at}.name is not a string`);
        if ('number' in t && typeof t.number !== 'string') problems.push(`${at}.number is not a string`);
        if ('output' in t && typeof t.output !== 'string') problems.push(`${at}.output is not a string`);
        if ('output_format' in t && !FORMATS.includes(t.output_format as string)) problems.push(`${at}.output_format '${t.output_format}'`);
        if ('tags' in t && !(Array.isArray(t.tags) && t.tags.every((g) => typeof g === 'string'))) problems.push(`${at}.tags is not a list of strings`);
        if ('visibility' in t && !VISIBILITY.includes(t.visibility as string)) problems.push(`${at}.visibility '${t.visibility}'`);
        if (isNum(t.score) && isNum(t.max_score) && (t.score as number) > (t.max_score as number)) problems.push(`${at}: score above max_score`);
      });
  }
  return problems;
}

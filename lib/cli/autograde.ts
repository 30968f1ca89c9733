// npm run autograde -- --submissions DIR [--lab 07 ...] [--jobs N] [--out DIR] [--no-hidden]
// Grades a whole class (one folder per student, each laid out like labs/),
// in parallel, sandboxed, writing gradebook.csv and feedback/<student>.txt.
import path from 'node:path';
import { resolveLabs } from '../course.ts';
import { sandboxReport } from '../harness/sandbox.ts';
import { defaultJobs, gradeClass, summarize } from '../instructor/grade-class.ts';
import { Progress } from '../instructor/progress.ts';
import { formatDuration } from '../instructor/time.ts';
import { findSubmissions } from '../instructor/submissions.ts';
import { parse, usageError } from './args.ts';

const USAGE =
  'npm run autograde -- --submissions DIR [--lab LAB]... [--jobs N] [--out DIR] [--no-hidden]\n' +
  '  DIR holds one folder per student, each laid out like labs/ (or a clone of the handout).\n' +
  '  Writes OUT/gradebook.csv and OUT/feedback/<student>.txt (OUT defaults to ./grades).';
const { values } = parse(
  process.argv.slice(2),
  {
    submissions: { type: 'string' },
    lab: { type: 'string', multiple: true },
    jobs: { type: 'string' },
    out: { type: 'string' },
    'no-hidden': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const,
  USAGE,
);
if (!values.submissions) usageError(USAGE, '--submissions DIR is required: a folder with one folder per student.');

let labs;
try {
  labs = resolveLabs((values.lab as string[] | undefined) ?? []);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const jobs = values.jobs ? Number(values.jobs) : defaultJobs();
if (!Number.isInteger(jobs) || jobs < 1) {
  console.error(`--jobs ${values.jobs}: a whole number ≥ 1, please`);
  process.exit(2);
}
const submissions = path.resolve(values.submissions);
const outDir = path.resolve(values.out ?? 'grades');
let count: number;
try {
  count = findSubmissions(submissions).length;
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}

console.error(`Grading ${count} students on ${labs.map((l) => l.slug).join(', ')} with ${jobs} at a time.`);
const sandbox = sandboxReport();
console.error(`Sandbox:\n${sandbox.map((l) => `  ${l}`).join('\n')}`);
if (sandbox.some((l) => l.startsWith('NO'))) {
  console.error('WARNING: the lines marked NO above are NOT enforced on this machine: a hostile submission can do what they say it cannot.\n         Grade only submissions you trust, or run as root with bubblewrap installed (see README, "The grading sandbox").');
}
const progress = new Progress(count);
const run = await gradeClass({
  submissions,
  labs,
  outDir,
  jobs,
  hidden: !values['no-hidden'],
  onBegin: (s) => progress.begin(s),
  onGraded: (g) => progress.end(g.student, `${g.error ? `could not grade: ${g.error}` : summarize(g.results)} in ${formatDuration(g.ms ?? 0)}`),
});
progress.finish();
const hiddenPts = run.hidden.reduce((s, t) => s + t.points, 0);
console.error(
  `Done in ${formatDuration(run.ms)}: ${run.grades.length} students.` +
    (run.hidden.length ? ` Hidden tests graded: ${run.hidden.length} (${hiddenPts} pts).` : ''),
);
console.log(`Gradebook: ${path.relative(process.cwd(), run.gradebook) || run.gradebook}`);
console.log(`Feedback:  ${path.relative(process.cwd(), path.join(outDir, 'feedback')) || outDir}/<student>.txt`);

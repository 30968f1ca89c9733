// npm run autograde -- --submissions DIR [--lab LAB]... [--jobs N] [--out DIR] [--shard K/N] [--resume|--force] [--no-hidden] [--no-bom]
// npm run autograde -- merge DIR... --out DIR [--force]
// Grades a whole class (one folder per student), in parallel, sandboxed,
// writing OUT/gradebook.csv and OUT/feedback/<student>.txt; or merges the
// outputs of shards graded on several machines into one.
import path from 'node:path';
import { resolveLabs, type Lab } from '../course.ts';
import { sandboxReport } from '../harness/sandbox.ts';
import { defaultJobs, gradeClass, summarize } from '../instructor/grade-class.ts';
import { mergeRuns } from '../instructor/merge.ts';
import { Progress } from '../instructor/progress.ts';
import { Refusal, parseShard, type Shard } from '../instructor/run-store.ts';
import { formatDuration } from '../instructor/time.ts';
import { parse, usageError } from './args.ts';

const USAGE =
  'npm run autograde -- --submissions DIR [--lab LAB]... [--jobs N] [--out DIR] [--shard K/N] [--resume | --force] [--no-hidden] [--no-bom]\n' +
  '       npm run autograde -- merge DIR... --out DIR [--force]\n' +
  '  DIR holds one folder per student, each laid out like labs/ (or a clone of the handout).\n' +
  '  Writes OUT/gradebook.csv, OUT/feedback/<student>.txt and OUT/records/ (OUT defaults to ./grades).\n' +
  '  --shard K/N   grade the K-th of N slices of the class (one per machine); then merge the N outputs.\n' +
  '  --resume      keep the grades already in OUT whose submission and kit are unchanged; grade the rest.\n' +
  '  --force       start over: remove the gradebook, feedback and records already in OUT.\n' +
  '  --no-bom      no UTF-8 byte order mark in the gradebook (it helps Excel read names like Zoë).';
const { values, positionals } = parse(
  process.argv.slice(2),
  {
    submissions: { type: 'string' },
    lab: { type: 'string', multiple: true },
    jobs: { type: 'string' },
    out: { type: 'string' },
    shard: { type: 'string' },
    resume: { type: 'boolean' },
    force: { type: 'boolean' },
    'no-hidden': { type: 'boolean' },
    'no-bom': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const,
  USAGE,
);

/** Say what is wrong with how the command was used, and stop (exit 2). */
function refuse(message: string): never {
  console.error(message);
  process.exit(2);
}

const outDir = path.resolve(values.out ?? 'grades');
const shown = (p: string) => path.relative(process.cwd(), p) || p;
if (values.resume && values.force) usageError(USAGE, '--resume and --force pull opposite ways: choose one.');

if (positionals[0] === 'merge') {
  if (values.resume) usageError(USAGE, 'merge takes --force (replace OUT), not --resume.');
  if (!values.out) usageError(USAGE, 'merge needs --out DIR: where to write the merged gradebook.');
  try {
    const m = mergeRuns(positionals.slice(1), outDir, values.force ? 'force' : 'refuse');
    console.log(`Merged ${m.shards} shard${m.shards === 1 ? '' : 's'}: ${m.students} students.`);
    console.log(`Gradebook: ${shown(m.gradebook)}`);
    console.log(`Feedback:  ${shown(path.join(outDir, 'feedback'))}/<student>.txt`);
  } catch (e) {
    refuse((e as Error).message);
  }
  process.exit(0);
}
if (positionals.length) usageError(USAGE, `'${positionals[0]}' is not an autograde command (the one command is merge).`);
if (!values.submissions) usageError(USAGE, '--submissions DIR is required: a folder with one folder per student.');

let labs: Lab[] = [];
let shard: Shard | undefined;
try {
  labs = resolveLabs((values.lab as string[] | undefined) ?? []);
  if (values.shard) shard = parseShard(values.shard);
} catch (e) {
  refuse((e as Error).message);
}
const jobs = values.jobs ? Number(values.jobs) : defaultJobs();
if (!Number.isInteger(jobs) || jobs < 1) refuse(`--jobs ${values.jobs}: a whole number ≥ 1, please`);

// Ctrl-C or a SIGTERM (a CI job cancelled, `docker stop`): stop cleanly, keep the grades so far.
// A second signal stops at once.
const stop = new AbortController();
let stopSignal: NodeJS.Signals | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopSignal) process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    stopSignal = sig;
    console.error(`\n${sig}: stopping — the programs being graded are killed and temporary folders removed; grades so far are kept.`);
    stop.abort();
  });
}

let progress: Progress | undefined;
try {
  const run = await gradeClass({
    submissions: path.resolve(values.submissions),
    labs,
    outDir,
    jobs,
    shard,
    hidden: !values['no-hidden'],
    bom: !values['no-bom'],
    existing: values.resume ? 'resume' : values.force ? 'force' : 'refuse',
    signal: stop.signal,
    onStart: ({ roster, toGrade, kept, dropped, ignored }) => {
      const slice = shard ? ` (shard ${shard.index}/${shard.count} of the class)` : '';
      const on = labs.map((l) => l.slug).join(', ');
      if (toGrade) console.error(`Grading ${toGrade} of ${roster} students${slice} on ${on}, ${Math.min(jobs, toGrade)} at a time.`);
      else console.error(`Nothing to grade: all ${roster} students${slice} on ${on} are graded already.`);
      if (kept) console.error(`Kept ${kept} grades from the run already in ${shown(outDir)} (same submission, same kit).`);
      if (dropped.length) console.error(`Removed the grades of ${dropped.length} students no longer in this run: ${dropped.join(', ')}.`);
      if (ignored.length) console.error(`Not graded (not folders): ${ignored.join(', ')}.`);
      if (toGrade) {
        const sandbox = sandboxReport();
        console.error(`Sandbox:\n${sandbox.map((l) => `  ${l}`).join('\n')}`);
        if (sandbox.some((l) => l.startsWith('NO'))) {
          console.error('WARNING: the lines marked NO above are NOT enforced on this machine: a hostile submission can do what they say it cannot.\n         Grade only submissions you trust, or run as root with bubblewrap installed (see README, "The grading sandbox").');
        }
      }
      progress = new Progress(toGrade);
    },
    onBegin: (s) => progress?.begin(s),
    onNote: (s, note) => progress?.note(s, note),
    onGraded: (g) => progress?.end(g.student, `${g.error ? `could not grade: ${g.error}` : summarize(g.results)} in ${formatDuration(g.ms ?? 0)}`),
  });
  progress?.finish();
  const hiddenPts = run.hidden.reduce((s, t) => s + t.points, 0);
  const unrecognised = run.grades.filter((g) => g.notes?.some((n) => /no lab folder|is empty|symbolic link/.test(n))).map((g) => g.student);
  if (run.interrupted) {
    console.error(`Stopped after ${formatDuration(run.ms)}: ${run.grades.length} of the students graded. Finish with the same command and --resume.`);
  } else {
    console.error(
      `Done in ${formatDuration(run.ms)}: ${run.graded} students graded${run.kept ? `, ${run.kept} kept` : ''}.` +
        (run.hidden.length ? ` Hidden tests graded: ${run.hidden.length} (${hiddenPts} pts).` : ''),
    );
  }
  if (unrecognised.length) console.error(`No lab folder found for ${unrecognised.length}: ${unrecognised.join(', ')} (their feedback says what was expected).`);
  console.log(`Gradebook: ${shown(run.gradebook)}`);
  console.log(`Feedback:  ${shown(path.join(outDir, 'feedback'))}/<student>.txt`);
  if (shard) console.log(`Shard ${shard.index}/${shard.count} done: merge the ${shard.count} outputs with \`npm run autograde -- merge DIR... --out DIR\`.`);
  if (stopSignal) process.exit(128 + (stopSignal === 'SIGINT' ? 2 : 15));
} catch (e) {
  progress?.finish();
  if (e instanceof Refusal) refuse(e.message);
  throw e;
}

// Grading a class: 30 copies of the full reference solutions, every lab, hidden
// tests included, sandbox on — with `autograde`'s default parallelism (one
// student per core), against `--jobs 1` on a smaller class of the same copies,
// measured in the same run. The ratio compares time per student. Then the
// finished class again with --resume (nothing changed): its time against grading it.
//   SOCKET_KIT_BENCH_CLASS=30  SOCKET_KIT_BENCH_BASELINE=6  npm run bench -- autograde
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labs } from '../lib/course.ts';
import { kitPath } from '../lib/paths.ts';
import { defaultJobs, gradeClass } from '../lib/instructor/grade-class.ts';
import { readGradebook } from '../lib/instructor/gradebook.ts';
import { formatDuration } from '../lib/instructor/time.ts';
import { sandboxReport } from '../lib/harness/sandbox.ts';

function makeClass(root: string, n: number): string {
  const dir = path.join(root, `class-${n}`);
  mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= n; i++) cpSync(kitPath('solutions'), path.join(dir, `student-${String(i).padStart(2, '0')}`), { recursive: true });
  return dir;
}

async function grade(root: string, n: number, jobs: number) {
  const submissions = makeClass(root, n);
  const outDir = path.join(root, `out-${n}-${jobs}`);
  const result = await gradeInto(submissions, outDir, n, jobs);
  // The same class again with --resume: nothing changed, so nothing is graded.
  const again = await gradeClass({ submissions, labs: labs(), outDir, jobs, existing: 'resume' });
  return { ...result, resumeMs: again.ms, resumeGraded: again.graded };
}

async function gradeInto(submissions: string, outDir: string, n: number, jobs: number) {
  let done = 0;
  const run = await gradeClass({
    submissions,
    labs: labs(),
    outDir,
    jobs,
    onGraded: () => process.stderr.write(`\r  ${n} students, --jobs ${jobs}: ${++done}/${n}`),
  });
  process.stderr.write('\n');
  const { rows, max } = readGradebook(run.gradebook);
  const full = rows.filter((r) => r.total === max.total).length;
  const short = rows.filter((r) => r.total !== max.total).map((r) => `${r.student} ${r.total}/${max.total}`);
  return { ms: run.ms, full, short, max: max.total };
}

export async function run(): Promise<void> {
  const size = Number(process.env.SOCKET_KIT_BENCH_CLASS ?? 30);
  const base = Number(process.env.SOCKET_KIT_BENCH_BASELINE ?? 6);
  const jobs = defaultJobs();
  const root = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-bench-autograde-'));
  console.log(`Sandbox:\n${sandboxReport().map((l) => `  ${l}`).join('\n')}`);
  try {
    const par = await grade(root, size, jobs);
    const seq = await grade(root, base, 1);
    const perPar = par.ms / size;
    const perSeq = seq.ms / base;
    console.log(`${labs().length} labs, ${par.max} points per student, hidden tests included.`);
    console.log(`  ${size} students, --jobs ${jobs}: ${formatDuration(par.ms)}  (${(perPar / 1000).toFixed(1)} s per student; full marks ${par.full}/${size})`);
    console.log(`  ${base} students, --jobs 1: ${formatDuration(seq.ms)}  (${(perSeq / 1000).toFixed(1)} s per student; full marks ${seq.full}/${base})`);
    console.log(`  parallel speed-up: ${(perSeq / perPar).toFixed(2)}x   (goal ≥ 1.6x; ${size} students within 5 min: ${par.ms <= 300_000 ? 'yes' : 'NO'})`);
    console.log(
      `  --resume on the finished run of ${size}: ${formatDuration(par.resumeMs)} (${((par.resumeMs / par.ms) * 100).toFixed(1)}% of grading it; ` +
        `${par.resumeGraded} graded again; goal: seconds, under 5%)`,
    );
    for (const s of [...par.short, ...seq.short]) console.log(`  below full marks: ${s}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

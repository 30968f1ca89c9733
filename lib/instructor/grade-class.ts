// Grades a whole class: every student on every chosen lab, `jobs` students at a
// time, each in a sandboxed child grader (lib/harness/sandbox.ts) on a private
// copy of their work. Each grade reaches the gradebook and its feedback file
// the moment it is known; a student whose run breaks gets zeros and a reason,
// and the run goes on.
import os from 'node:os';
import path from 'node:path';
import { labTestPaths, type Lab } from '../course.ts';
import { runLabTests } from '../grader/run-tests.ts';
import { openStudentSandbox, sandboxAbilities, sweepCgroups, UID_BASE, UID_COUNT } from '../harness/sandbox.ts';
import { maxScore, score, type LabResult } from '../grader/results.ts';
import { Gradebook, type StudentGrade } from './gradebook.ts';
import { writeFeedback } from './feedback.ts';
import { HIDDEN_DIR, hiddenTestPaths, type ListedTest } from './hidden.ts';
import { listTests } from './list-tests.ts';
import { findSubmissions, Staging, type Submission } from './submissions.ts';

export interface ClassOptions {
  submissions: string;
  labs: Lab[];
  outDir: string;
  /** Students graded at once; default: the number of cores. */
  jobs?: number;
  /** Grade the hidden tests too (default true). */
  hidden?: boolean;
  /** Limit for one student's whole run; default 2 min + 2 min per lab. */
  studentTimeoutMs?: number;
  onBegin?: (student: string) => void;
  onGraded?: (g: StudentGrade) => void;
}

export interface ClassRun {
  grades: StudentGrade[];
  gradebook: string;
  hidden: ListedTest[];
  ms: number;
}

/** One uid per student of this run: no two students graded at once share one. */
export const studentUid = (index: number) => UID_BASE + ((process.pid * 64 + index) % UID_COUNT);

export const defaultJobs = () => Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

export async function gradeClass(opts: ClassOptions): Promise<ClassRun> {
  const started = Date.now();
  const subs = findSubmissions(opts.submissions);
  // Listed once, before grading: the hidden tests' names (to keep them out of
  // feedback) and every lab's maximum (the same for every student, even one
  // whose run broke before a test could report).
  const withHidden = opts.hidden !== false;
  const listed = await listTests(opts.labs, (l) => [...labTestPaths(l), ...(withHidden ? hiddenTestPaths(l) : [])]);
  const hidden = listed.filter((t) => t.file.startsWith(HIDDEN_DIR() + path.sep));
  const maxByLab = new Map(opts.labs.map((l) => [l.slug, listed.filter((t) => t.slug === l.slug).reduce((s, t) => s + t.points, 0)]));
  const book = new Gradebook(opts.outDir, opts.labs, maxByLab);
  const staging = new Staging();
  // Student programs see none of the kit, the class or the output: the sandbox's view holds only their own copy.
  const env = { SOCKET_KIT_SANDBOX: '1' };
  // Parallelism comes from grading several students at once: each student's labs
  // run in one vitest worker, one file at a time (so `--jobs 1` really is one at a
  // time), and that worker is reused for all their files (--no-isolate): the
  // harness loads once, not once per lab, a quarter of a class run's CPU.
  const vitestArgs = ['--no-isolate', '--maxWorkers=1'];
  const timeoutMs = opts.studentTimeoutMs ?? 120_000 + 120_000 * opts.labs.length;
  const grades: StudentGrade[] = [];
  const queue = subs.map((sub, index) => ({ sub, index }));

  async function gradeOne(sub: Submission, index: number): Promise<StudentGrade> {
    const started = Date.now();
    const dir = staging.stage(sub, opts.labs);
    const uid = studentUid(index);
    // The student's namespaces and data folder (lib/harness/sandbox-student.ts), closed after their run.
    const box = sandboxAbilities().bwrap ? openStudentSandbox({ uid }) : undefined;
    try {
      const run = (labs: Lab[]) =>
        runLabTests(labs, {
          target: dir,
          timeoutMs,
          env: { ...env, SOCKET_KIT_SANDBOX_UID: String(uid), ...box?.env },
          prefix: box?.vitestPrefix,
          extraTests: withHidden ? hiddenTestPaths : undefined,
          vitestArgs,
        });
      let results = await run(opts.labs);
      // A run stopped as a whole (a hang past every per-test limit) would zero every lab:
      // grade lab by lab instead, so only the lab that hangs costs points.
      if (opts.labs.length > 1 && results.every((r) => r.tests.length === 0 && r.error)) {
        results = [];
        for (const lab of opts.labs) results.push(...(await run([lab])));
      }
      // Messages name the private copy; show the student's folder instead.
      const shown = `submissions/${sub.student}`;
      const rename = (m?: string) => m?.split(dir).join(shown);
      return {
        student: sub.student,
        ms: Date.now() - started,
        results: results.map((r) => ({ ...r, target: sub.dir, error: rename(r.error), tests: r.tests.map((t) => ({ ...t, message: rename(t.message) })) })),
      };
    } catch (e) {
      return { student: sub.student, results: [], error: (e as Error).message, ms: Date.now() - started };
    } finally {
      await box?.close();
      staging.remove(dir);
    }
  }

  async function worker(): Promise<void> {
    for (let next = queue.shift(); next; next = queue.shift()) {
      opts.onBegin?.(next.sub.student);
      const g = await gradeOne(next.sub, next.index);
      book.add(g);
      writeFeedback(opts.outDir, g, hidden);
      grades.push(g);
      opts.onGraded?.(g);
    }
  }

  try {
    const jobs = Math.max(1, Math.min(opts.jobs ?? defaultJobs(), subs.length));
    await Promise.all(Array.from({ length: jobs }, worker));
  } finally {
    book.finish();
    staging.close();
    sweepCgroups(); // those of supervisors the harness had to SIGKILL
  }
  grades.sort((a, b) => a.student.localeCompare(b.student));
  return { grades, gradebook: book.file, hidden, ms: Date.now() - started };
}

/** "24/26 (01 13/13, 02 11/13)" for the progress log. */
export function summarize(results: LabResult[]): string {
  const s = results.reduce((a, r) => a + score(r), 0);
  const m = results.reduce((a, r) => a + maxScore(r), 0);
  const labs = results.map((r) => `${r.slug.slice(0, 2)} ${score(r)}/${maxScore(r)}`).join(', ');
  return `${s}/${m}${results.length > 1 ? ` (${labs})` : ''}`;
}

// Grades a whole class (or one shard of it): every student on every chosen lab,
// `jobs` students at a time, each in a sandboxed child grader
// (lib/harness/sandbox.ts) on a private copy of their work. Each grade reaches
// its record, the gradebook and the feedback the moment it is known. Whatever
// goes wrong with one student (a folder that cannot be copied, a run that
// hangs) is that student's zero with the reason, and the run goes on. Stopped
// (an AbortSignal: the CLI's Ctrl-C), it kills what it started, removes its
// temporary folders, and keeps every grade already given for --resume.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labTestPaths, type Lab } from '../course.ts';
import { runLabTests } from '../grader/run-tests.ts';
import { processesMarked, RUN_MARK } from '../harness/program.ts';
import { openStudentSandbox, sandboxAbilities, sweepCgroups, UID_BASE, UID_COUNT, type StudentSandbox } from '../harness/sandbox.ts';
import { maxScore, score, type LabResult } from '../grader/results.ts';
import type { StudentGrade } from './gradebook.ts';
import { HIDDEN_DIR, hiddenTestPaths, type ListedTest } from './hidden.ts';
import { listTests } from './list-tests.ts';
import { notGraded } from './not-graded.ts';
import {
  classDigest,
  dropStale,
  forget,
  GRADEBOOK,
  kitVersion,
  openOutput,
  refreshFeedback,
  Refusal,
  saveRecord,
  shardOf,
  writeViews,
  type Existing,
  type RunMeta,
  type Shard,
  type StudentRecord,
} from './run-store.ts';
import { findSubmissions, Staging, submissionHash, type Submission } from './submissions.ts';

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
  /** Grade only this slice of the class (merge the slices with mergeRuns). */
  shard?: Shard;
  /** What to do with a run already in outDir (default: refuse). */
  existing?: Existing;
  /** A byte order mark in the gradebook (default true). */
  bom?: boolean;
  /** Abort to stop the run: programs killed, temporary folders removed, grades so far kept. */
  signal?: AbortSignal;
  /** Once the roster is known: how many students there are, and how many a resume keeps. */
  onStart?: (info: { roster: number; toGrade: number; kept: number; dropped: string[]; ignored: string[] }) => void;
  onBegin?: (student: string) => void;
  /** A note about a student's folder (a layout the grader did not recognise): once per student. */
  onNote?: (student: string, note: string) => void;
  onGraded?: (g: StudentGrade) => void;
}

export interface ClassRun {
  /** The roster's grades (kept and new), sorted by student. */
  grades: StudentGrade[];
  gradebook: string;
  hidden: ListedTest[];
  ms: number;
  /** Graded in this run / kept from an earlier one (--resume). */
  graded: number;
  kept: number;
  /** Stopped before every student was graded. */
  interrupted: boolean;
}

/** One uid per student of this run: no two students graded at once share one. */
export const studentUid = (index: number) => UID_BASE + ((process.pid * 64 + index) % UID_COUNT);

export const defaultJobs = () => Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

/** Is `a` the same as, or an ancestor of, `b`? */
const contains = (a: string, b: string) => {
  const rel = path.relative(a, b);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

export async function gradeClass(opts: ClassOptions): Promise<ClassRun> {
  const started = Date.now();
  if (contains(path.resolve(opts.submissions), path.resolve(opts.outDir))) {
    throw new Refusal(`--out ${opts.outDir} is inside --submissions ${opts.submissions}: it would be graded as a student. Choose an --out folder outside it.`);
  }
  const { students: everyone, ignored } = findSubmissions(opts.submissions, opts.labs);
  const roster = shardOf(everyone, opts.shard);
  // Listed once, before grading: the hidden tests' names (to keep them out of
  // feedback) and every lab's maximum (the same for every student, even one
  // whose run broke before a test could report).
  const withHidden = opts.hidden !== false;
  const listed = await listTests(opts.labs, (l) => [...labTestPaths(l), ...(withHidden ? hiddenTestPaths(l) : [])]);
  const hidden = listed.filter((t) => t.file.startsWith(HIDDEN_DIR() + path.sep));
  const kit = kitVersion();
  const meta: RunMeta = {
    format: 1,
    kit,
    labs: opts.labs.map((l) => l.slug),
    hidden: withHidden,
    maxByLab: Object.fromEntries(opts.labs.map((l) => [l.slug, listed.filter((t) => t.slug === l.slug).reduce((s, t) => s + t.points, 0)])),
    hiddenTests: hidden.map(({ slug, name, points }) => ({ slug, name, points })),
    ...(opts.shard ? { shard: opts.shard } : {}),
    classDigest: classDigest(everyone.map((s) => s.student)),
    classSize: everyone.length,
    roster: roster.map((s) => s.student),
    bom: opts.bom !== false,
    complete: false,
  };
  const records = openOutput(opts.outDir, opts.existing ?? 'refuse', meta);
  const dropped = dropStale(opts.outDir, meta.roster);
  for (const s of dropped) records.delete(s);
  // A record holds while the kit and the student's work are what it graded;
  // a student whose grading broke as a whole is graded again.
  const hashes = new Map(roster.map((s) => [s.student, submissionHash(s, opts.labs)]));
  for (const [s, r] of records) {
    if (r.kit === kit && r.submission === hashes.get(s) && !r.grade.error) continue;
    records.delete(s);
    forget(opts.outDir, s);
  }
  const kept = records.size;
  for (const r of records.values()) refreshFeedback(opts.outDir, r, meta);
  writeViews(opts.outDir, meta, records, opts.labs);
  const queue = roster.map((sub, index) => ({ sub, index })).filter(({ sub }) => !records.has(sub.student));
  opts.onStart?.({ roster: roster.length, toGrade: queue.length, kept, dropped, ignored });

  // Every process of this run (child graders, student programs) carries this mark, so a stop can find them all.
  const mark = `autograde-${process.pid}-${randomBytes(4).toString('hex')}`;
  // Everything this run writes to a temporary folder, its child graders' and their
  // programs' included (each student's grading gets its own TMPDIR), lives in one
  // folder that others may pass through but not list: removed at the end, however it ends.
  const runTmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-run-'));
  chmodSync(runTmp, 0o711);
  const staging = new Staging(runTmp);
  // Student programs see none of the kit, the class or the output: the sandbox's view holds only their own copy.
  const env = { [RUN_MARK]: mark, SOCKET_KIT_SANDBOX: '1' };
  // Parallelism comes from grading several students at once: each student's labs
  // run in one vitest worker, one file at a time (so `--jobs 1` really is one at a
  // time), and that worker is reused for all their files (--no-isolate): the
  // harness loads once, not once per lab, a quarter of a class run's CPU.
  const vitestArgs = ['--no-isolate', '--maxWorkers=1'];
  const timeoutMs = opts.studentTimeoutMs ?? 120_000 + 120_000 * opts.labs.length;
  /** Set when the run itself breaks (a gradebook that cannot be written): the other workers stop too. */
  let broken = false;
  const stopped = () => broken || opts.signal?.aborted === true;

  async function gradeOne(sub: Submission, index: number): Promise<StudentGrade> {
    const started = Date.now();
    const notes = [sub.layout.warning, sub.layout.note].filter((n): n is string => !!n);
    const shown = `submissions/${sub.student}`;
    const uid = studentUid(index);
    let dir: string | undefined;
    const tmp = mkdtempSync(path.join(runTmp, 'student-'));
    chmodSync(tmp, 0o711);
    // The student's namespaces and data folder (lib/harness/sandbox-student.ts), closed after their run.
    let box: StudentSandbox | undefined;
    try {
      if (sandboxAbilities().bwrap) box = openStudentSandbox({ uid, tmp });
      const staged = staging.stage(sub, opts.labs);
      dir = staged.dir;
      const target = dir;
      const run = (labs: Lab[]) =>
        runLabTests(labs, {
          target,
          timeoutMs,
          env: { ...env, SOCKET_KIT_SANDBOX_UID: String(uid), TMPDIR: tmp, ...box?.env },
          prefix: box?.vitestPrefix,
          extraTests: withHidden ? hiddenTestPaths : undefined,
          vitestArgs,
          gateDir: path.join(runTmp, 'gate'), // one for the class: a test re-run alone is alone on the machine
        });
      const runnable = opts.labs.filter((l) => !staged.problems.has(l.slug));
      let results = runnable.length ? await run(runnable) : [];
      // A run stopped as a whole (a hang past every per-test limit) would zero every lab:
      // grade lab by lab instead, so only the lab that hangs costs points.
      if (runnable.length > 1 && results.every((r) => r.tests.length === 0 && r.error) && !stopped()) {
        results = [];
        for (const lab of runnable) results.push(...(await run([lab])));
      }
      // Messages name the private copy; show the student's folder instead.
      const rename = (m?: string) => m?.split(target).join(shown);
      return {
        student: sub.student,
        ms: Date.now() - started,
        notes,
        results: opts.labs.map((lab) => {
          const problem = staged.problems.get(lab.slug);
          const r = results.find((x) => x.slug === lab.slug);
          if (problem || !r) return notGraded(lab, listed, problem ?? 'the grader returned no result for this lab', shown);
          // A run that broke before any test reported: every listed test counts, as failed.
          if (r.tests.length === 0 && r.error) return notGraded(lab, listed, rename(r.error)!, shown);
          return { ...r, target: shown, error: rename(r.error), tests: r.tests.map((t) => ({ ...t, message: rename(t.message) })) };
        }),
      };
    } catch (e) {
      const why = `could not grade ${sub.student}: ${(e as Error).message}`;
      return { student: sub.student, results: opts.labs.map((l) => notGraded(l, listed, why, shown)), error: why, notes, ms: Date.now() - started };
    } finally {
      await box?.close(); // every process of the student gone before their folders go
      if (dir) staging.remove(dir);
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  let graded = 0;
  async function worker(): Promise<void> {
    for (let next = queue.shift(); next && !stopped(); next = queue.shift()) {
      const { sub, index } = next;
      opts.onBegin?.(sub.student);
      for (const n of [sub.layout.warning, sub.layout.note]) if (n) opts.onNote?.(sub.student, n);
      const g = await gradeOne(sub, index);
      if (stopped()) return; // cut short: not a grade
      const record: StudentRecord = { student: sub.student, kit, submission: hashes.get(sub.student)!, grade: g };
      records.set(sub.student, record);
      saveRecord(opts.outDir, record, meta);
      writeViews(opts.outDir, meta, records, opts.labs);
      graded++;
      opts.onGraded?.(g);
    }
  }

  // On abort: kill every process of this run (child graders run in process groups of
  // their own, out of reach of the terminal's Ctrl-C), so the workers return at once.
  const killAll = async () => {
    for (let i = 0; i < 20; i++) {
      const pids = processesMarked(mark);
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const onAbort = () => void killAll();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const jobs = Math.max(1, Math.min(opts.jobs ?? defaultJobs(), queue.length));
  const workers = queue.length ? Array.from({ length: jobs }, worker) : [];
  try {
    await Promise.all(workers);
  } catch (e) {
    broken = true; // the others stop taking students; what they are grading is killed below
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (stopped()) {
      await killAll();
      await Promise.allSettled(workers);
    }
    rmSync(runTmp, { recursive: true, force: true });
    sweepCgroups(); // those of supervisors the harness (or a stop) had to SIGKILL
  }
  writeViews(opts.outDir, meta, records, opts.labs);
  return {
    grades: meta.roster.filter((s) => records.has(s)).map((s) => records.get(s)!.grade),
    gradebook: path.join(opts.outDir, GRADEBOOK),
    hidden,
    ms: Date.now() - started,
    graded,
    kept,
    interrupted: !meta.complete,
  };
}

/** "24/26 (01 13/13, 02 11/13)" for the progress log. */
export function summarize(results: LabResult[]): string {
  const s = results.reduce((a, r) => a + score(r), 0);
  const m = results.reduce((a, r) => a + maxScore(r), 0);
  const labs = results.map((r) => `${r.slug.slice(0, 2)} ${score(r)}/${maxScore(r)}`).join(', ');
  return `${s}/${m}${results.length > 1 ? ` (${labs})` : ''}`;
}

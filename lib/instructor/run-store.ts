// The output folder of a class run (--out DIR):
//
//   run.json           what was graded: the kit's version, the labs, their maxima, the
//                      hidden tests' names, the shard, the students of this run
//   records/<s>.json   one per graded student, written the moment it is known: their
//                      results, the hash of what was graded, the kit version
//   gradebook.csv      \ views of the records, rewritten after every student: the same
//   feedback/<s>.txt   / records give the same files, however they were graded
//
// Records are the truth; the views are made from them alone. So a run resumed
// after a stop, and shards merged from several machines, give the files one
// run would. An existing output folder is never silently replaced.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Lab } from '../course.ts';
import { KIT_ROOT, kitPath } from '../paths.ts';
import { feedbackFile, writeFeedback } from './feedback.ts';
import { gradebookCsv, type StudentGrade } from './gradebook.ts';

export const RUN_FILE = 'run.json';
export const RECORDS = 'records';
export const GRADEBOOK = 'gradebook.csv';
export const FEEDBACK = 'feedback';
/** What a run writes in --out, and all that --force removes: nothing else of the folder is touched. */
const OWNED = [RUN_FILE, RECORDS, GRADEBOOK, FEEDBACK];

export interface Shard {
  /** 1-based, as in vitest's and Playwright's --shard K/N. */
  index: number;
  count: number;
}

export interface RunMeta {
  format: 1;
  /** The kit's version and a hash of everything that decides a grade. */
  kit: string;
  labs: string[];
  hidden: boolean;
  maxByLab: Record<string, number>;
  /** Names and points of the hidden tests: the feedback counts them without naming them. */
  hiddenTests: { slug: string; name: string; points: number }[];
  shard?: Shard;
  /** The whole class, whatever the shard: shards of one class list the same names. */
  classDigest: string;
  classSize: number;
  /** The students this run grades (its shard of the class). */
  roster: string[];
  bom: boolean;
  /** Every student on the roster has a record. */
  complete: boolean;
}

export interface StudentRecord {
  student: string;
  kit: string;
  /** submissionHash() of what was graded. */
  submission: string;
  grade: StudentGrade;
}

// ---------------------------------------------------------------------------
// The kit's version

/**
 * Everything that decides a grade: the manifest, the lockfile, the harness and
 * grader, every test with its helpers. Not the parts that only present grades
 * (this folder's feedback, the site, the commands): a new feedback layout
 * rewrites the feedback from the records, it does not grade anyone again.
 */
const FINGERPRINTED = ['package.json', 'package-lock.json', 'course.json', 'lib', 'test'];
const NOT_FINGERPRINTED = ['test/kit', 'test/fixtures/class', 'test/fixtures/hostile-class', 'lib/instructor', 'lib/site', 'lib/cli', 'lib/tools'].map((p) => kitPath(p));

let fingerprint: string | undefined;

/** "0.1.0+3f2a9c1b7d4e": package.json's version and a hash of the grading code and tests. */
export function kitVersion(): string {
  if (fingerprint) return fingerprint;
  const h = createHash('sha256');
  const walk = (abs: string) => {
    if (NOT_FINGERPRINTED.includes(abs)) return;
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of readdirSync(abs).sort()) if (!name.startsWith('.') && name !== 'node_modules') walk(path.join(abs, name));
    } else if (st.isFile()) {
      h.update(`${path.relative(KIT_ROOT, abs)}\0`).update(readFileSync(abs)).update('\0');
    }
  };
  for (const p of FINGERPRINTED) walk(kitPath(p));
  const version = (JSON.parse(readFileSync(kitPath('package.json'), 'utf8')) as { version: string }).version;
  return (fingerprint = `${version}+${h.digest('hex').slice(0, 12)}`);
}

export const classDigest = (students: string[]) => createHash('sha256').update(students.join('\0')).digest('hex').slice(0, 16);

// ---------------------------------------------------------------------------
// Shards

/** "2/4" → { index: 2, count: 4 }; throws a message a person can act on. */
export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new Error(`--shard ${s}: K/N with 1 ≤ K ≤ N, as in --shard 2/4 (the 2nd of 4 slices)`);
  return { index, count };
}

/**
 * The K-th of N slices of a list already in a fixed order: contiguous, sizes
 * differing by at most one, the larger ones first (as Playwright splits).
 * Every machine that lists the same class gets the same slices.
 */
export function shardOf<T>(items: T[], shard?: Shard): T[] {
  if (!shard) return items;
  const base = Math.floor(items.length / shard.count);
  const extra = items.length % shard.count;
  const start = (shard.index - 1) * base + Math.min(shard.index - 1, extra);
  return items.slice(start, start + base + (shard.index <= extra ? 1 : 0));
}

// ---------------------------------------------------------------------------
// The output folder

export type Existing = 'refuse' | 'resume' | 'force';

/** A run that will not go ahead as asked (exit 2 in the CLI): the message says what to do instead. */
export class Refusal extends Error {}

const writeAtomic = (file: string, text: string) => {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file); // never half a file
};

/** Records are named by student; a name is a folder name, so it is a file name too. */
const recordFile = (out: string, student: string) => path.join(out, RECORDS, `${student}.json`);

export function readMeta(out: string): RunMeta | undefined {
  try {
    return JSON.parse(readFileSync(path.join(out, RUN_FILE), 'utf8')) as RunMeta;
  } catch {
    return undefined;
  }
}

export function readRecords(out: string): Map<string, StudentRecord> {
  const records = new Map<string, StudentRecord>();
  const dir = path.join(out, RECORDS);
  if (!existsSync(dir)) return records;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    try {
      const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as StudentRecord;
      records.set(r.student, r);
    } catch {
      /* half-written by a run killed outright: that student is graded again */
    }
  }
  return records;
}

const hasOutput = (out: string) => OWNED.some((p) => existsSync(path.join(out, p)));

function describeRun(out: string): string {
  const meta = readMeta(out);
  const file = path.join(out, existsSync(path.join(out, GRADEBOOK)) ? GRADEBOOK : RUN_FILE);
  if (!meta) return `${file} already exists`;
  const n = readRecords(out).size;
  const when = statSync(path.join(out, RUN_FILE)).mtime.toISOString().slice(0, 16).replace('T', ' ');
  return `${file} already exists (${n} of ${meta.roster.length} students graded, ${meta.complete ? 'finished' : 'not finished'}, last written ${when} UTC)`;
}

/**
 * Open --out for a run. Refuses an existing run unless told: `resume` keeps its
 * records (the caller decides which still hold), `force` removes what a run
 * wrote (and only that). Returns the records to reuse.
 */
export function openOutput(out: string, mode: Existing, meta: RunMeta): Map<string, StudentRecord> {
  if (existsSync(out) && !statSync(out).isDirectory()) throw new Refusal(`--out ${out} is a file, not a folder`);
  if (!hasOutput(out)) {
    mkdirSync(out, { recursive: true });
    return new Map();
  }
  if (mode === 'refuse') {
    throw new Refusal(
      `${describeRun(out)}.\n` +
        `  --resume  grades only the students not graded yet, or whose work or kit changed since\n` +
        `  --force   starts over: removes ${OWNED.map((p) => path.join(path.basename(out), p)).join(', ')}\n` +
        `  or choose another --out folder.`,
    );
  }
  if (mode === 'force') {
    for (const p of OWNED) rmSync(path.join(out, p), { recursive: true, force: true });
    return new Map();
  }
  const before = readMeta(out);
  if (!before) throw new Refusal(`${path.join(out, GRADEBOOK)} has no ${RUN_FILE} beside it, so what it graded is unknown: use --force to start over, or another --out folder.`);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(before.labs, meta.labs)) throw new Refusal(`--resume: ${out} graded ${before.labs.join(', ')}; this run asks for ${meta.labs.join(', ')}. Use --force, or another --out folder.`);
  if (before.hidden !== meta.hidden) throw new Refusal(`--resume: ${out} was graded ${before.hidden ? 'with' : 'without'} the hidden tests; this run is ${meta.hidden ? 'with' : 'without'}. Use --force, or another --out folder.`);
  if (!same(before.shard, meta.shard)) {
    const s = (x?: Shard) => (x ? `shard ${x.index}/${x.count}` : 'the whole class');
    throw new Refusal(`--resume: ${out} holds ${s(before.shard)}; this run is ${s(meta.shard)}. Use --force, or another --out folder.`);
  }
  return readRecords(out);
}

/** Forget a student's grade (their work or the kit changed): the record and the feedback go. */
export function forget(out: string, student: string): void {
  rmSync(recordFile(out, student), { force: true });
  rmSync(feedbackFile(out, student), { force: true });
}

/** Rewrite a kept student's feedback from their record (the feedback's layout may be newer than the grade). */
export const refreshFeedback = (out: string, record: StudentRecord, meta: RunMeta) => writeFeedback(out, record.grade, meta.hiddenTests);

/** Remember a graded student: the record first (the truth), then their feedback. */
export function saveRecord(out: string, record: StudentRecord, meta: RunMeta): void {
  writeAtomic(recordFile(out, record.student), JSON.stringify(record) + '\n');
  writeFeedback(out, record.grade, meta.hiddenTests);
}

/**
 * Make run.json and the gradebook from the records of the students on the roster,
 * and drop whatever belongs to no one on it (records and feedback of students no
 * longer in the class). Cheap enough to do after every student.
 */
export function writeViews(out: string, meta: RunMeta, records: Map<string, StudentRecord>, labs: Lab[]): void {
  const onRoster = meta.roster.filter((s) => records.has(s)).map((s) => records.get(s)!.grade);
  meta.complete = onRoster.length === meta.roster.length;
  writeAtomic(path.join(out, RUN_FILE), JSON.stringify(meta, null, 2) + '\n');
  writeAtomic(path.join(out, GRADEBOOK), gradebookCsv(labs, meta.maxByLab, onRoster, { bom: meta.bom }));
}

/** Remove records and feedback of students not on the roster (they left the class, or a shard changed). */
export function dropStale(out: string, roster: string[]): string[] {
  const keep = new Set(roster);
  const dropped: string[] = [];
  for (const [dir, ext] of [[RECORDS, '.json'], [FEEDBACK, '.txt']] as const) {
    const abs = path.join(out, dir);
    if (!existsSync(abs)) continue;
    for (const f of readdirSync(abs)) {
      const student = f.endsWith(ext) ? f.slice(0, -ext.length) : undefined;
      if (student !== undefined && keep.has(student)) continue;
      rmSync(path.join(abs, f), { force: true });
      if (student !== undefined && dir === RECORDS) dropped.push(student);
    }
  }
  return dropped;
}

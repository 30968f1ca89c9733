// A class's submissions: DIR holds one folder per student. Each folder is read
// the way students hand work in (a clone of the handout with labs/ inside, the
// lab folders themselves, a GitHub zip with one folder around either, or — for
// a one-lab assignment — the lab's files loose), and graded from a private copy,
// so a student program never sees the original folder, another student's work,
// or the instructor's files. Staging and the submission's hash (--resume) read
// the same files through collectLab(), so what is hashed is what is graded.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labFolder, type Lab } from '../course.ts';
import { Refusal } from './run-store.ts';

// The folder a lab's work lives in (labs that share one, like the POP3 labs'
// mail/, name it in course.json): lib/course.ts's labFolder(), kept importable
// from here for the instructor's code.
export { labFolder };

export interface Layout {
  /** The folder that holds the lab folders (or, `loose`, the lab's own files). */
  base: string;
  /** A one-lab upload: the lab's files at the top, graded as the lab's folder. */
  loose?: boolean;
  /** How the folder was read, when it is not the plain layout. */
  note?: string;
  /** The grader found no lab folder: what it expected and what it found. Said once per student. */
  warning?: string;
}

export interface Submission {
  student: string;
  /** The student's folder in the submissions folder. */
  root: string;
  layout: Layout;
}

export interface ClassFolder {
  students: Submission[];
  /** Entries that are not folders (a zip, a README): named once in the log, never graded. */
  ignored: string[];
}

/** Is there an entry (a folder, or a link where one was expected) for one of the labs? */
const holdsLabs = (dir: string, labs: Lab[]) =>
  isRealDir(dir) && labs.some((l) => {
    try {
      lstatSync(path.join(dir, labFolder(l)));
      return true;
    } catch {
      return false;
    }
  });

function isRealDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

const visible = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));

/** Where a student's labs are, or a warning saying what was expected. `shown` names the folder in messages. */
export function findLayout(root: string, labs: Lab[], shown = path.basename(root)): Layout {
  const inner = path.join(root, 'labs');
  if (holdsLabs(inner, labs)) return { base: inner };
  if (holdsLabs(root, labs)) return { base: root };
  // A GitHub "Download ZIP" unpacks to one folder (repo-main/) around the repository.
  const entries = visible(root);
  const dirs = entries.filter((e) => e.isDirectory());
  if (dirs.length === 1 && entries.length === 1) {
    const wrap = path.join(root, dirs[0]!.name);
    for (const base of [path.join(wrap, 'labs'), wrap]) {
      if (holdsLabs(base, labs)) return { base, note: `graded ${path.relative(root, base)}/ (the one folder inside ${shown}/)` };
    }
  }
  // One lab, files uploaded loose (Gradescope's usual upload).
  if (labs.length === 1 && labs[0]!.files.some((f) => existsSync(path.join(root, f)))) {
    return { base: root, loose: true, note: `graded the files at the top of ${shown}/ as ${labFolder(labs[0]!)}/` };
  }
  return { base: root, warning: layoutWarning(root, labs, shown, entries.map((e) => e.name + (e.isDirectory() ? '/' : ''))) };
}

function layoutWarning(root: string, labs: Lab[], shown: string, found: string[]): string {
  const want = labFolder(labs[0]!);
  const expected = `expected ${shown}/labs/${want}/ (a clone of the handout) or ${shown}/${want}/`;
  if (isRealDir(root) && lstatSync(path.join(root, 'labs'), { throwIfNoEntry: false })?.isSymbolicLink()) {
    return `${shown}/labs is a symbolic link, which the grader does not follow; ${expected}.`;
  }
  if (found.length === 0) return `${shown}/ is empty; ${expected}.`;
  const list = found.length > 8 ? `${found.slice(0, 8).join(', ')}, … (${found.length} entries)` : found.join(', ');
  // lab01/, lab-1/, udp-echo/: a lab under another name.
  const renames = found.flatMap((f) => {
    const name = f.replace(/\/$/, '');
    const n = /^lab[-_ ]?0*(\d+)$/i.exec(name)?.[1];
    const lab = labs.find((l) => (n !== undefined && Number(l.slug.slice(0, 2)) === Number(n)) || l.slug.replace(/^\d+-/, '') === name);
    return lab && f.endsWith('/') ? [`${name}/ → ${labFolder(lab)}/`] : [];
  });
  return `no lab folder found in ${shown}/: ${expected}. Found: ${list}.${renames.length ? ` Rename ${renames.join(', ')}?` : ''}`;
}

/** Every student folder in `root`, in name order, each with its layout. */
export function findSubmissions(root: string, labs: Lab[]): ClassFolder {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Refusal(`--submissions ${root}: no such folder`);
  const students: Submission[] = [];
  const ignored: string[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const dir = path.join(root, e.name);
    // The instructor's own links to student folders are followed; links inside a student's folder never are.
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) isDir = statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
    if (!isDir) {
      ignored.push(e.name);
      continue;
    }
    let layout: Layout;
    try {
      layout = findLayout(dir, labs, e.name);
    } catch (err) {
      layout = { base: dir, warning: `could not read ${e.name}/: ${(err as Error).message}` };
    }
    students.push({ student: e.name, root: dir, layout });
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0); // the same order on every machine and locale
  return { students: students.sort((a, b) => byName(a.student, b.student)), ignored: ignored.sort(byName) };
}

/** What a copy leaves out: dependencies and history are not the student's work. */
const SKIPPED = new Set(['node_modules', '.git']);
/** A lab folder past this is not a lab's source code. */
const MAX_LAB_BYTES = 64 * 1024 * 1024;

export interface LabFiles {
  /** Files relative to the lab folder, in a fixed order. */
  files: { rel: string; abs: string }[];
  /** Why the lab cannot be graded (missing, a link, unreadable): the lab's one message. */
  problem?: string;
}

/** The files of one lab of a submission: regular files only, no links followed. */
export function collectLab(sub: Submission, lab: Lab): LabFiles {
  const folder = labFolder(lab);
  const shown = `${sub.student}/${path.relative(sub.root, path.join(sub.layout.base, sub.layout.loose ? '' : folder)) || '.'}`;
  const from = sub.layout.loose ? sub.layout.base : path.join(sub.layout.base, folder);
  const st = lstatSync(from, { throwIfNoEntry: false });
  if (!st) return { files: [], problem: `there is no lab folder ${shown.replace(/\/\.$/, '')}/ to grade.` };
  if (st.isSymbolicLink()) {
    return { files: [], problem: `${shown} is a symbolic link, which the grader does not follow (it could point at anyone's work): commit the lab's files themselves.` };
  }
  if (!st.isDirectory()) return { files: [], problem: `${shown} is not a folder.` };
  const files: LabFiles['files'] = [];
  let bytes = 0;
  try {
    const walk = (dir: string, rel: string) => {
      for (const name of readdirSync(dir).sort()) {
        if (SKIPPED.has(name)) continue;
        const abs = path.join(dir, name);
        const s = lstatSync(abs);
        if (s.isDirectory()) walk(abs, path.join(rel, name));
        else if (s.isFile()) {
          bytes += s.size;
          if (bytes > MAX_LAB_BYTES) throw new Error(`more than ${MAX_LAB_BYTES >> 20} MB of files: is something other than source code in it?`);
          files.push({ rel: path.join(rel, name), abs });
        }
        // Links, sockets and devices are not copied: nothing outside the folder comes in.
      }
    };
    walk(from, '');
  } catch (e) {
    return { files: [], problem: `could not read ${shown}: ${(e as Error).message}` };
  }
  return { files };
}

/**
 * The submission's content for these labs, as a hash: the same files give the
 * same hash on any machine. --resume skips a student whose hash has not changed.
 */
export function submissionHash(sub: Submission, labs: Lab[]): string {
  const h = createHash('sha256');
  for (const lab of [...labs].sort((a, b) => (a.slug < b.slug ? -1 : 1))) {
    const { files, problem } = collectLab(sub, lab);
    h.update(`lab\0${lab.slug}\0${problem ?? ''}\0`);
    for (const f of files) {
      h.update(`${f.rel}\0`);
      try {
        h.update(createHash('sha256').update(readFileSync(f.abs)).digest());
      } catch (e) {
        h.update(`unreadable\0${(e as Error).message}`);
      }
    }
  }
  return h.digest('hex');
}

/** A lab's reason when the whole submission's layout was not recognised (the layout warning says the rest, once). */
export const NO_LAB_FOLDER = 'the grader found no lab folder in this submission (see the note at the top).';

export interface Staged {
  /** The private copy, laid out like labs/. */
  dir: string;
  /** Labs that could not be copied, with the reason (their tests are not run). */
  problems: Map<string, string>;
}

/**
 * Where private copies live: a folder that others may pass through but not
 * list (0711), holding one folder per student under a random name. A student
 * program can reach its own copy and cannot find anyone else's.
 */
export class Staging {
  readonly root: string;
  constructor(parent = os.tmpdir()) {
    this.root = mkdtempSync(path.join(parent, 'socket-kit-stage-'));
    chmodSync(this.root, 0o711);
  }

  /** Copy a student's lab folders, readable by the sandbox's uids. A lab that cannot be copied is a problem of that lab alone. */
  stage(sub: Submission, labs: Lab[]): Staged {
    const dest = path.join(this.root, randomBytes(12).toString('hex'));
    mkdirSync(dest, { mode: 0o755 });
    chmodSync(dest, 0o755);
    // As in the kit: .ts files are ES modules (top-level await and all), not CommonJS.
    writeFileSync(path.join(dest, 'package.json'), '{ "type": "module" }\n', { mode: 0o644 });
    const problems = new Map<string, string>();
    const done = new Set<string>();
    for (const lab of labs) {
      const folder = labFolder(lab);
      if (done.has(folder)) continue; // labs sharing one folder: copied once
      done.add(folder);
      const { files, problem } = sub.layout.warning ? { files: [], problem: NO_LAB_FOLDER } : collectLab(sub, lab);
      if (problem) {
        for (const l of labs) if (labFolder(l) === folder) problems.set(l.slug, problem);
        continue;
      }
      const to = path.join(dest, folder);
      try {
        mkdirSync(to, { mode: 0o755 });
        for (const f of files) {
          const target = path.join(to, f.rel);
          mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
          copyFileSync(f.abs, target);
          chmodSync(target, 0o644); // whatever the original's modes: readable by an unprivileged uid
        }
      } catch (e) {
        rmSync(to, { recursive: true, force: true });
        for (const l of labs) if (labFolder(l) === folder) problems.set(l.slug, `could not copy ${sub.student}'s ${folder}/: ${(e as Error).message}`);
      }
    }
    return { dir: dest, problems };
  }

  remove(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

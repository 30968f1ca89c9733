// Reset a lab to its starter, keeping a timestamped backup of the student's work.
//
// Where the starter comes from: git, at the newest commit that touched the lab
// and was NOT made by the student (whose identity is `git config user.email`).
// `git show HEAD:...` is not enough: a student who commits their work would get
// their own last commit back. Commits by anyone else (the kit's maintainers, the
// GitHub Classroom template bot, an instructor's update) are what the kit
// shipped, including any later fix to a starter. `--from REV` overrides this, and
// the chosen commit is always shown, so a wrong guess is visible and the backup
// makes it harmless.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { labDir, labFolder, stagesOf, type Lab } from '../course.ts';
import { labNumber, statePath } from './state.ts';

export interface StarterSource {
  /** Full commit id. */
  rev: string;
  /** "abc1234 Kit skeleton… (Kit Maintainers, 2026-11-23)". */
  described: string;
  /** Starter content by file name (the lab's `files`); a file the commit lacks is absent. */
  files: Map<string, Buffer>;
  /** A doubt about the choice, shown before asking. */
  note?: string;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 32 << 20 }).trim();
}

function gitBytes(cwd: string, args: string[]): Buffer {
  return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 32 << 20 });
}

/**
 * The files a reset restores: the lab's own, or, in a folder several labs grow
 * (labs/mail/), every stage's: the folder has one starter, not one per stage.
 */
export function starterFiles(lab: Lab): string[] {
  return [...new Set(stagesOf(lab).flatMap((l) => l.files))];
}

/** Find the lab's starter in git. Throws with a message a student can act on. */
export function findStarter(lab: Lab, labsRoot: string, from?: string): StarterSource {
  const dir = path.resolve(labDir(labsRoot, lab));
  let top: string;
  try {
    top = git(existsSync(labsRoot) ? labsRoot : path.dirname(labsRoot), ['rev-parse', '--show-toplevel']);
  } catch {
    throw new Error(`${labsRoot} is not inside a git repository, so the starter cannot be found. Get a fresh copy of the kit and copy ${labFolder(lab)}/ from it.`);
  }
  const rel = path.relative(top, dir).split(path.sep).join('/');
  let rev: string;
  let note: string | undefined;
  if (from) {
    try {
      rev = git(top, ['rev-parse', '--verify', `${from}^{commit}`]);
    } catch {
      throw new Error(`--from ${from}: git knows no such commit.`);
    }
  } else {
    let me = '';
    try {
      me = git(top, ['config', 'user.email']).toLowerCase();
    } catch {
      /* no identity set: then no commit can be the student's */
    }
    const log = git(top, ['log', '--format=%H%x09%ae', '--', rel]).split('\n').filter(Boolean);
    if (log.length === 0) throw new Error(`git has no commit with ${rel}: nothing to reset it to.`);
    const kit = log.map((l) => l.split('\t')).find(([, email]) => !me || email!.toLowerCase() !== me);
    if (kit) rev = kit[0]!;
    else {
      // Every commit is yours: you maintain the kit (HEAD is the starter), or you
      // committed the kit yourself. The last commit is the better guess; say so.
      rev = log[0]!.split('\t')[0]!;
      note = `Every commit to ${rel} is yours (${me}), so this is your last commit. If your own work is committed, name the kit's commit with --from <commit>.`;
    }
  }
  const described = git(top, ['show', '-s', '--format=%h %s (%an, %as)', rev]);
  const files = new Map<string, Buffer>();
  for (const f of starterFiles(lab)) {
    try {
      files.set(f, gitBytes(top, ['show', `${rev}:${rel}/${f}`]));
    } catch {
      /* not in that commit */
    }
  }
  if (files.size === 0) throw new Error(`commit ${described} has none of ${starterFiles(lab).join(', ')} in ${rel}.`);
  return { rev, described, files, note };
}

export interface ResetPlan {
  lab: Lab;
  dir: string;
  starter: StarterSource;
  /** Files that differ from the starter (or are missing) and will be replaced. */
  changed: string[];
  /** Files already identical to the starter. */
  same: string[];
}

export function planReset(lab: Lab, labsRoot: string, from?: string): ResetPlan {
  const dir = path.resolve(labDir(labsRoot, lab));
  const starter = findStarter(lab, labsRoot, from);
  const changed: string[] = [];
  const same: string[] = [];
  for (const [f, content] of starter.files) {
    const p = path.join(dir, f);
    (existsSync(p) && readFileSync(p).equals(content) ? same : changed).push(f);
  }
  return { lab, dir, starter, changed, same };
}

/** A folder name that sorts by time and is valid on every file system. */
export function stamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** Copy the whole lab folder to <state>/backups/<folder>/<timestamp>/. Returns that folder. */
export function backupLab(dir: string, folder: string, now = new Date()): string {
  const base = statePath('backups', folder, stamp(now));
  let dest = base;
  for (let i = 2; existsSync(dest) && i < 1000; i++) dest = `${base}-${i}`;
  mkdirSync(path.dirname(dest), { recursive: true });
  if (existsSync(dir)) cpSync(dir, dest, { recursive: true, filter: (src) => path.basename(src) !== 'node_modules' });
  else mkdirSync(dest);
  return dest;
}

export interface ResetDone {
  backup: string;
  restored: string[];
}

/** Back up, then write the starter over the changed files. Files the student added stay (and are in the backup). */
export function applyReset(plan: ResetPlan, now = new Date()): ResetDone {
  const backup = backupLab(plan.dir, labFolder(plan.lab), now);
  mkdirSync(plan.dir, { recursive: true });
  for (const f of plan.changed) {
    mkdirSync(path.dirname(path.join(plan.dir, f)), { recursive: true });
    writeFileSync(path.join(plan.dir, f), plan.starter.files.get(f)!);
  }
  return { backup, restored: plan.changed };
}

export function describePlan(plan: ResetPlan): string {
  const nn = labNumber(plan.lab.slug);
  const lines = [`Reset lab ${nn} — ${plan.lab.title} to its starter, as shipped in commit ${plan.starter.described}.`];
  const stages = stagesOf(plan.lab);
  if (stages.length > 1) {
    const nums = stages.map((l) => labNumber(l.slug));
    lines.push(`labs/${labFolder(plan.lab)}/ is one program grown over labs ${nums.join(', ')}: this resets the whole folder, the work of every one of those labs.`);
  }
  for (const f of plan.changed) lines.push(`  ${f}  will be replaced by the starter`);
  for (const f of plan.same) lines.push(`  ${f}  is already the starter`);
  if (plan.starter.note) lines.push(plan.starter.note);
  lines.push(`Your current folder is copied to ${statePath('backups', labFolder(plan.lab))}/<time>/ first.`);
  return lines.join('\n');
}

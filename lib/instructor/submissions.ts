// A class's submissions: DIR holds one folder per student, laid out like labs/
// (or a clone of the handout, with labs/ inside). Each is graded from a private
// copy, so a student program never sees the original folder, another student's
// work, or the instructor's files.
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labFolders, type Lab } from '../course.ts';

export interface Submission {
  student: string;
  /** The folder laid out like labs/. */
  dir: string;
}

export function findSubmissions(root: string): Submission[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`--submissions ${root}: no such folder`);
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => {
      const dir = path.join(root, d.name);
      const labsDir = path.join(dir, 'labs');
      return { student: d.name, dir: existsSync(labsDir) && statSync(labsDir).isDirectory() ? labsDir : dir };
    })
    .sort((a, b) => a.student.localeCompare(b.student));
}

/**
 * Where private copies live: a root-only folder that others may pass through
 * but not list (0711), holding one folder per student under a random name.
 * A student program can reach its own copy and cannot find anyone else's.
 */
export class Staging {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-stage-'));
  constructor() {
    chmodSync(this.root, 0o711);
  }

  /** Copy a student's lab folders (no symlinks, no node_modules or .git), readable by the sandbox's uids. */
  stage(sub: Submission, labs: Lab[]): string {
    const dest = path.join(this.root, randomBytes(12).toString('hex'));
    mkdirSync(dest, { mode: 0o755 });
    chmodSync(dest, 0o755);
    // As in the kit: .ts files are ES modules (top-level await and all), not CommonJS.
    writeFileSync(path.join(dest, 'package.json'), '{ "type": "module" }\n', { mode: 0o644 });
    for (const folder of labFolders(labs)) {
      const from = path.join(sub.dir, folder);
      if (!existsSync(from) || !statSync(from).isDirectory()) continue; // graded as missing: the tests say so
      const to = path.join(dest, folder);
      cpSync(from, to, {
        recursive: true,
        filter: (src) => {
          const st = lstatSync(src);
          const base = path.basename(src);
          return !st.isSymbolicLink() && base !== 'node_modules' && base !== '.git' && (st.isDirectory() || st.isFile());
        },
      });
      openUp(to);
    }
    return dest;
  }

  remove(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Folders 0755, files 0644: the copy must be readable by an unprivileged uid, whatever the original's modes. */
function openUp(p: string): void {
  const st = lstatSync(p);
  if (st.isDirectory()) {
    chmodSync(p, 0o755);
    for (const e of readdirSync(p)) openUp(path.join(p, e));
  } else if (st.isFile()) {
    chmodSync(p, 0o644);
  }
}

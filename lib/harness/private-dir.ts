// A folder of the system's temp that only this user can use, made once and
// checked every time: one made by someone else, group- or world-accessible, or
// a symlink is never used (what this process finds there, it may run).
import { lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** `$TMPDIR/<name>-<uid>`, or undefined when it exists and is not safely ours. */
export function privateTmpDir(name: string): string | undefined {
  const uid = process.getuid?.();
  const dir = path.join(os.tmpdir(), `${name}-${uid ?? 'u'}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {
    /* there already: checked below */
  }
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

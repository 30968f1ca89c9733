// RFC 1939 §4: "the POP3 server then acquires an exclusive-access lock on the
// maildrop". One session per maildrop, across this process and any other
// (another server, a --stdio session): a lock file made with O_EXCL that holds
// the owner's pid, so the lock of a killed server is seen as stale and taken.
// https://www.rfc-editor.org/rfc/rfc1939#section-4
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'; // all you need
import path from 'node:path';

/** The lock file's name inside a Maildir (Maildir readers ignore unknown files at its top). */
export const LOCK_FILE = 'pop3.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, not ours to signal
  }
}

export class MaildropLocks {
  private held = new Set<string>(); // lock file paths this process holds

  /**
   * Take the lock on a Maildir; false if another session holds it. Create
   * path.join(maildir, LOCK_FILE) with openSync(file, 'wx') (fails with EEXIST
   * if it exists: atomic, across processes), write process.pid into it and
   * remember it in `held`. A lock file whose owner is gone (see alive()) is stale:
   * remove it and try once more. So is one with no pid in it that is older than
   * 10 s: its writer died between open() and write().
   */
  tryLock(maildir: string): boolean {
    throw new Error(`TODO: tryLock() in labs/10-pop3-robustness/lock.ts (lock ${path.join(maildir, LOCK_FILE)})`);
  }

  /** Let go of a lock this process holds: forget it and remove its file. */
  unlock(maildir: string): void {
    throw new Error(`TODO: unlock() in labs/10-pop3-robustness/lock.ts (${maildir})`);
  }

  /** On exit: leave no lock behind. */
  releaseAll(): void {
    for (const file of this.held) {
      try {
        unlinkSync(file);
      } catch {
        /* already gone */
      }
    }
    this.held.clear();
  }
}

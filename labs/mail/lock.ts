// RFC 1939 §4: "the POP3 server then acquires an exclusive-access lock on the
// maildrop". One session per maildrop, across this process and any other
// (another server, a --stdio session): a lock file made with O_EXCL that holds
// the owner's pid, so the lock of a killed server is seen as stale and taken.
// https://www.rfc-editor.org/rfc/rfc1939#section-4
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'; // all you need
import path from 'node:path';

/** A lock file with no pid in it is being written, unless it is this old: then its writer died mid-create. */
const UNWRITTEN_LOCK_MS = 10_000;

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
    // TODO (robustness lab): no lock yet, so two sessions can open one maildrop at once.
    return true;
  }

  /** A lock whose owner is gone: a dead pid, or our own pid from a lock we do not hold (a past run). */
  private stale(file: string): boolean {
    throw new Error(`TODO: stale() in labs/mail/lock.ts (robustness lab): is the lock ${file} left by a process that is gone?`);
  }

  /** Let go of a lock this process holds: forget it and remove its file. */
  unlock(maildir: string): void {
    // TODO (robustness lab): let go of the lock (nothing is locked yet).
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

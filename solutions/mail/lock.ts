// RFC 1939 §4: "the POP3 server then acquires an exclusive-access lock on the
// maildrop". One session per maildrop, across this process and any other
// (another server, a --stdio session): a lock file in the Maildir that names
// its owner. https://www.rfc-editor.org/rfc/rfc1939#section-4
//
// Three things make it hold:
//   - the file appears whole and at once: written aside, then link()ed into
//     place, which fails if the name exists (like open()'s O_EXCL, with no
//     moment where the file is there but empty);
//   - its owner is named precisely (pid, the process's start time and the boot
//     it started in), and the owner keeps the file open: a pid reused by some
//     other process after a crash is not mistaken for the owner;
//   - a stale lock is never removed and replaced (two processes that both
//     judge it stale would both "win"): it is superseded by the next file in
//     a sequence, pop3.lock, pop3.lock.1, pop3.lock.2, ..., which only one
//     process can create. The newest file of the sequence is the lock.
// @stage pop3-authorization
// @starter
// // Given: the helpers below. The robustness lab writes tryLock(), ownerGone() and unlock().
// @end
import { closeSync, fstatSync, linkSync, lstatSync, openSync, readFileSync, readdirSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

/** The lock file's name inside a Maildir (Maildir readers ignore unknown files at its top). */
export const LOCK_FILE = 'pop3.lock';

/** A lock whose owner cannot be checked (no start time, unreadable) is honoured this long, then taken over. */
export const UNVERIFIABLE_LOCK_MS = 10_000;

/** Who holds a lock: enough to tell later whether that very process still exists. */
export interface Owner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
  start?: string;
  /** /proc/sys/kernel/random/boot_id: which boot of the machine. */
  boot?: string;
}

/** The start time of a process (field 22 of /proc/<pid>/stat), or undefined where there is no /proc or no such process. */
export function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]; // fields after "(comm)" start at field 3
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** This process, as a lock names it. */
export const ME: Owner = { pid: process.pid, start: startTime(process.pid), boot: bootId() };

/** "pid start boot", one line; "-" for what this system does not tell. */
export const formatOwner = (o: Owner) => `${o.pid} ${o.start ?? '-'} ${o.boot ?? '-'}\n`;

/** The owner a lock file names, or undefined for an empty or garbled one. */
export function parseOwner(text: string): Owner | undefined {
  const [pid, start, boot] = text.trim().split(/\s+/);
  if (!pid || !/^\d+$/.test(pid) || Number(pid) <= 0) return undefined;
  return { pid: Number(pid), start: start && start !== '-' ? start : undefined, boot: boot && boot !== '-' ? boot : undefined };
}

/** Whether process `pid` exists (EPERM: it does, it is just not ours to signal). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether process `pid` has `lock` open: true, false, or undefined where its
 * descriptors cannot be seen (no /proc, or another user's process).
 */
function holdsOpen(pid: number, lock: Stats): boolean | undefined {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  for (const fd of fds) {
    try {
      const st = statSync(`/proc/${pid}/fd/${fd}`); // follows the descriptor to its file
      if (st.ino === lock.ino && st.dev === lock.dev) return true;
    } catch {
      /* closed while we looked */
    }
  }
  return false;
}

/** The numbers of the lock files in a Maildir: 0 for pop3.lock, n for pop3.lock.n. */
function sequence(maildir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync(maildir)) {
    const m = /^pop3\.lock(?:\.([1-9]\d{0,8}))?$/.exec(name);
    if (m) found.push(m[1] ? Number(m[1]) : 0);
  }
  return found.sort((a, b) => a - b);
}

const lockName = (n: number) => (n === 0 ? LOCK_FILE : `${LOCK_FILE}.${n}`);

interface Held {
  file: string;
  /** Kept open while the lock is held: that is how another process sees the owner is really us. */
  fd: number;
}

export class MaildropLocks {
  private held = new Map<string, Held>(); // by Maildir

  /**
   * Take the lock on a Maildir; false if another session holds it. The lock is
   * the newest file of the sequence pop3.lock, pop3.lock.1, ...: if there is
   * none, or its owner is gone (ownerGone()), claim the next name with
   * claim(), which only one process can win. Throws ENOENT if the Maildir
   * folder does not exist.
   */
  tryLock(maildir: string): boolean {
    // @stage pop3-robustness
    if (this.held.has(maildir)) return false;
    for (let attempt = 0; attempt < 5; attempt++) {
      const seq = sequence(maildir);
      const newest = seq.at(-1);
      if (newest !== undefined) {
        const gone = this.ownerGone(path.join(maildir, lockName(newest)));
        if (gone === undefined) continue; // it vanished while we looked (released): look again
        if (!gone) return false;
      }
      const file = path.join(maildir, lockName(newest === undefined ? 0 : newest + 1));
      const fd = claim(file);
      if (fd !== undefined) {
        this.held.set(maildir, { file, fd });
        return true;
      }
      // Another process claimed that name first: look again (it is theirs now, and alive).
    }
    return false;
    // @starter
    // // TODO (robustness lab): no lock yet, so two sessions can open one maildrop at once.
    // return true;
    // @end
  }

  /**
   * Whether the owner of a lock file is gone, so the lock is stale: true,
   * false, or undefined if the file is not there any more. Gone means: a
   * different boot, no such process, a process of that pid that started at
   * another time (the pid was reused), or one that does not hold the file
   * open. A lock that names nobody we can check (empty, garbled, no start
   * time and no view of the process) is honoured for UNVERIFIABLE_LOCK_MS
   * after it was written, no longer.
   */
  private ownerGone(file: string): boolean | undefined {
    // @stage pop3-robustness
    let text: string;
    let st: Stats;
    try {
      st = lstatSync(file);
      if (!st.isFile()) return true; // a symbolic link or a folder is no lock of ours
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const owner = parseOwner(text);
    const young = Date.now() - st.mtimeMs < UNVERIFIABLE_LOCK_MS;
    if (!owner) return !young; // empty or garbled: a writer mid-write, or a crash
    if (owner.boot && ME.boot && owner.boot !== ME.boot) return true; // the machine rebooted since
    if (!exists(owner.pid)) return true;
    if (owner.start && ME.start && startTime(owner.pid) !== owner.start) return true; // the pid was reused
    const open = holdsOpen(owner.pid, st);
    if (open !== undefined) return !open;
    return owner.start && ME.start ? false : !young;
    // @starter
    // throw new Error(`TODO: ownerGone() in labs/mail/lock.ts (robustness lab): is the owner of ${file} gone?`);
    // @end
  }

  /** Let go of a lock this process holds: forget it, close it and remove its file (if it is still ours). */
  unlock(maildir: string): void {
    // @stage pop3-robustness
    const h = this.held.get(maildir);
    if (!h) return;
    this.held.delete(maildir);
    try {
      // Remove the file only if it is still the one we made.
      if (lstatSync(h.file).ino === fstatSync(h.fd).ino) unlinkSync(h.file);
    } catch {
      /* already gone */
    }
    closeSync(h.fd);
    // @starter
    // // TODO (robustness lab): let go of the lock (nothing is locked yet).
    // @end
  }

  /** On exit: leave no lock behind. */
  releaseAll(): void {
    for (const maildir of [...this.held.keys()]) this.unlock(maildir);
  }
}

/**
 * Create `file` holding this process's name, atomically: written aside first,
 * then link()ed into place, which fails with EEXIST if the name is taken. On
 * success, returns a descriptor on it, kept open while the lock is held.
 */
export function claim(file: string): number | undefined {
  const aside = `${file}.tmp.${process.pid}.${randomBytes(4).toString('hex')}`;
  const fd = openSync(aside, 'wx', 0o600);
  try {
    writeSync(fd, formatOwner(ME));
    linkSync(aside, file);
    return fd;
  } catch (e) {
    closeSync(fd);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  } finally {
    unlinkSync(aside); // the lock lives on under its own name
  }
}

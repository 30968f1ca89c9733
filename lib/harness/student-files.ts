// File operations of the trusted side (root) inside a folder a student's
// program may change while the tests run (a POP3 mail root). The student may
// swap any file or folder there for a symlink, a FIFO or a hard link at any
// moment, so nothing here walks a path: each folder is opened by descriptor,
// one component at a time, with O_NOFOLLOW, and the next component is reached
// through /proc/self/fd/N (openat() without a native binding). What root makes
// there it hands to the student's uid by descriptor (fchown), never by path.
import { closeSync, constants as C, fchmodSync, fchownSync, fstatSync, ftruncateSync, futimesSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;

/** One component of a relative path: no '/', '.', '..' or empty name. */
function parts(rel: string): string[] {
  const list = rel.split('/').filter((p) => p !== '');
  for (const p of list) if (p === '.' || p === '..') throw new Error(`refusing the path '${rel}': no '.' or '..' inside a student's folder`);
  return list;
}

const at = (dirFd: number, name: string) => `/proc/self/fd/${dirFd}/${name}`;
const dirOf = (rel: string) => (path.dirname(rel) === '.' ? '' : path.dirname(rel));

export class StudentFiles {
  /**
   * `root`: a folder whose parent the student cannot change (their data folder,
   * or a folder made in it). `uid`: who gets what is made here; none outside the sandbox.
   */
  constructor(
    readonly root: string,
    readonly uid?: number,
  ) {}

  /** Run `fn` with the folder `rel` open (made, with its parents, when `make`). */
  private inDir<T>(rel: string, make: boolean, fn: (fd: number) => T): T {
    let fd = openSync(this.root, DIR_FLAGS);
    try {
      for (const name of parts(rel)) {
        if (make) {
          let made = false;
          try {
            mkdirSync(at(fd, name), { mode: this.uid === undefined ? 0o755 : 0o700 });
            made = true;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          }
          const next = openSync(at(fd, name), DIR_FLAGS);
          if (made) this.handOver(next);
          closeSync(fd);
          fd = next;
        } else {
          const next = openSync(at(fd, name), DIR_FLAGS);
          closeSync(fd);
          fd = next;
        }
      }
      return fn(fd);
    } finally {
      closeSync(fd);
    }
  }

  private handOver(fd: number): void {
    if (this.uid !== undefined) fchownSync(fd, this.uid, this.uid);
  }

  /** Make a folder and its parents (as the student's). */
  mkdirs(rel: string): void {
    this.inDir(rel, true, () => undefined);
  }

  /**
   * Write a file: 'create' (must not exist), 'append' or 'replace'. Only a
   * regular file is ever written: a FIFO or device put in its place is refused
   * (opened without blocking, checked before a byte is written).
   */
  write(rel: string, data: string | Buffer, how: 'create' | 'append' | 'replace' = 'replace', mtime?: Date): void {
    const name = path.basename(rel);
    parts(rel);
    this.inDir(dirOf(rel), false, (dirFd) => {
      const flags = C.O_WRONLY | C.O_CREAT | C.O_NOFOLLOW | C.O_NONBLOCK | (how === 'create' ? C.O_EXCL : 0) | (how === 'append' ? C.O_APPEND : 0);
      const fd = openSync(at(dirFd, name), flags, this.uid === undefined ? 0o644 : 0o600);
      try {
        const st = fstatSync(fd);
        if (!st.isFile()) throw new Error(`${rel} is not a regular file`);
        if (st.nlink > 1) throw new Error(`${rel} has other names (a hard link): refusing to write it`);
        if (how === 'replace') ftruncateSync(fd, 0);
        const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
        for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
        if (this.uid !== undefined && st.uid !== this.uid) {
          fchownSync(fd, this.uid, this.uid);
          fchmodSync(fd, 0o600);
        }
        if (mtime) futimesSync(fd, mtime, mtime);
      } finally {
        closeSync(fd);
      }
    });
  }

  /** Rename within the tree (Maildir delivery: tmp/ → new/). Neither end's last component is followed. */
  rename(fromRel: string, toRel: string): void {
    this.inDir(dirOf(fromRel), false, (from) =>
      this.inDir(dirOf(toRel), false, (to) => renameSync(at(from, path.basename(fromRel)), at(to, path.basename(toRel)))),
    );
  }

  /** Names in a folder. */
  list(rel: string): string[] {
    return this.inDir(rel, false, (fd) => readdirSync(`/proc/self/fd/${fd}`));
  }

  /** A regular file's bytes (never through a symlink, never a FIFO). */
  read(rel: string): Buffer {
    return this.inDir(dirOf(rel), false, (dirFd) => {
      const fd = openSync(at(dirFd, path.basename(rel)), C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
      try {
        if (!fstatSync(fd).isFile()) throw new Error(`${rel} is not a regular file`);
        return readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    });
  }
}

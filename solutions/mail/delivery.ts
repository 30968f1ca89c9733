// Delivery into Maildirs, the protocol every Maildir reader relies on
// (https://cr.yp.to/proto/maildir.html): a reader (the POP3 server, Dovecot,
// a mail client) never sees half a message, and two deliveries never collide.
//   1. create a file in tmp/ under a name no other delivery can pick, with
//      O_CREAT|O_EXCL ('wx'): should the name exist after all, fail rather
//      than write into someone else's file;
//   2. write the message into it, then fsync(): the bytes are on the disk,
//      not only in the kernel's cache;
//   3. link() it into each recipient's new/ (one atomic step each: the name
//      appears with the whole message behind it), fsync new/ so that the new
//      name survives a power cut too, then unlink the name in tmp/.
// A crash before step 3 leaves a file in tmp/, which readers never look at
// (a Maildir cleaner removes files there after 36 hours); a client that
// vanishes mid-message, or a server told to stop, removes it at once.
import { close, closeSync, fsync, open, unlinkSync, write } from 'node:fs';
import { link, mkdir, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const openFile = promisify(open);
const writeFile = promisify(write);
const syncFile = promisify(fsync);
const closeFile = promisify(close);

/** Message bytes kept in memory before they are written: a large message never sits whole in memory. */
const BUFFER = 64 * 1024;

/** Maildir: "/" and ":" in the host name are written \057 and \072 (":" starts the flags in cur/). */
const HOST = os.hostname().replace(/\//g, '\\057').replace(/:/g, '\\072');
let deliveries = 0;

/**
 * A unique name "<seconds>.M<microseconds>P<pid>Q<n>.<host>" and an id for
 * the Received: line and the 250 reply. The time puts deliveries in order
 * (the POP3 server numbers messages by it), the pid keeps two server
 * processes apart, and Q<n>, this process's own count, two deliveries in the
 * same microsecond.
 */
export function uniqueName(now = Date.now()): { name: string; id: string } {
  const seconds = Math.floor(now / 1000);
  const micro = String((now % 1000) * 1000).padStart(6, '0');
  const q = String(++deliveries).padStart(6, '0');
  const id = `${seconds}M${micro}P${process.pid}Q${q}`;
  return { name: `${seconds}.M${micro}P${process.pid}Q${q}.${HOST}`, id };
}

/** Write all of `data` at the file's current offset (write() may take less than it is given). */
async function writeAll(fd: number, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; ) at += (await writeFile(fd, data, at, data.length - at, null)).bytesWritten;
}

/** fsync a folder: a name created in it (by link or rename) is on the disk only after this. */
async function syncDir(dir: string): Promise<void> {
  const fd = await openFile(dir, 'r');
  try {
    await syncFile(fd);
  } finally {
    await closeFile(fd);
  }
}

/** One message on its way into one or more Maildirs. */
export class Delivery {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private fdOpen = true;
  private aborted = false;
  private committing = false;
  private committed = false;
  /** The file operation under way, if any: abort() closes the descriptor only after it. */
  private busy: Promise<unknown> | undefined;

  private constructor(
    /** The Maildirs it goes to, each once. */
    readonly maildirs: string[],
    /** Its unique name (the same in every new/) and its short id. */
    readonly name: string,
    readonly id: string,
    /** Where it is written until commit(): the first Maildir's tmp/. */
    readonly tmpFile: string,
    private readonly fd: number,
  ) {}

  /**
   * Start a delivery to these Maildirs (each created with tmp/, new/ and cur/
   * if missing): open a new file in the first one's tmp/ with the flag 'wx'
   * (O_CREAT|O_EXCL) and mode 0o600, named by uniqueName().
   */
  static async start(maildirs: string[]): Promise<Delivery> {
    if (maildirs.length === 0) throw new Error('a delivery needs at least one Maildir');
    // @stage smtp
    for (const dir of maildirs) {
      for (const sub of ['tmp', 'new', 'cur']) await mkdir(path.join(dir, sub), { recursive: true });
    }
    const { name, id } = uniqueName();
    const tmpFile = path.join(maildirs[0]!, 'tmp', name);
    const fd = await openFile(tmpFile, 'wx', 0o600);
    return new Delivery(maildirs, name, id, tmpFile, fd);
    // @starter
    // throw new Error(`TODO: Delivery.start() in labs/mail/delivery.ts (smtp lab): a new file in ${maildirs[0]}/tmp/`);
    // @end
  }

  /** Run one file operation, remembered so that abort() can wait for it. */
  private async io<T>(op: () => Promise<T>): Promise<T> {
    const p = op();
    this.busy = p;
    try {
      return await p;
    } finally {
      if (this.busy === p) this.busy = undefined;
    }
  }

  /** Append bytes of the message: kept until BUFFER bytes are waiting, then written to the file. */
  async write(bytes: Buffer): Promise<void> {
    if (this.aborted || this.committed) return;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= BUFFER) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await this.io(() => writeAll(this.fd, data));
  }

  /**
   * The message is complete: make it visible, whole, in every Maildir. Write
   * what is still buffered (flush), fsync the file and close it; link() it to
   * <maildir>/new/<name> for each Maildir and fsync each new/; then unlink the
   * tmp file. If any step fails, remove what was linked (all or nothing), let
   * abort() clean up, and throw: the client hears 451 and may try again.
   * Once begun it runs to the end: abort() meanwhile does nothing (the client
   * sent the whole message; a copy twice is better than a message lost).
   */
  async commit(): Promise<void> {
    if (this.aborted) throw new Error('the delivery was aborted');
    // @stage smtp
    this.committing = true;
    const linked: string[] = [];
    try {
      await this.flush();
      await this.io(() => syncFile(this.fd));
      this.fdOpen = false;
      await this.io(() => closeFile(this.fd));
      for (const dir of this.maildirs) {
        const target = path.join(dir, 'new', this.name);
        await this.io(() => link(this.tmpFile, target));
        linked.push(target);
        await this.io(() => syncDir(path.join(dir, 'new')));
      }
      this.committed = true;
      await this.io(() => unlink(this.tmpFile));
    } catch (e) {
      this.committing = false;
      if (!this.committed) {
        for (const target of linked) await unlink(target).catch(() => {});
        this.abort();
      }
      throw e;
    }
    // @starter
    // throw new Error(`TODO: Delivery.commit() in labs/mail/delivery.ts (smtp lab): move ${path.basename(this.tmpFile)} into new/ of ${this.maildirs.length} Maildir(s)`);
    // @end
  }

  /**
   * Give up on the message (the client left mid-message, the server is
   * stopping, the message broke a limit): unlink the tmp file at once
   * (unlinkSync, so nothing is left even if the process exits next) and close
   * the descriptor, after the write under way if there is one. Safe to call
   * at any time and more than once; once commit() has begun it does nothing.
   */
  abort(): void {
    if (this.aborted || this.committing || this.committed) return;
    this.aborted = true;
    this.pending = [];
    // @stage smtp
    try {
      unlinkSync(this.tmpFile);
    } catch {
      /* not there (any more) */
    }
    if (!this.fdOpen) return;
    this.fdOpen = false;
    const closeIt = () => {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
    };
    // Closing a descriptor while a write on it is under way could let that write land in a file opened next with the same number.
    if (this.busy) void this.busy.then(closeIt, closeIt);
    else closeIt();
    // @starter
    // // TODO (smtp lab): remove the tmp file and close the descriptor. Until then a message
    // //       that is given up stays in tmp/ for ever.
    // @end
  }
}

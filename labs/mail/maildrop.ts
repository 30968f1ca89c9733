// A user's maildrop: a Maildir (MAIL_ROOT/<user>/{cur,new,tmp}). Messages in
// new/ and cur/ are listed in a stable order; tmp/ holds deliveries in
// progress and is never read. https://cr.yp.to/proto/maildir.html
// File names are kept as bytes: a Maildir name need not be valid UTF-8, and a
// name decoded to a string with U+FFFD in it names a file nobody can open.
// Only regular files are messages: a symbolic link is never followed.
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Stuffer, WireSize } from './stuffing.ts';

export interface Message {
  /** Where the file was found, as bytes; `locate()` finds it again if another program moved it. */
  file: Buffer;
  /** The Maildir unique name: the file name up to ":" (the flags after it may change), one latin1 char per byte. */
  unique: string;
  /** RFC 1939 §7 UIDL: 1–70 characters 0x21–0x7E, the same in every session. */
  uid: string;
  /** Octets on disk. */
  fileSize: number;
  /** Octets as sent: CRLF line ends, before byte-stuffing. */
  size: number;
  deleted: boolean;
}

const SUBDIRS = ['new', 'cur'] as const;
const CHUNK = 64 * 1024;
const DOT = 0x2e;
const COLON = 0x3a;

/** Sizes as sent, by file path and size on disk: a delivered Maildir file never changes. */
const sizeCache = new Map<string, { fileSize: number; size: number }>();
const SIZE_CACHE_MAX = 100_000;

/** "1700000000.M1P2.host" sorts by its delivery time, then by name: stable across sessions. */
function deliveryOrder(a: Message, b: Message): number {
  const ta = Number(/^\d+/.exec(a.unique)?.[0] ?? Infinity);
  const tb = Number(/^\d+/.exec(b.unique)?.[0] ?? Infinity);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.unique < b.unique ? -1 : a.unique > b.unique ? 1 : 0;
}

function uidFor(unique: string): string {
  if (/^[\x21-\x7e]{1,70}$/.test(unique)) return unique;
  return createHash('md5').update(unique, 'latin1').digest('hex'); // too long or odd bytes: a stable stand-in
}

/** The file names in a Maildir subfolder, as bytes; none if it is not a folder of this maildrop. */
async function listNames(subdir: string): Promise<Buffer[]> {
  // TODO (robustness lab): a name that is not valid UTF-8 comes back here with U+FFFD in it:
  //       no file has that name, so the message silently goes missing. And a subfolder may be a link.
  return (await readdir(subdir)).map((name) => Buffer.from(name));
}

/** What is at `file`, or undefined if nothing is. */
async function look(file: string | Buffer): Promise<Stats | undefined> {
  try {
    return await stat(file); // TODO (robustness lab): this follows a symbolic link, to /etc/shadow if that is where it points
  } catch {
    return undefined;
  }
}

/** Open a message file for reading. */
function openFile(file: Buffer): Promise<FileHandle> {
  return open(file, 'r'); // TODO (robustness lab): never through a symbolic link (O_NOFOLLOW)
}

/** The size as sent: from the cache, or one read of the file. */
async function wireSize(file: Buffer, fileSize: number): Promise<number> {
  const key = file.toString('latin1');
  const cached = sizeCache.get(key);
  if (cached && cached.fileSize === fileSize) return cached.size;
  const counter = new WireSize();
  const fh = await openFile(file);
  try {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(fileSize, 1)));
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      counter.push(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  const size = counter.total();
  if (sizeCache.size >= SIZE_CACHE_MAX) sizeCache.clear();
  sizeCache.set(key, { fileSize, size });
  return size;
}

/** Run `fn` over the items, at most `limit` at a time: a big maildrop must not open thousands of files at once. */
async function eachLimited<T>(items: T[], fn: (item: T) => Promise<void>, limit = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class Maildrop {
  private constructor(
    readonly dir: string,
    readonly messages: Message[],
  ) {}

  /** Read the Maildir as it is now (creating it if the user has none yet). */
  static async open(dir: string): Promise<Maildrop> {
    await Promise.all(['cur', 'new', 'tmp'].map((d) => mkdir(path.join(dir, d), { recursive: true })));
    const candidates: { file: Buffer; unique: string }[] = [];
    const seen = new Set<string>();
    for (const sub of SUBDIRS) {
      const prefix = Buffer.from(path.join(dir, sub) + path.sep);
      for (const name of await listNames(path.join(dir, sub))) {
        if (name[0] === DOT) continue; // Maildir: names starting with "." are not messages
        const colon = name.indexOf(COLON);
        const unique = (colon < 0 ? name : name.subarray(0, colon)).toString('latin1');
        if (seen.has(unique)) continue; // mid-move from new/ to cur/ by another program: count it once
        seen.add(unique);
        candidates.push({ file: Buffer.concat([prefix, name]), unique });
      }
    }
    const found: Message[] = [];
    await eachLimited(candidates, async ({ file, unique }) => {
      const st = await look(file);
      if (!st?.isFile()) return; // removed while we looked, or not a regular file
      const size = await wireSize(file, st.size);
      found.push({ file, unique, uid: uidFor(unique), fileSize: st.size, size, deleted: false });
    });
    found.sort(deliveryOrder);
    return new Maildrop(dir, found);
  }

  /** Message `n` (1-based) if it exists and is not marked deleted. */
  get(n: number): Message | undefined {
    const m = this.messages[n - 1];
    return m && !m.deleted ? m : undefined;
  }

  /** Messages not marked deleted, with their numbers. */
  live(): { n: number; msg: Message }[] {
    const out: { n: number; msg: Message }[] = [];
    this.messages.forEach((msg, i) => {
      if (!msg.deleted) out.push({ n: i + 1, msg });
    });
    return out;
  }

  stat(): { count: number; octets: number } {
    let count = 0;
    let octets = 0;
    for (const m of this.messages) {
      if (m.deleted) continue;
      count++;
      octets += m.size;
    }
    return { count, octets };
  }

  /** The message file now: where it was, or renamed (flags) or moved to cur/ since. */
  async locate(m: Message): Promise<Buffer | undefined> {
    if (await look(m.file)) return m.file;
    // Moved: look for its unique name (bytes, compared as bytes).
    const unique = Buffer.from(m.unique, 'latin1');
    for (const sub of SUBDIRS) {
      let names: Buffer[];
      try {
        names = await listNames(path.join(this.dir, sub));
      } catch {
        continue;
      }
      const name = names.find((x) => x.equals(unique) || (x.length > unique.length && x[unique.length] === COLON && x.subarray(0, unique.length).equals(unique)));
      if (name) return (m.file = Buffer.concat([Buffer.from(path.join(this.dir, sub) + path.sep), name]));
    }
    return undefined;
  }

  /** Open a message for reading before "+OK" is promised; undefined if it is gone. */
  async openMessage(m: Message): Promise<FileHandle | undefined> {
    const file = await this.locate(m);
    if (!file) return undefined;
    try {
      return await openFile(file);
    } catch {
      return undefined; // gone, or a symbolic link now (O_NOFOLLOW: ELOOP)
    }
  }

  /**
   * RFC 1939 §6, the UPDATE state: remove (unlink) the messages marked deleted,
   * finding each with locate() first. Returns how many could not be removed.
   * Each removal is one unlink(), which is atomic: a kill at any point leaves
   * every message either whole or gone, and only marked ones can be gone.
   */
  async removeDeleted(): Promise<number> {
    throw new Error(`TODO: removeDeleted() in labs/mail/maildrop.ts (transaction lab): ${this.messages.filter((m) => m.deleted).length} marked`);
  }
}

/**
 * A message as it goes on the wire: CRLF line ends, byte-stuffed, and for TOP
 * (`bodyLines`) cut after the headers and that many body lines. Exactly
 * `fileSize` octets of the file are sent (the size measured at login), so the
 * size "+OK" announced stays true. Streamed: read a chunk (CHUNK octets, never
 * past fileSize), push it through a Stuffer (stop once stuffer.done), yield the
 * result, and at the end yield stuffer.end(). The consumer (Connection.send)
 * waits until each chunk is written before asking for the next: that is the
 * backpressure, and it lets one input and one output buffer serve the whole
 * message. The file is closed in `finally`, however the consumer stops.
 */
export async function* messageBody(fh: FileHandle, fileSize: number, bodyLines?: number): AsyncGenerator<Buffer> {
  // TODO (real-clients lab): stream it. Until then the file is read whole: fine for
  // everyday mail, 100 MB of memory for a 100 MB message.
  let data: Buffer;
  try {
    data = await fh.readFile();
  } finally {
    await fh.close();
  }
  const stuffer = new Stuffer(bodyLines);
  yield Buffer.concat([stuffer.push(data.subarray(0, fileSize)), stuffer.end()]);
}

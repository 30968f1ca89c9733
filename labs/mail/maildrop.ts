// A user's maildrop: a Maildir (MAIL_ROOT/<user>/{cur,new,tmp}). Messages in
// new/ and cur/ are listed in a stable order; tmp/ holds deliveries in
// progress and is never read. https://cr.yp.to/proto/maildir.html
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Stuffer, WireSize } from './stuffing.ts';

export interface Message {
  /** Where the file was found; `locate()` finds it again if another program moved it. */
  file: string;
  /** The Maildir unique name: the file name up to ":" (the flags after it may change). */
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
  return createHash('md5').update(unique).digest('hex'); // too long or odd bytes: a stable stand-in
}

/** The size as sent: from the cache, or one read of the file. */
async function wireSize(file: string, fileSize: number): Promise<number> {
  const cached = sizeCache.get(file);
  if (cached && cached.fileSize === fileSize) return cached.size;
  const counter = new WireSize();
  const fh = await open(file, 'r');
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
  sizeCache.set(file, { fileSize, size });
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
    const candidates: { file: string; unique: string }[] = [];
    const seen = new Set<string>();
    for (const sub of SUBDIRS) {
      for (const name of await readdir(path.join(dir, sub))) {
        if (name.startsWith('.')) continue; // Maildir: names starting with "." are not messages
        const unique = name.split(':')[0]!;
        if (seen.has(unique)) continue; // mid-move from new/ to cur/ by another program: count it once
        seen.add(unique);
        candidates.push({ file: path.join(dir, sub, name), unique });
      }
    }
    const found: Message[] = [];
    await eachLimited(candidates, async ({ file, unique }) => {
      let st;
      try {
        st = await stat(file);
      } catch {
        return; // removed while we looked
      }
      if (!st.isFile()) return;
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
  async locate(m: Message): Promise<string | undefined> {
    try {
      await stat(m.file);
      return m.file;
    } catch {
      /* moved: look for its unique name */
    }
    for (const sub of SUBDIRS) {
      let names: string[];
      try {
        names = await readdir(path.join(this.dir, sub));
      } catch {
        continue;
      }
      const name = names.find((x) => x === m.unique || x.startsWith(m.unique + ':'));
      if (name) return (m.file = path.join(this.dir, sub, name));
    }
    return undefined;
  }

  /** Open a message for reading before "+OK" is promised; undefined if it is gone. */
  async openMessage(m: Message): Promise<FileHandle | undefined> {
    const file = await this.locate(m);
    if (!file) return undefined;
    try {
      return await open(file, 'r');
    } catch {
      return undefined;
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

// A record of a conversation in the C:/S: notation of the protocol RFCs, so a
// failing test shows what was sent, what came back and where it went wrong.

export type Speaker = 'C' | 'S' | '#';

/**
 * What happened on the wire, one entry per event, for the course site's
 * pictures of a failing conversation. The text transcript is drawn from the
 * same entries (those with a `line`); events without one (a timeout, the FIN
 * that ended a wait) only appear in the picture.
 */
export type WireKind =
  | 'send' // C: bytes from the client
  | 'receive' // S: bytes from the server
  | 'note' // a remark across the conversation
  | 'close-fin' // one side closed its half (FIN)
  | 'reset' // the connection was reset (RST)
  | 'timeout' // one side waited and nothing came
  | 'pieces' // one write, sent in pieces (chaos)
  | 'exit' // a program ended while the test ran
  | 'call' // a socket call on one side (lesson diagrams)
  | 'segment'; // a bare TCP segment such as SYN (lesson diagrams)

export interface WireEntry {
  kind: WireKind;
  /** Who did it: the sender, the side that closed or exited, the side that waited. */
  who?: 'C' | 'S';
  /** Which client connection (1, 2, …), when the test opened more than one. */
  conn?: number;
  /** The entry's line in the text transcript ("C: USER alice"); events the text does not show have none. */
  line?: string;
  /** The bytes, base64, at most WIRE_BYTES of them; `size` is the whole length. */
  bytes?: string;
  size?: number;
  /** pieces: the size of each write, in the order sent; `count` when only the first are listed. */
  pieces?: number[];
  count?: number;
  /** timeout: how long the wait was. */
  ms?: number;
  /** A message the network dropped (lesson diagrams of UDP). */
  lost?: boolean;
  /** exit: how the program ended. */
  exit?: Exit;
}

export interface Exit {
  code: number | null;
  signal: string | null;
}

export interface Wire {
  entries: WireEntry[];
  /** Where the failure points: entries[at] is the last line before (or the reply instead of) what was expected. -1: before anything happened. */
  mark?: { at: number; expected: string };
  /** Entries left out of a long conversation, just before entries[at]. */
  omitted?: { at: number; count: number };
}

/** Bytes kept per entry for the picture; the text shows a summary of the rest. */
export const WIRE_BYTES = 64;
const WIRE_HEAD = 12;
const WIRE_TAIL = 40;

const PIECES_NOTE = /^\(written in (\d+) pieces?: ([\d+]+)(…)? bytes\)$/;

const bySocket = new WeakMap<object, Transcript>();

/** The transcript a test client records its socket's conversation in, if any. */
export const transcriptOf = (socket: object): Transcript | undefined => bySocket.get(socket);

/** The entries and connection count shared by every client of one test. */
class Log {
  entries: WireEntry[] = [];
  lanes = 0;
  mark: { at: number; expected: string } | undefined;
}

const MAX_ENTRIES = 40; // keep the head and the tail of long sessions
const MAX_LINE = 160;

/**
 * Show one line of a line protocol. A proper CRLF ending is implied and not
 * shown; anything else (a bare LF, a stray CR, control bytes) is made visible,
 * because that is where line-protocol bugs hide.
 */
export function showLine(raw: Buffer | string): string {
  const s = typeof raw === 'string' ? raw : raw.toString('latin1');
  const ending = s.endsWith('\r\n') ? 'crlf' : s.endsWith('\n') ? 'lf' : 'none';
  const body = s.slice(0, s.length - (ending === 'crlf' ? 2 : ending === 'lf' ? 1 : 0));
  let out = '';
  for (const ch of body) {
    const c = ch.charCodeAt(0);
    if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  if (ending === 'lf') out += '   (ended by a bare LF, not CRLF)';
  if (ending === 'none') out += '   (no line end yet)';
  return out.length > MAX_LINE ? `${out.slice(0, MAX_LINE)}… (${s.length} bytes)` : out;
}

/** Summarise a binary payload: its size and its first bytes. */
export function showBytes(buf: Buffer): string {
  const printable = buf.length > 0 && buf.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d);
  if (printable && buf.length <= 80) return JSON.stringify(buf.toString('latin1'));
  const head = [...buf.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `<${buf.length} bytes${buf.length ? `: ${head}${buf.length > 16 ? ' …' : ''}` : ''}>`;
}

export class Transcript {
  constructor(
    private readonly log = new Log(),
    /** The connection this view records for (see lane()). */
    readonly conn?: number,
  ) {}

  /**
   * A view of this transcript for one more connection: the same entries, each
   * tagged with its connection. Given the socket, writes that bypass the client
   * (chaosWrite) find their way here through transcriptOf(socket).
   */
  lane(socket?: object): Transcript {
    const view = new Transcript(this.log, ++this.log.lanes);
    if (socket) bySocket.set(socket, view);
    return view;
  }

  private push(e: WireEntry): WireEntry {
    if (this.conn !== undefined) e.conn = this.conn;
    this.log.entries.push(e);
    return e;
  }

  /** A line of the conversation; `bytes` are what went over the wire, for the picture. */
  add(who: Speaker, text: string, opts: { bytes?: Buffer } = {}): void {
    const line = `${who}: ${text}`;
    if (who === '#') {
      const pieces = PIECES_NOTE.exec(text);
      if (!pieces) this.push({ kind: 'note', line });
      else {
        const sizes = pieces[2]!.split('+').filter(Boolean).map(Number);
        const count = Number(pieces[1]);
        this.push({ kind: 'pieces', who: 'C', line, pieces: sizes, ...(count > sizes.length ? { count } : {}) });
      }
      return;
    }
    const e: WireEntry = { kind: who === 'C' ? 'send' : 'receive', who, line };
    if (opts.bytes) Object.assign(e, keep(opts.bytes));
    this.push(e);
  }

  /** A remark in the transcript (a pause, a reconnect, a seed). */
  note(text: string): void {
    this.add('#', text);
  }

  /** One side closed (FIN) or the connection was reset (RST); `text` also puts it in the text transcript. */
  closed(who: 'C' | 'S', how: 'fin' | 'reset', text?: string): void {
    this.push({ kind: how === 'fin' ? 'close-fin' : 'reset', who, ...(text === undefined ? {} : { line: `#: ${text}` }) });
  }

  /** Bytes that arrived but were never read as a reply: only the picture shows them (the failure's text says so in words). */
  unread(who: 'C' | 'S', bytes: Buffer): void {
    const e = this.push({ kind: who === 'C' ? 'send' : 'receive', who, ...keep(bytes) });
    // They came before the wait that just ran out, if one did.
    const list = this.log.entries;
    const n = list.length;
    if (n >= 2 && list[n - 2]!.kind === 'timeout') [list[n - 2], list[n - 1]] = [e, list[n - 2]!];
  }

  /** `who` waited `ms` and nothing came. Only the picture shows it: the failure's text already says so. */
  timedOut(who: 'C' | 'S', ms: number): void {
    this.push({ kind: 'timeout', who, ms });
  }

  /** One write sent in pieces: returns a function to call with each piece as it goes out. */
  pieces(who: 'C' | 'S'): (piece: Buffer) => void {
    const e = this.push({ kind: 'pieces', who, pieces: [], size: 0 });
    let kept = Buffer.alloc(0);
    return (piece) => {
      e.pieces!.push(piece.length);
      e.size! += piece.length;
      if (kept.length < WIRE_BYTES) {
        kept = Buffer.concat([kept, piece.subarray(0, WIRE_BYTES - kept.length)]);
        e.bytes = kept.toString('base64');
      }
    };
  }

  get length(): number {
    return this.log.entries.filter((e) => e.line !== undefined).length;
  }

  /** Render, optionally marking the last entry with what was expected instead. */
  render(mark?: string): string {
    const shown = this.log.entries.filter((e) => e.line !== undefined);
    let lines = shown.map((e) => e.line!);
    if (mark !== undefined) {
      const last = shown[shown.length - 1];
      this.log.mark = { at: last ? this.log.entries.indexOf(last) : -1, expected: mark };
      if (lines.length === 0) lines.push('S: (nothing)');
      lines[lines.length - 1] += `   <- ${mark}`;
    }
    if (lines.length > MAX_ENTRIES) {
      const head = lines.slice(0, 10);
      const tail = lines.slice(-(MAX_ENTRIES - 12));
      lines = [...head, `   … ${lines.length - head.length - tail.length} lines not shown …`, ...tail];
    }
    return lines.map((l) => `  ${l}`).join('\n');
  }

  /**
   * The conversation for the picture: long ones keep their head and tail, and
   * `exits` (the servers' ends, if any came while the test ran) close it.
   */
  toWire(exits: (Exit | null)[] = []): Wire {
    const all = this.log.entries.map((e) => ({ ...e }));
    for (const exit of exits) if (exit && !(exit.code === 0 && !exit.signal)) all.push({ kind: 'exit', who: 'S', exit });
    if (this.log.lanes < 2) for (const e of all) delete e.conn;
    // A chaos write the text also names ("written in N pieces: …") is one event, not two.
    for (let i = all.length - 1; i >= 0; i--) {
      const e = all[i]!;
      const same = (o: WireEntry) =>
        o.kind === 'pieces' && o.line !== undefined && (o.count ?? o.pieces!.length) === e.pieces!.length && o.pieces!.every((n, j) => n === e.pieces![j]);
      const twin = e.kind === 'pieces' && e.line === undefined && all.find(same);
      if (twin) {
        Object.assign(twin, { pieces: e.pieces, bytes: e.bytes, size: e.size });
        delete twin.count;
        all.splice(i, 1);
      }
    }
    const wire: Wire = { entries: all };
    let at = this.log.mark?.at;
    const count = all.length - WIRE_HEAD - WIRE_TAIL;
    if (count > 0) {
      wire.entries = [...all.slice(0, WIRE_HEAD), ...all.slice(-WIRE_TAIL)];
      wire.omitted = { at: WIRE_HEAD, count };
      if (at !== undefined && at >= WIRE_HEAD) at = Math.max(WIRE_HEAD, at - count);
    }
    if (this.log.mark) wire.mark = { at: at!, expected: this.log.mark.expected };
    return wire;
  }
}

function keep(bytes: Buffer): Pick<WireEntry, 'bytes' | 'size'> {
  return { bytes: bytes.subarray(0, WIRE_BYTES).toString('base64'), size: bytes.length };
}

/**
 * The wire rides to the grader as the last line of a failure's message (the
 * test runs in vitest's child process, the grader reads its JSON report).
 * Only when the grader asks for it, so vitest's own output stays readable.
 */
const WIRE_MARKER = '@@socket-kit-wire@@';
export const WIRE_ENV = 'SOCKET_KIT_WIRE';

export function wireTrailer(t: Transcript, exits: (Exit | null)[] = []): string {
  if (process.env[WIRE_ENV] !== '1') return '';
  const wire = t.toWire(exits);
  return wire.entries.length ? `\n${WIRE_MARKER}${Buffer.from(JSON.stringify(wire)).toString('base64')}` : '';
}

/** A failure message without its wire line, and the wire it carried (undefined if none, or unreadable). */
export function takeWire(message: string): { text: string; wire?: Wire } {
  let wire: Wire | undefined;
  const text = message
    .split('\n')
    .filter((line) => {
      const at = line.indexOf(WIRE_MARKER);
      if (at < 0) return true;
      try {
        const w = JSON.parse(Buffer.from(line.slice(at + WIRE_MARKER.length).trim(), 'base64').toString('utf8')) as Wire;
        if (Array.isArray(w.entries)) wire = w;
      } catch {
        /* a cut-off line: the text transcript still tells the story */
      }
      return false;
    })
    .join('\n');
  return wire ? { text, wire } : { text };
}

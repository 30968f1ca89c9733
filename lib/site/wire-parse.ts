// Conversations written as text, read into the Wire the pictures are drawn
// from. Two sources use the same notation (the grader's transcript):
//   - a failure message from a grade saved before grades carried their wire;
//   - a ```wire block in a lesson, which may also draw what a transcript
//     cannot say: closes, resets, waits, TCP segments and socket calls.
//
//   C: USER alice            a line, ended by CRLF (drawn as ␍␊)
//   S: "hello"               exact bytes, JSON escapes (a datagram, say)
//   S: <256 bytes: 00 01 …>  binary: its size and first bytes
//   C2: QUIT                 a second client connection (C1:, C2:, …)
//   #: a note               (or "# a note") a remark across the conversation
//   S: -ERR   <- expected +OK     the point where the reply was not what was expected
// and, in lessons only:
//   C: [FIN]  S: [RST]  C: [SYN]  S: [SYN, ACK]      a close, a reset, a bare segment
//   C: [wait 2 s]                                     the client waited, and nothing came
//   C: [lost] "ping"                                  a datagram the network dropped
//   S: [exit 1]                                       the server's process ended
//   C: [pieces 3+1+4] "abcdefgh"                      one write, sent in pieces
//   C| connect()   S| accept()                        a call on that side, no bytes sent
import type { Wire, WireEntry } from '../harness/transcript.ts';

const LINE = /^\s*([CS])(\d*)([:|])\s?(.*)$/;
const NOTE_LINE = /^\s*#:?\s?(.*)$/;
const MARK = /\s{2,}(?:<-|←)\s*(.*)$/;
const OMITTED = /^\s*… (\d+) lines not shown …\s*$/;
const BARE_LF = '   (ended by a bare LF, not CRLF)';
const NO_END = '   (no line end yet)';
const HEX = /^<(\d+) bytes(?:: ([0-9a-f ]+?)(?: …)?)?>/;

/** The bytes a transcript line stands for, if its notation says exactly. */
export function bytesOf(said: string): { bytes: Buffer; size: number } | undefined {
  if (said.startsWith('"')) {
    const end = said.lastIndexOf('"');
    try {
      const b = Buffer.from(JSON.parse(said.slice(0, end + 1)) as string, 'latin1');
      return { bytes: b, size: b.length };
    } catch {
      return undefined;
    }
  }
  const hex = HEX.exec(said);
  if (hex) {
    const head = (hex[2] ?? '').split(' ').filter(Boolean);
    return { bytes: Buffer.from(head.join(''), 'hex'), size: Number(hex[1]) };
  }
  if (/… \(\d+ bytes\)$/.test(said)) return undefined; // a long line, cut: its bytes are not all here
  let ending = '\r\n';
  let body = said;
  if (body.endsWith(BARE_LF)) [body, ending] = [body.slice(0, -BARE_LF.length), '\n'];
  else if (body.endsWith(NO_END)) [body, ending] = [body.slice(0, -NO_END.length), ''];
  const text = body.replace(/\\(r|n|t|x[0-9a-f]{2})/g, (_, e: string) => (e === 'r' ? '\r' : e === 'n' ? '\n' : e === 't' ? '\t' : String.fromCharCode(parseInt(e.slice(1), 16))));
  const b = Buffer.from(text + ending, 'latin1');
  return { bytes: b, size: b.length };
}

const CONTROL = /^\[(FIN|RST|SYN|ACK|SYN, ?ACK|FIN, ?ACK|(?:wait|timeout) ([\d.]+) ?(ms|s)|exit(?: (\S+))?|pieces ([\d+]+)|lost)\]\s*(.*)$/i;

/**
 * Read a transcript. `lesson` enables the bracketed events and socket calls;
 * without it every line is taken as what was said (a server may well send "[FIN]").
 */
export function parseWire(text: string, opts: { lesson?: boolean } = {}): Wire {
  const entries: WireEntry[] = [];
  const wire: Wire = { entries };
  const lanes = new Set<number>();
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    const omitted = OMITTED.exec(raw);
    if (omitted) {
      wire.omitted = { at: entries.length, count: Number(omitted[1]) };
      continue;
    }
    const m = LINE.exec(raw);
    const note = m ? undefined : NOTE_LINE.exec(raw);
    if (!m && !note) continue; // prose around the transcript
    let said = (m ? m[4] : note![1])!;
    const mark = MARK.exec(said);
    if (mark) said = said.slice(0, mark.index);
    if (m && m[1] === 'S' && said.trim() === '(nothing)' && mark) {
      // The grader's placeholder for "no line at all came": the mark belongs after what there is.
      wire.mark = { at: entries.length - 1, expected: mark[1]!.trim() };
      continue;
    }
    const line = m ? `${m[1]}: ${said}` : `#: ${said}`;
    let e: WireEntry;
    if (note) {
      e = noteEntry(said, line);
    } else {
      const who = m![1] as 'C' | 'S';
      const conn = m![2] ? Number(m![2]) : undefined;
      if (conn !== undefined) lanes.add(conn);
      if (m![3] === '|') {
        if (!opts.lesson) continue;
        e = { kind: 'call', who, line: said };
      } else {
        e = (opts.lesson && control(who, said)) || { kind: who === 'C' ? 'send' : 'receive', who, line, ...encoded(bytesOf(said)) };
      }
      if (conn !== undefined) e.conn = conn;
    }
    entries.push(e);
    if (mark) wire.mark = { at: entries.length - 1, expected: mark[1]!.trim() };
  }
  if (lanes.size < 2) for (const e of entries) delete e.conn;
  return wire;
}

function noteEntry(said: string, line: string): WireEntry {
  if (said === '(server closed the connection)') return { kind: 'close-fin', who: 'S', line };
  if (/^\(client half-closed/.test(said)) return { kind: 'close-fin', who: 'C', line };
  const pieces = /^\(written in (\d+) pieces?: ([\d+]+)(?:…)? bytes\)$/.exec(said);
  if (pieces) {
    const sizes = pieces[2]!.split('+').filter(Boolean).map(Number);
    return { kind: 'pieces', who: 'C', line, pieces: sizes, ...(Number(pieces[1]) > sizes.length ? { count: Number(pieces[1]) } : {}) };
  }
  return { kind: 'note', line };
}

function control(who: 'C' | 'S', said: string): WireEntry | undefined {
  const c = CONTROL.exec(said);
  if (!c) return undefined;
  const word = c[1]!.toUpperCase().replace(/,\s*/, ', ');
  if (word === 'FIN') return { kind: 'close-fin', who };
  if (word === 'RST') return { kind: 'reset', who };
  if (word === 'LOST') {
    const rest = c[6]!.trim();
    return { kind: who === 'C' ? 'send' : 'receive', who, line: `${who}: ${rest}`, lost: true, ...encoded(bytesOf(rest)) };
  }
  if (c[2]) return { kind: 'timeout', who, ms: Number(c[2]) * (c[3]!.toLowerCase() === 's' ? 1000 : 1) };
  if (word.startsWith('EXIT')) {
    const how = c[4];
    return { kind: 'exit', who, exit: how && /^SIG/.test(how) ? { code: null, signal: how } : { code: how ? Number(how) : 0, signal: null } };
  }
  if (c[5]) {
    const sizes = c[5].split('+').filter(Boolean).map(Number);
    const data = bytesOf(c[6]!.trim());
    return { kind: 'pieces', who, pieces: sizes, size: sizes.reduce((a, b) => a + b, 0), ...(data ? { bytes: data.bytes.toString('base64') } : {}) };
  }
  return { kind: 'segment', who, line: word };
}

const encoded = (b: { bytes: Buffer; size: number } | undefined) => (b ? { bytes: b.bytes.toString('base64'), size: b.size } : {});

/** Does this failure message hold a transcript worth drawing? */
export const hasTranscript = (message: string) => /^\s+[CS]: /m.test(message);

// A record of a conversation in the C:/S: notation of the protocol RFCs, so a
// failing test shows what was sent, what came back and where it went wrong.

export type Speaker = 'C' | 'S' | '#';

interface Entry {
  who: Speaker;
  text: string;
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
  private entries: Entry[] = [];

  add(who: Speaker, text: string): void {
    this.entries.push({ who, text });
  }

  /** A remark in the transcript (a pause, a reconnect, a seed). */
  note(text: string): void {
    this.add('#', text);
  }

  get length(): number {
    return this.entries.length;
  }

  /** Render, optionally marking the last entry with what was expected instead. */
  render(mark?: string): string {
    let lines = this.entries.map((e) => `${e.who}: ${e.text}`);
    if (mark !== undefined) {
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
}

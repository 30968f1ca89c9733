// Showing bytes off the wire to a person, for talk and spy: split a stream into
// lines, and show each with the harness's notation (showLine): a CRLF ending is
// implied, a bare LF, a stray CR or a control byte is made visible.
import { showLine } from '../harness/transcript.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * One line as text a terminal can show. UTF-8 text stays readable ("héllo");
 * bytes that are not UTF-8 are written \xNN, like control bytes.
 */
export function wireLine(raw: Buffer): string {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    text = '';
    for (const b of raw) text += b >= 0x80 ? `\\x${b.toString(16).padStart(2, '0')}` : String.fromCharCode(b);
  }
  return showLine(text);
}

/** Cuts a byte stream into lines, each with its LF; what follows the last LF waits for more. */
export class LineSplitter {
  private rest: Buffer = Buffer.alloc(0);

  /** Complete lines, ending with \n (and \r\n when the sender used CRLF). */
  push(chunk: Buffer): Buffer[] {
    const buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    const lines: Buffer[] = [];
    let start = 0;
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, start)) {
      lines.push(buf.subarray(start, i + 1));
      start = i + 1;
    }
    this.rest = Buffer.from(buf.subarray(start));
    return lines;
  }

  /** The unfinished line, if any, and forget it. */
  flush(): Buffer | undefined {
    if (this.rest.length === 0) return undefined;
    const r = this.rest;
    this.rest = Buffer.alloc(0);
    return r;
  }

  get pending(): number {
    return this.rest.length;
  }
}

/**
 * A LineSplitter that also shows an unfinished line after a quiet moment (a
 * prompt, or a server that forgot the line end), marked as such. The next piece
 * of that line then starts with "…".
 */
export class LineView {
  private readonly split = new LineSplitter();
  private timer: NodeJS.Timeout | undefined;
  private continued = false;

  constructor(
    private readonly show: (visible: string) => void,
    private readonly quietMs = 150,
  ) {}

  push(chunk: Buffer): void {
    clearTimeout(this.timer);
    for (const line of this.split.push(chunk)) this.emit(line);
    if (this.split.pending) this.timer = setTimeout(() => this.flush(), this.quietMs);
  }

  /** Show what is left now (the stream ended, or went quiet). */
  flush(): void {
    clearTimeout(this.timer);
    const rest = this.split.flush();
    if (rest) {
      this.emit(rest);
      this.continued = true;
    }
  }

  private emit(line: Buffer): void {
    this.show((this.continued ? '…' : '') + wireLine(line));
    this.continued = false;
  }
}

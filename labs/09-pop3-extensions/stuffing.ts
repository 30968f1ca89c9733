// A message as POP3 sends it: CRLF line ends, and byte-stuffed so that no line
// of it can be mistaken for the "." that ends a multi-line reply.
// RFC 1939 §3: "If any line begins with the termination octet, the line is
// "byte-stuffed" by pre-pending the termination octet to that line."
// https://www.rfc-editor.org/rfc/rfc1939#section-3

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CR_BUF = Buffer.from('\r');
const DOT_BUF = Buffer.from('.');
const CRLF_BUF = Buffer.from('\r\n');

/**
 * Turns a message, chunk by chunk, into the bytes that go on the wire: a bare
 * LF becomes CRLF, a line starting with "." gets another, and an unterminated
 * last line gets its CRLF. With `bodyLines` (TOP), it stops after the headers,
 * the blank line and that many body lines, and sets `done`.
 */
export class Stuffer {
  /** TOP: set once the cut is reached; the reader stops reading the file. */
  done = false;
  private atLineStart = true;
  private prevCR = false; // the last byte seen was CR (it may pair with an LF in the next chunk)

  constructor(bodyLines?: number) {
    if (bodyLines !== undefined) {
      // TODO: TOP. Count lines: the headers end at the first empty line (just CRLF or LF);
      //       after it, stop at the start of line bodyLines + 1: set `done` and drop the rest.
      throw new Error(`TODO: TOP's cut after ${bodyLines} body lines in Stuffer, labs/09-pop3-extensions/stuffing.ts`);
    }
  }

  push(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let start = 0; // first byte not yet copied to out
    let i = 0;
    while (i < chunk.length) {
      if (this.atLineStart) {
        if (chunk[i] === DOT) {
          out.push(chunk.subarray(start, i), DOT_BUF);
          start = i;
        }
        this.atLineStart = false;
      }
      const lf = chunk.indexOf(LF, i);
      if (lf < 0) {
        i = chunk.length;
        break;
      }
      const crBefore = lf > 0 ? chunk[lf - 1] === CR : this.prevCR;
      if (!crBefore) {
        out.push(chunk.subarray(start, lf), CR_BUF);
        start = lf;
      }
      i = lf + 1;
      this.atLineStart = true;
    }
    out.push(chunk.subarray(start, i));
    if (i > 0) this.prevCR = chunk[i - 1] === CR;
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** Bytes that finish the message: the CRLF of an unterminated last line. */
  end(): Buffer {
    if (this.atLineStart) return Buffer.alloc(0);
    this.atLineStart = true;
    return CRLF_BUF; // a CR that ends the file ended no line: it is data, like any CR not before an LF
  }
}

/**
 * Counts a message's size "as sent": CRLF line ends, without the stuffing
 * dots (RFC 1939 §11: sizes count CRLF pairs; the stuffing is transport).
 */
export class WireSize {
  octets = 0;
  private prevCR = false;
  private last = -1;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.octets += chunk.length;
    let lf = chunk.indexOf(LF);
    while (lf >= 0) {
      const crBefore = lf > 0 ? chunk[lf - 1] === CR : this.prevCR;
      if (!crBefore) this.octets++;
      lf = chunk.indexOf(LF, lf + 1);
    }
    this.prevCR = chunk[chunk.length - 1] === CR;
    this.last = chunk[chunk.length - 1]!;
  }

  total(): number {
    if (this.last === -1 || this.last === LF) return this.octets;
    return this.octets + 2; // the CRLF that Stuffer.end() adds
  }
}

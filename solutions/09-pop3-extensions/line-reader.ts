// Line framing for a POP3 command stream: bytes in, whole lines out.
// Commands end in CRLF (RFC 1939 §3); a bare LF is accepted too, so a student
// typing into `nc` without -C is still understood.

/** What the reader hands on: a command line, or word that one was too long. */
export type Input = { line: string } | { tooLong: true };

/**
 * RFC 2449 §4: "the maximum length of a command is increased ... to 255
 * octets, including the terminating CRLF". https://www.rfc-editor.org/rfc/rfc2449#section-4
 */
export const MAX_COMMAND_OCTETS = 255;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines of at most `maxOctets` (line end included).
 * A longer line is reported once as `{ tooLong: true }`, and the reader then
 * ignores the rest of the stream: it never buffers an overlong line whole.
 */
export class LineReader {
  private parts: Buffer[] = [];
  private held = 0; // bytes of the current, unfinished line
  private broken = false; // an overlong line came: the session is over

  constructor(private readonly maxOctets = MAX_COMMAND_OCTETS) {}

  /** Feed a chunk; returns the inputs it completed, in order. */
  push(chunk: Buffer): Input[] {
    const out: Input[] = [];
    if (this.broken) return out;
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf < 0 ? chunk.length : lf + 1; // this piece, its LF included
      if (this.held + (end - start) > this.maxOctets) {
        this.parts = [];
        this.held = 0;
        this.broken = true;
        out.push({ tooLong: true });
        return out;
      } else if (lf < 0) {
        // Copy: a slice would pin the whole (64 KiB) socket chunk while a client idles.
        this.parts.push(Buffer.from(chunk.subarray(start)));
        this.held += chunk.length - start;
      } else {
        this.parts.push(chunk.subarray(start, lf));
        const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
        this.parts = [];
        this.held = 0;
        const len = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
        // latin1 maps each byte to one char: binary garbage stays visible and harmless.
        out.push({ line: bytes.toString('latin1', 0, len) });
      }
      start = end;
    }
    return out;
  }
}

// Line framing for a POP3 command stream: bytes in, whole lines out. This is
// the LineDecoder you wrote in the delimiter lab (labs/05-delimiter/line-decoder.ts),
// grown up for a server: the same rule for a line end (LF, with one CR before
// it dropped, so a bare LF from `nc` works too), the same pieces-then-join
// buffering, the same limit. Two things change:
//   - push() is a generator: it hands out one line at a time, as the connection
//     asks, so a chunk of 64 KiB of empty lines is not 65,536 commands at once;
//   - a line over the limit does not end the stream: it is reported once as
//     `{ tooLong: true }` and skipped up to its LF, and the next line is a
//     fresh command (RFC 2449 §4 expects a server to say -ERR and go on).
// Commands end in CRLF (RFC 1939 §3). A line that ended in a bare LF says so
// (`bareLF`): POP3 forgives it, SMTP may not (RFC 5321 §2.3.8).

/** What the reader hands on: a line (without its line end), or word that one was too long. */
export type Input = { line: string; bareLF?: boolean } | { tooLong: true };

/**
 * RFC 2449 §4: "the maximum length of a command is increased ... to 255
 * octets, including the terminating CRLF". https://www.rfc-editor.org/rfc/rfc2449#section-4
 */
export const MAX_COMMAND_OCTETS = 255;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines of at most `maxOctets` (line end included).
 * A longer line is reported once as `{ tooLong: true }` and skipped up to its
 * LF: it is never buffered whole, so a peer sending garbage costs no memory.
 */
export class LineReader {
  private parts: Buffer[] = [];
  private held = 0; // bytes of the current, unfinished line
  private skipping = false; // inside an overlong line: drop bytes until LF

  constructor(private readonly maxOctets = MAX_COMMAND_OCTETS) {}

  /** Feed a chunk; yields the inputs it completes, in order, one at a time. */
  *push(chunk: Buffer): Generator<Input> {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf < 0 ? chunk.length : lf + 1; // this piece, its LF included
      if (this.skipping) {
        if (lf >= 0) this.skipping = false; // the overlong line is over; resync
      } else if (this.held + (end - start) > this.maxOctets) {
        this.parts = [];
        this.held = 0;
        // @stage pop3-robustness
        this.skipping = lf < 0;
        // @starter
        // // TODO (robustness lab): skip the rest of this line, up to its LF (it may come in a
        // //       later chunk): as it is, each further piece of a long line is reported again.
        // @end
        yield { tooLong: true };
      } else if (lf < 0) {
        // Copy: a slice would pin the whole (64 KiB) socket chunk while a client idles.
        this.parts.push(Buffer.from(chunk.subarray(start)));
        this.held += chunk.length - start;
      } else {
        this.parts.push(chunk.subarray(start, lf));
        const bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
        this.parts = [];
        this.held = 0;
        const crlf = bytes.length > 0 && bytes[bytes.length - 1] === CR;
        // latin1 maps each byte to one char: binary garbage stays visible and harmless.
        const line = bytes.toString('latin1', 0, crlf ? bytes.length - 1 : bytes.length);
        yield crlf ? { line } : { line, bareLF: true };
      }
      start = end;
    }
  }
}

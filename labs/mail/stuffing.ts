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
      // TODO (extensions lab): TOP. Count lines: the headers end at the first empty line (just
      //       CRLF or LF); after it, stop at the start of line bodyLines + 1: set `done`, drop the rest.
      throw new Error(`TODO: TOP's cut after ${bodyLines} body lines in Stuffer, labs/mail/stuffing.ts (extensions lab)`);
    }
  }

  /**
   * The wire bytes for the next chunk. With `into` (room for twice the chunk:
   * every byte at most doubles), they are written there rather than into a new
   * buffer, so a streaming reader can reuse its buffers and make no garbage.
   */
  push(chunk: Buffer, into?: Buffer): Buffer {
    throw new Error(`TODO: Stuffer.push() in labs/mail/stuffing.ts (transaction lab): a chunk of ${chunk.length} bytes${into ? ', and a buffer to write into' : ''}`);
  }

  /** Bytes that finish the message: the CRLF of an unterminated last line (or nothing). */
  end(): Buffer {
    throw new Error('TODO: Stuffer.end() in labs/mail/stuffing.ts (transaction lab)');
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

  /** Count the next chunk of the message. */
  push(chunk: Buffer): void {
    // TODO (transaction lab): count the message as sent. Until then, octets as stored
    // (logging in reads every message's size, so this must not throw).
    this.octets += chunk.length;
  }

  /** The size as sent, once every chunk is pushed. */
  total(): number {
    return this.octets; // TODO (transaction lab): and an unterminated last line?
  }
}

/**
 * The receiving end of the same transparency: lines of a dot-stuffed stream
 * in (SMTP's DATA, RFC 5321 §4.5.2; a POP3 multi-line reply, RFC 1939 §3),
 * the message's bytes out: the delimiter lab's dotUnstuff() and isTerminator(),
 * line by line. A line that is exactly "." ends the data; any other line
 * that begins with "." loses that first dot. Only CRLF ends a line here: a
 * line the LineReader ended at a bare LF is data, LF and all, and so is a
 * "." right after it. RFC 5321 §4.1.1.4: "<LF>.<LF>" MUST NOT end the data
 * (a server that lets it is open to "SMTP smuggling": a second message hidden
 * inside the first).
 */
export class Unstuffer {
  /** Set once the line "." has ended the data. */
  done = false;
  private lineStart = true; // the last line ended in CRLF (or there was none yet)

  /**
   * One line as the LineReader gave it (without its line end; `bareLF` if it
   * ended in LF alone): the bytes it adds to the message, line end included,
   * or undefined for the "." that ends the data (then `done` is set).
   */
  push(line: string, bareLF = false): Buffer | undefined {
    throw new Error(`TODO: Unstuffer.push() in labs/mail/stuffing.ts (smtp lab): the line ${JSON.stringify(line.slice(0, 24))}${bareLF ? ', ended by a bare LF' : ''}`);
  }

  /** A line too long to keep was skipped up to its line end: the next line starts a line. */
  skipped(): void {
    this.lineStart = true;
  }
}

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
 * last line gets its CRLF.
 */
export class Stuffer {
  private atLineStart = true;
  private prevCR = false; // the last byte seen was CR (it may pair with an LF in the next chunk)

  /** The wire bytes for the next chunk of the message (a line may span chunks). */
  push(chunk: Buffer): Buffer {
    throw new Error(`TODO: Stuffer.push() in labs/08-pop3-transaction/stuffing.ts (a chunk of ${chunk.length} bytes)`);
  }

  /** Bytes that finish the message: the CRLF of an unterminated last line (or nothing). */
  end(): Buffer {
    throw new Error('TODO: Stuffer.end() in labs/08-pop3-transaction/stuffing.ts');
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
    throw new Error(`TODO: WireSize.push() in labs/08-pop3-transaction/stuffing.ts (a chunk of ${chunk.length} bytes)`);
  }

  /** The size as sent, once every chunk is pushed. */
  total(): number {
    throw new Error('TODO: WireSize.total() in labs/08-pop3-transaction/stuffing.ts');
  }
}

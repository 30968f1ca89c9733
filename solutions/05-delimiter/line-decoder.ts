// Delimiter framing for line protocols (SMTP, POP3, this lab): a message is a
// line ended by CRLF, and a multi-line body ends with a line holding only ".".
// Self-contained, so it can be copied into any lab that speaks lines.

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/** The longest line accepted by default, in bytes, CRLF included: SMTP's limit for a line of text (RFC 5321, 4.5.3.1.6). */
export const MAX_LINE = 1000;

/** A peer sent a line longer than the limit, or kept sending without ever ending one. */
export class LineTooLongError extends Error {
  override name = 'LineTooLongError';
  constructor(readonly limit: number) {
    super(`line too long: over ${limit} bytes, line end included`);
  }
}

/** The stream ended in the middle of a line. */
export class TruncatedLineError extends Error {
  override name = 'TruncatedLineError';
}

/**
 * Cuts a byte stream into lines. A line ends at LF; a CR just before the LF is
 * part of the line end (CRLF), any other CR is data. So CRLF and a bare LF
 * both end a line, which lets people type at the server with plain `nc`.
 * Lines come out as Buffers without their line end: decode them (UTF-8 or
 * latin1) only once they are whole, never chunk by chunk. A line may be a view
 * into the chunk it came in: Buffer.from(line) before keeping it for long.
 */
export class LineDecoder {
  // Pieces of the line not yet ended, as they arrived: joined once, when its LF comes.
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** `maxLine`: the longest line accepted, in bytes, line end included. */
  constructor(readonly maxLine = MAX_LINE) {
    if (!Number.isInteger(maxLine) || maxLine < 2) throw new RangeError(`maxLine must be a whole number ≥ 2, not ${maxLine}`);
  }

  /** Feed one chunk; returns the lines it completes, in order, without line ends; throws LineTooLongError past maxLine (then drop the connection). */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    let lf = chunk.indexOf(LF);
    if (lf !== -1 && this.pendingBytes > 0) {
      // The LF ends a line begun in earlier chunks: join its pieces, once.
      const length = this.pendingBytes + lf + 1; // with its line end
      if (length > this.maxLine) throw this.overflow();
      this.pending.push(chunk.subarray(0, lf));
      const line = Buffer.concat(this.pending, length - 1);
      this.reset();
      lines.push(line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line);
      start = lf + 1;
      lf = chunk.indexOf(LF, start);
    }
    // The hot loop: lines wholly inside this chunk come out as views, no copy.
    // (Buffer.from(arrayBuffer, offset, length) makes the same view as subarray(), measurably faster here.)
    const memory = chunk.buffer;
    const base = chunk.byteOffset;
    const maxLine = this.maxLine;
    while (lf !== -1) {
      if (lf - start >= maxLine) throw this.overflow(); // the line with its LF is over maxLine
      const end = lf > start && chunk[lf - 1] === CR ? lf - 1 : lf;
      lines.push(Buffer.from(memory, base + start, end - start));
      start = lf + 1;
      lf = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) {
      this.pending.push(start === 0 ? chunk : chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
      // Even with its LF still to come, this line is already too long: stop holding it.
      if (this.pendingBytes >= this.maxLine) throw this.overflow();
    }
    return lines;
  }

  /** Call at end of stream: throws TruncatedLineError if it stopped inside a line. */
  end(): void {
    if (this.pendingBytes > 0) {
      const n = this.pendingBytes;
      this.reset();
      throw new TruncatedLineError(`stream ended in the middle of a line (${n} bytes without a line end)`);
    }
  }

  /** Bytes held for the line not yet ended (never more than maxLine). */
  get buffered(): number {
    return this.pendingBytes;
  }

  private overflow(): LineTooLongError {
    this.reset();
    return new LineTooLongError(this.maxLine);
  }

  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** One line on the wire: its bytes, then CRLF; throws RangeError if it holds an LF (that would split it in two). */
export function encodeLine(line: Buffer | string): Buffer {
  const body = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
  if (body.includes(LF)) throw new RangeError(`a line cannot contain LF (at offset ${body.indexOf(LF)}): it would end the line there`);
  return Buffer.concat([body, Buffer.from('\r\n')]);
}

/** Byte-stuff one line of a multi-line body: a line that starts with "." gets one more "." in front (RFC 1939, 3). */
export function dotStuff(line: Buffer): Buffer {
  return line[0] === DOT ? Buffer.concat([Buffer.from('.'), line]) : line;
}

/** Undo dotStuff on a received body line: drop one leading "." (call it only on lines that are not the terminator). */
export function dotUnstuff(line: Buffer): Buffer {
  return line[0] === DOT ? line.subarray(1) : line;
}

/** Is this received line the end of a multi-line body (a line holding only ".")? */
export function isTerminator(line: Buffer): boolean {
  return line.length === 1 && line[0] === DOT;
}

/** A whole multi-line body on the wire: each line stuffed and CRLF-ended, then ".\r\n". */
export function encodeBlock(lines: Buffer[]): Buffer {
  return Buffer.concat([...lines.map((l) => encodeLine(dotStuff(l))), Buffer.from('.\r\n')]);
}

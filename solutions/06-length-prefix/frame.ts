// Length-prefix framing, Type-Length-Value: every message is a 5-byte header
// (1 byte of type, 4 bytes of length, big-endian: network byte order) and
// then exactly `length` bytes of value.
//
//    0        1        2        3        4        5 ...
//   +--------+--------+--------+--------+--------+---------------------+
//   |  type  |        length (uint32, big-endian)|  value (length B)   |
//   +--------+--------+--------+--------+--------+---------------------+

/** Bytes in a frame header: 1 of type, 4 of length. */
export const HEADER_SIZE = 5;

/** The largest value accepted by default: 1 MiB. A peer may announce up to 4 GiB; we decide what we accept. */
export const MAX_VALUE = 1024 * 1024;

/** One decoded message. */
export interface Frame {
  type: number;
  value: Buffer;
}

/** A peer announced a value longer than the limit. Nothing was allocated for it; drop the connection. */
export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError';
  constructor(
    readonly announced: number,
    readonly limit: number,
  ) {
    super(`frame too large: ${announced} bytes announced, the limit is ${limit}`);
  }
}

/** The stream ended inside a frame. */
export class TruncatedFrameError extends Error {
  override name = 'TruncatedFrameError';
}

/** Encode one frame: header (type, big-endian uint32 length) then the value; throws RangeError for a type outside 0-255. */
export function encodeFrame(type: number, value: Buffer = Buffer.alloc(0)): Buffer {
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`frame type must be 0-255, not ${type}`);
  if (value.length > 0xffffffff) throw new RangeError(`a value of ${value.length} bytes does not fit a 4-byte length`);
  const header = Buffer.alloc(HEADER_SIZE);
  header[0] = type;
  header.writeUInt32BE(value.length, 1); // htonl(): network byte order
  return Buffer.concat([header, value]);
}

/** Cuts a byte stream into frames, however the bytes arrive, refusing any value longer than `maxValue`. */
export class FrameDecoder {
  // Bytes of the header or the value being collected, kept as they came and joined once complete.
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The header of the frame whose value is being collected, or null while reading a header. */
  private header: { type: number; length: number } | null = null;

  constructor(readonly maxValue = MAX_VALUE) {
    if (!Number.isInteger(maxValue) || maxValue < 0) throw new RangeError(`maxValue must be a whole number ≥ 0, not ${maxValue}`);
  }

  /** Feed one chunk; returns the frames it completes, in order; throws FrameTooLargeError on a header announcing more than maxValue. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let at = 0;
    for (;;) {
      if (this.header === null) {
        const head = this.take(chunk, at, HEADER_SIZE);
        at = head.at;
        if (!head.bytes) break;
        const length = head.bytes.readUInt32BE(1);
        // Check before waiting for (or allocating) a single byte of the value.
        if (length > this.maxValue) {
          this.reset();
          throw new FrameTooLargeError(length, this.maxValue);
        }
        this.header = { type: head.bytes[0]!, length };
      }
      const body = this.take(chunk, at, this.header.length);
      at = body.at;
      if (!body.bytes) break;
      frames.push({ type: this.header.type, value: body.bytes });
      this.header = null;
    }
    return frames;
  }

  /** Call at end of stream: throws TruncatedFrameError if it stopped inside a header or a value. */
  end(): void {
    if (this.header === null && this.pendingBytes === 0) return;
    const where = this.header === null ? `a header (${this.pendingBytes} of ${HEADER_SIZE} bytes)` : `a value (${this.pendingBytes} of ${this.header.length} bytes)`;
    this.reset();
    throw new TruncatedFrameError(`stream ended inside ${where}`);
  }

  /** Bytes held for the header or value not yet complete. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /**
   * Take `need` bytes: from what is pending plus chunk[at..]. Returns them once
   * all have arrived (a view into the chunk when they lie in it), else keeps
   * what there is and returns bytes: null. `at` is where reading goes on.
   */
  private take(chunk: Buffer, at: number, need: number): { bytes: Buffer | null; at: number } {
    if (this.pendingBytes === 0 && chunk.length - at >= need) return { bytes: chunk.subarray(at, at + need), at: at + need };
    if (at >= chunk.length && need > 0) return { bytes: null, at };
    const part = chunk.subarray(at, at + (need - this.pendingBytes));
    this.pending.push(part);
    this.pendingBytes += part.length;
    at += part.length;
    if (this.pendingBytes < need) return { bytes: null, at };
    const bytes = Buffer.concat(this.pending, need);
    this.reset();
    return { bytes, at };
  }

  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
}

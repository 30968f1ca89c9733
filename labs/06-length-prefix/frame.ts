// Lab 06 — length-prefix framing. Your task: write the three functions marked TODO.
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
  throw new Error(`TODO: encodeFrame() in labs/06-length-prefix/frame.ts is not written yet (type ${type}, a value of ${value.length} bytes)`);
}

/** Cuts a byte stream into frames, however the bytes arrive, refusing any value longer than `maxValue`. */
export class FrameDecoder {
  // TODO: fields for the header or value being collected (a list of chunks and a count keeps copying
  //       linear), and the header of the frame whose value is being collected.

  constructor(readonly maxValue = MAX_VALUE) {
    if (!Number.isInteger(maxValue) || maxValue < 0) throw new RangeError(`maxValue must be a whole number ≥ 0, not ${maxValue}`);
  }

  /** Feed one chunk; returns the frames it completes, in order; throws FrameTooLargeError on a header announcing more than maxValue. */
  push(chunk: Buffer): Frame[] {
    throw new Error(`TODO: FrameDecoder.push() in labs/06-length-prefix/frame.ts is not written yet (got a chunk of ${chunk.length} bytes; a header is ${HEADER_SIZE} bytes)`);
  }

  /** Call at end of stream: throws TruncatedFrameError if it stopped inside a header or a value. */
  end(): void {
    throw new Error('TODO: FrameDecoder.end() in labs/06-length-prefix/frame.ts is not written yet');
  }
}

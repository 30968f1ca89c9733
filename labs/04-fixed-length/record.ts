// Lab 04 — fixed-length framing. Your task: write the four functions marked TODO.
// Every message travels as one record of exactly RECORD_SIZE bytes, padded
// with NUL (0x00) bytes. The receiver needs no header and no delimiter: it counts bytes.

/** The size of one record on the wire, in bytes. */
export const RECORD_SIZE = 64;

/** The pad byte. A message may not contain it: the receiver strips it. */
export const PAD = 0x00;

/** A message that cannot be sent as a record (too long, or holding the pad byte). */
export class RecordError extends Error {
  override name = 'RecordError';
}

/** Encode one message as a record: the message, then NUL bytes up to `size`; throws RecordError if it does not fit. */
export function encodeRecord(message: Buffer, size = RECORD_SIZE): Buffer {
  throw new Error(`TODO: encodeRecord() in labs/04-fixed-length/record.ts is not written yet (got a message of ${message.length} bytes; size is ${size === RECORD_SIZE ? 'RECORD_SIZE' : size})`);
}

/** The message inside a record: the record without its trailing pad bytes. */
export function decodeRecord(record: Buffer): Buffer {
  throw new Error(`TODO: decodeRecord() in labs/04-fixed-length/record.ts is not written yet (record of ${record.length} bytes)`);
}

/** Cuts a byte stream into records of `size` bytes, however the bytes arrive. */
export class FixedLengthDecoder {
  // TODO: fields for the bytes of a record that is not complete yet.

  constructor(readonly size = RECORD_SIZE) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`record size must be a whole number ≥ 1, not ${size}`);
  }

  /** Feed the bytes of one 'data' event; returns every record they complete, in order (often none, sometimes many). */
  push(chunk: Buffer): Buffer[] {
    throw new Error(`TODO: FixedLengthDecoder.push() in labs/04-fixed-length/record.ts is not written yet (got a chunk of ${chunk.length} bytes)`);
  }

  /** Call at end of stream: throws RecordError if the stream stopped in the middle of a record. */
  end(): void {
    throw new Error('TODO: FixedLengthDecoder.end() in labs/04-fixed-length/record.ts is not written yet');
  }
}

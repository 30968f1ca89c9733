// Fixed-length framing: every message travels as one record of exactly
// RECORD_SIZE bytes, padded with NUL (0x00) bytes. The receiver needs no
// header and no delimiter: it counts bytes.

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
  if (message.length > size) {
    // Truncating would corrupt the message without a word; refusing makes the sender decide.
    throw new RecordError(`message is ${message.length} bytes; a record holds at most ${size}`);
  }
  if (message.includes(PAD)) throw new RecordError(`message contains a NUL byte at offset ${message.indexOf(PAD)}; NUL is the pad byte`);
  const record = Buffer.alloc(size, PAD);
  message.copy(record);
  return record;
}

/** The message inside a record: the record without its trailing pad bytes. */
export function decodeRecord(record: Buffer): Buffer {
  let end = record.length;
  while (end > 0 && record[end - 1] === PAD) end--;
  return record.subarray(0, end);
}

/** Cuts a byte stream into records of `size` bytes, however the bytes arrive. */
export class FixedLengthDecoder {
  // Bytes of an unfinished record, kept as the chunks they came in: joining
  // them only once the record is whole keeps the copying linear.
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(readonly size = RECORD_SIZE) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`record size must be a whole number ≥ 1, not ${size}`);
  }

  /** Feed the bytes of one 'data' event; returns every record they complete, in order (often none, sometimes many). */
  push(chunk: Buffer): Buffer[] {
    const records: Buffer[] = [];
    let at = 0;
    if (this.pendingBytes > 0) {
      // Finish the record started by earlier chunks.
      const need = this.size - this.pendingBytes;
      const part = chunk.subarray(0, need);
      this.pending.push(part);
      this.pendingBytes += part.length;
      at = part.length;
      if (this.pendingBytes < this.size) return records;
      records.push(Buffer.concat(this.pending, this.size));
      this.pending = [];
      this.pendingBytes = 0;
    }
    // Whole records inside this chunk: views into it, no copy.
    for (; at + this.size <= chunk.length; at += this.size) records.push(chunk.subarray(at, at + this.size));
    if (at < chunk.length) {
      this.pending.push(chunk.subarray(at));
      this.pendingBytes = chunk.length - at;
    }
    return records;
  }

  /** Call at end of stream: throws RecordError if the stream stopped in the middle of a record. */
  end(): void {
    if (this.pendingBytes > 0) {
      const got = this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      throw new RecordError(`stream ended in the middle of a record: ${got} of ${this.size} bytes`);
    }
  }

  /** Bytes held for the record not yet complete. */
  get buffered(): number {
    return this.pendingBytes;
  }
}

// Properties of lab 04's record.ts, run by test/drivers/framing-check.ts in a
// child process. The expected records are built here, not with the student's
// encoder, so a broken encoder cannot hide a broken decoder.
import fc from 'fast-check';
import { attempt, chunkSizes, cut, property, show, showList, sameBytes, type Verdict } from '../property.ts';

interface RecordModule {
  RECORD_SIZE: number;
  encodeRecord(message: Buffer, size?: number): Buffer;
  decodeRecord(record: Buffer): Buffer;
  FixedLengthDecoder: new (size?: number) => { push(chunk: Buffer): Buffer[]; end(): void };
}

const padded = (m: Uint8Array, size: number) => {
  const r = Buffer.alloc(size);
  r.set(m);
  return r;
};

/** A message with no NUL byte (NUL is the pad), at most `max` bytes. */
const message = (max: number) => fc.uint8Array({ min: 1, max: 255, maxLength: max });
/** A message that fits but holds a NUL byte somewhere. */
const withNul = (max: number) =>
  fc.tuple(message(max - 1), fc.nat()).map(([m, at]) => {
    const out = Buffer.from(m);
    const i = at % (out.length + 1);
    return Buffer.concat([out.subarray(0, i), Buffer.from([0]), out.subarray(i)]);
  });

export const FILE = 'record.ts';

export function checks(mod: RecordModule, opts: { runs: number; seed: number }): Verdict[] {
  const size = mod.RECORD_SIZE;
  const decoderInput = fc.record({
    size: fc.integer({ min: 1, max: 80 }),
    messages: fc.array(message(80), { maxLength: 10 }),
    sizes: chunkSizes(100),
  }).map((v) => ({ ...v, messages: v.messages.map((m) => m.subarray(0, v.size)) }));

  return [
    property('decoder', decoderInput, ({ size, messages, sizes }) => {
      const records = messages.map((m) => padded(m, size));
      const chunks = cut(Buffer.concat(records), sizes);
      const run = attempt(() => {
        const d = new mod.FixedLengthDecoder(size);
        const got = chunks.flatMap((c) => d.push(c));
        d.end();
        return got;
      });
      const setup = `new FixedLengthDecoder(${size}), fed ${records.length} record(s) holding ${showList(messages)} in chunks of ${JSON.stringify(chunks.map((c) => c.length))} bytes`;
      if ('threw' in run) return `${setup}: threw ${run.threw}`;
      const got = run.value;
      if (got.length !== records.length || got.some((r, i) => !sameBytes(r, records[i]!))) {
        return `${setup}: expected ${records.length} record(s) of ${size} bytes, got ${got.length}: ${showList(got)}`;
      }
      for (const [i, r] of got.entries()) {
        const m = attempt(() => mod.decodeRecord(r));
        if ('threw' in m) return `decodeRecord(${show(r)}) threw ${m.threw}`;
        if (!sameBytes(m.value, messages[i]!)) return `decodeRecord(${show(r)}) gave ${show(m.value)}, expected ${show(messages[i]!)}`;
      }
      return null;
    }, opts),

    property('encoder', fc.oneof(message(size), message(3 * size), withNul(size)), (m) => {
      const msg = Buffer.from(m);
      const r = attempt(() => mod.encodeRecord(msg));
      if (msg.length > size) {
        return 'threw' in r ? null : `encodeRecord(${show(msg)}) (${msg.length} bytes) returned ${show(r.value)}; a message longer than ${size} bytes must be refused with an error, not cut`;
      }
      if (msg.includes(0)) {
        // NUL is the pad: a message holding one could not be told apart from its padding.
        return 'threw' in r ? null : `encodeRecord(${show(msg)}) returned ${show(r.value)}; the message holds a NUL byte, the pad byte, so the receiver would lose what follows it: refuse it with an error`;
      }
      if ('threw' in r) return `encodeRecord(${show(msg)}) threw ${r.threw}`;
      if (!sameBytes(r.value, padded(msg, size))) return `encodeRecord(${show(msg)}) gave ${show(r.value)}; expected the message followed by NUL bytes up to ${size} bytes`;
      return null;
    }, opts),

    property('truncated', fc.record({ whole: fc.integer({ min: 0, max: 3 }), extra: fc.integer({ min: 1, max: size - 1 }) }), ({ whole, extra }) => {
      const d = new mod.FixedLengthDecoder(size);
      const bytes = Buffer.alloc(whole * size + extra, 0x61);
      const r = attempt(() => {
        const got = d.push(bytes);
        return { got: got.length, end: attempt(() => d.end()) };
      });
      if ('threw' in r) return `push() of ${bytes.length} bytes threw ${r.threw}`;
      if (r.value.got !== whole) return `push() of ${bytes.length} bytes gave ${r.value.got} record(s), expected ${whole}`;
      if (!('threw' in r.value.end)) return `after ${whole} whole record(s) and ${extra} more byte(s), end() returned quietly; a stream that stops inside a record must be reported as an error`;
      const clean = attempt(() => {
        const d2 = new mod.FixedLengthDecoder(size);
        d2.push(Buffer.alloc(whole * size, 0x61));
        d2.end();
      });
      if ('threw' in clean) return `after exactly ${whole} whole record(s), end() threw ${clean.threw}; nothing was cut short`;
      return null;
    }, opts),
  ];
}

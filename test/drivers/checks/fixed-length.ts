// Properties of the fixed-length lab's record.ts, decided on the grader's side: the inputs
// and expected records are built here (not with the student's encoder, so a
// broken encoder cannot hide a broken decoder); the student's code only runs
// the operations it is sent (target.ts) and returns what it made of them.
import fc from 'fast-check';
import { chunkSizes, cut, property, show, showList, sameBytes, type PropertyOptions, type Verdict } from '../property.ts';
import { asList, end, firstThrow, fn, get, make, push, type Target } from '../target.ts';

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

export async function checks(mod: Target, opts: PropertyOptions): Promise<Verdict[]> {
  const [sizeResult] = await mod.run([get('RECORD_SIZE')]);
  const size = sizeResult && 'value' in sizeResult && typeof sizeResult.value === 'number' ? sizeResult.value : 64;
  const decoderInput = fc.record({
    size: fc.integer({ min: 1, max: 80 }),
    messages: fc.array(message(80), { maxLength: 10 }),
    sizes: chunkSizes(100),
  }).map((v) => ({ ...v, messages: v.messages.map((m) => m.subarray(0, v.size)) }));

  return [
    await property('decoder', decoderInput, async ({ size, messages, sizes }) => {
      const records = messages.map((m) => padded(m, size));
      const chunks = cut(Buffer.concat(records), sizes);
      const run = await mod.run([make('FixedLengthDecoder', size), ...chunks.map(push), end()]);
      const setup = `new FixedLengthDecoder(${size}), fed ${records.length} record(s) holding ${showList(messages)} in chunks of ${JSON.stringify(chunks.map((c) => c.length))} bytes`;
      const threw = firstThrow(run);
      if (threw) return `${setup}: threw ${threw}`;
      const got = run.slice(1, 1 + chunks.length).flatMap((r) => asList('value' in r ? r.value : [])) as Buffer[];
      if (got.length !== records.length || got.some((r, i) => !sameBytes(r, records[i]!))) {
        return `${setup}: expected ${records.length} record(s) of ${size} bytes, got ${got.length}: ${showList(got)}`;
      }
      const decoded = await mod.run(got.map((r) => fn('decodeRecord', r)));
      for (const [i, r] of got.entries()) {
        const m = decoded[i]!;
        if ('threw' in m) return `decodeRecord(${show(r)}) threw ${m.threw}`;
        if (!sameBytes(m.value as Buffer, messages[i]!)) return `decodeRecord(${show(r)}) gave ${show(m.value as Buffer)}, expected ${show(messages[i]!)}`;
      }
      return null;
    }, opts),

    // Long messages explicitly: fast-check keeps generated arrays short unless told otherwise, and a refusal is what is tested.
    await property('encoder', fc.oneof(message(size), fc.uint8Array({ min: 1, max: 255, minLength: size + 1, maxLength: 3 * size }), withNul(size)), async (m) => {
      const msg = Buffer.from(m);
      const [r] = await mod.run([fn('encodeRecord', msg)]);
      if (msg.length > size) {
        return !r || 'threw' in r ? null : `encodeRecord(${show(msg)}) (${msg.length} bytes) returned ${show((r as { value: unknown }).value)}; a message longer than ${size} bytes must be refused with an error, not cut`;
      }
      if (msg.includes(0)) {
        // NUL is the pad: a message holding one could not be told apart from its padding.
        return !r || 'threw' in r ? null : `encodeRecord(${show(msg)}) returned ${show(r.value)}; the message holds a NUL byte, the pad byte, so the receiver would lose what follows it: refuse it with an error`;
      }
      if (!r || 'threw' in r) return `encodeRecord(${show(msg)}) threw ${r?.threw}`;
      if (!sameBytes(r.value as Buffer, padded(msg, size))) return `encodeRecord(${show(msg)}) gave ${show(r.value as Buffer)}; expected the message followed by NUL bytes up to ${size} bytes`;
      return null;
    }, opts),

    await property('truncated', fc.record({ whole: fc.integer({ min: 0, max: 3 }), extra: fc.integer({ min: 1, max: size - 1 }) }), async ({ whole, extra }) => {
      const bytes = Buffer.alloc(whole * size + extra, 0x61);
      const [made, pushed, ended] = await mod.run([make('FixedLengthDecoder', size), push(bytes), end()]);
      if (made && 'threw' in made) return `new FixedLengthDecoder(${size}) threw ${made.threw}`;
      if (!pushed || 'threw' in pushed) return `push() of ${bytes.length} bytes threw ${pushed?.threw}`;
      const got = asList(pushed.value).length;
      if (got !== whole) return `push() of ${bytes.length} bytes gave ${got} record(s), expected ${whole}`;
      if (ended && !('threw' in ended)) return `after ${whole} whole record(s) and ${extra} more byte(s), end() returned quietly; a stream that stops inside a record must be reported as an error`;
      const clean = firstThrow(await mod.run([make('FixedLengthDecoder', size), push(Buffer.alloc(whole * size, 0x61)), end()]));
      if (clean) return `after exactly ${whole} whole record(s), end() threw ${clean}; nothing was cut short`;
      return null;
    }, opts),
  ];
}

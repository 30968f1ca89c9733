// Properties of the length-prefix lab's frame.ts, decided on the grader's side. Wire bytes
// are built here (type, uint32 big-endian length, value), not with the
// student's encoder; the student's code only runs the operations it is sent
// (target.ts) and returns what it made of them.
import fc from 'fast-check';
import { chunkSizes, cut, property, show, type PropertyOptions, type Verdict } from '../property.ts';
import { asList, end, firstThrow, fn, make, push, type Target } from '../target.ts';

interface Frame {
  type: number;
  value: Buffer;
}

export const FILE = 'frame.ts';

function wire(type: number, length: number, value: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(5);
  h[0] = type;
  h.writeUInt32BE(length, 1);
  return Buffer.concat([h, value]);
}
const wireFrame = (f: Frame) => wire(f.type, f.value.length, f.value);
const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
const showFrames = (fs: Frame[]) => `[${fs.map((f) => `{type ${typeof f?.type === 'number' ? hex(f.type) : show(f?.type)}, value ${show(f?.value)}}`).join(', ')}]`;

const frame = (maxLength: number) =>
  fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength }).map((a) => Buffer.from(a)) });

export async function checks(mod: Target, opts: PropertyOptions): Promise<Verdict[]> {
  return [
    await property('decoder', fc.record({ frames: fc.array(frame(300), { maxLength: 8 }), sizes: chunkSizes(120) }), async ({ frames, sizes }) => {
      const chunks = cut(Buffer.concat(frames.map(wireFrame)), sizes);
      const maxValue = Math.max(0, ...frames.map((f) => f.value.length));
      const run = await mod.run([make('FrameDecoder', maxValue), ...chunks.map(push), end()]);
      const setup = `new FrameDecoder(${maxValue}) fed ${showFrames(frames)} in chunks of ${JSON.stringify(chunks.map((c) => c.length))} bytes`;
      const threw = firstThrow(run);
      if (threw) return `${setup}: threw ${threw}`;
      const got = run.slice(1, 1 + chunks.length).flatMap((r) => asList('value' in r ? r.value : [])) as Frame[];
      const same = got.length === frames.length && got.every((f, i) => f?.type === frames[i]!.type && (f.value instanceof Uint8Array || Array.isArray(f.value)) && Buffer.from(f.value).equals(frames[i]!.value));
      return same ? null : `${setup}: got ${showFrames(got)}`;
    }, opts),

    await property(
      'limit',
      fc.record({
        maxValue: fc.integer({ min: 0, max: 1000 }),
        over: fc.oneof(fc.constant(0xffffffff - 1000), fc.integer({ min: 1, max: 0xffffffff - 1000 })),
        sizes: chunkSizes(6),
      }),
      async ({ maxValue, over, sizes }) => {
        // A frame of exactly maxValue is fine; then a header announcing more, and no value at all.
        const atLimit = cut(wire(0x01, maxValue, Buffer.alloc(maxValue, 0x61)), sizes);
        const announced = maxValue + over;
        const header = cut(wire(0x02, announced), sizes);
        const setup = `new FrameDecoder(${maxValue})`;
        const run = await mod.run([make('FrameDecoder', maxValue), ...atLimit.map(push), ...header.map(push)]);
        if (run[0] && 'threw' in run[0]) return `${setup} threw ${run[0].threw}`;
        const okThrew = firstThrow(run.slice(1, 1 + atLimit.length));
        if (okThrew) return `${setup} fed a frame whose value is exactly ${maxValue} bytes: threw ${okThrew}; a value at the limit is allowed`;
        const ok = run.slice(1, 1 + atLimit.length).flatMap((r) => asList('value' in r ? r.value : [])) as Frame[];
        if (ok.length !== 1 || (ok[0]?.value as Buffer | undefined)?.length !== maxValue) return `${setup} fed one frame whose value is ${maxValue} bytes: got ${ok.length} frame(s)`;
        if (firstThrow(run.slice(1 + atLimit.length))) return null; // refused at the header: what we want (any error will do)
        const fed = header.reduce((n, c) => n + c.length, 0);
        return `${setup} fed a header announcing ${announced} bytes (over the limit of ${maxValue}), in chunks of ${JSON.stringify(sizes)}: no error after all ${fed} header bytes. Refuse it as soon as the header is complete, before any value byte arrives`;
      },
      opts,
    ),

    await property('encoder', frame(300), async ({ type, value }) => {
      const [r] = await mod.run([fn('encodeFrame', type, value)]);
      const want = wire(type, value.length, value);
      if (!r || 'threw' in r) return `encodeFrame(${hex(type)}, ${show(value)}) threw ${r?.threw}`;
      return r.value instanceof Uint8Array && Buffer.from(r.value).equals(want) ? null : `encodeFrame(${hex(type)}, ${show(value)}) gave ${show(r.value)}, expected ${show(want)} (type, then the length as 4 bytes big-endian, then the value)`;
    }, opts),

    await property('truncated', fc.record({ frames: fc.array(frame(20), { minLength: 1, maxLength: 4 }), stop: fc.nat() }), async ({ frames, stop }) => {
      const bytes = Buffer.concat(frames.map(wireFrame));
      const at = stop % (bytes.length + 1);
      const boundaries = new Set<number>([0]);
      let sum = 0;
      for (const f of frames) boundaries.add((sum += 5 + f.value.length));
      const setup = `new FrameDecoder(1000) fed the first ${at} of the ${bytes.length} bytes of ${showFrames(frames)}, then end()`;
      const [made, pushed, ended] = await mod.run([make('FrameDecoder', 1000), push(bytes.subarray(0, at)), end()]);
      if (made && 'threw' in made) return `${setup}: new FrameDecoder(1000) threw ${made.threw}`;
      if (!pushed || 'threw' in pushed) return `${setup}: push() threw ${pushed?.threw}`;
      if (boundaries.has(at) && ended && 'threw' in ended) return `${setup}: end() threw ${ended.threw}, but the stream stopped between frames`;
      if (!boundaries.has(at) && ended && !('threw' in ended)) return `${setup}: end() returned quietly; a stream that stops inside a frame must be reported as an error`;
      return null;
    }, opts),
  ];
}

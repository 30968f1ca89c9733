// Properties of lab 06's frame.ts, run by test/drivers/framing-check.ts in a
// child process. Wire bytes are built here (type, uint32 big-endian length,
// value), not with the student's encoder.
import fc from 'fast-check';
import { attempt, chunkSizes, cut, property, show, type Verdict } from '../property.ts';

interface Frame {
  type: number;
  value: Buffer;
}
interface FrameModule {
  FrameDecoder: new (maxValue?: number) => { push(chunk: Buffer): Frame[]; end(): void };
  encodeFrame(type: number, value?: Buffer): Buffer;
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
const showFrames = (fs: Frame[]) => `[${fs.map((f) => `{type ${hex(f.type)}, value ${show(f.value)}}`).join(', ')}]`;

const frame = (maxLength: number) =>
  fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength }).map((a) => Buffer.from(a)) });

export function checks(mod: FrameModule, opts: { runs: number; seed: number }): Verdict[] {
  return [
    property('decoder', fc.record({ frames: fc.array(frame(300), { maxLength: 8 }), sizes: chunkSizes(120) }), ({ frames, sizes }) => {
      const chunks = cut(Buffer.concat(frames.map(wireFrame)), sizes);
      const maxValue = Math.max(0, ...frames.map((f) => f.value.length));
      const run = attempt(() => {
        const d = new mod.FrameDecoder(maxValue);
        const got = chunks.flatMap((c) => d.push(c));
        d.end();
        return got;
      });
      const setup = `new FrameDecoder(${maxValue}) fed ${showFrames(frames)} in chunks of ${JSON.stringify(chunks.map((c) => c.length))} bytes`;
      if ('threw' in run) return `${setup}: threw ${run.threw}`;
      const got = run.value;
      const same = got.length === frames.length && got.every((f, i) => f.type === frames[i]!.type && Buffer.from(f.value).equals(frames[i]!.value));
      return same ? null : `${setup}: got ${showFrames(got.map((f) => ({ type: f.type, value: Buffer.from(f.value ?? []) })))}`;
    }, opts),

    property(
      'limit',
      fc.record({
        maxValue: fc.integer({ min: 0, max: 1000 }),
        over: fc.oneof(fc.constant(0xffffffff - 1000), fc.integer({ min: 1, max: 0xffffffff - 1000 })),
        sizes: chunkSizes(6),
      }),
      ({ maxValue, over, sizes }) => {
        // A frame of exactly maxValue is fine; then a header announcing more, and no value at all.
        const atLimit = wire(0x01, maxValue, Buffer.alloc(maxValue, 0x61));
        const announced = maxValue + over;
        const d = new mod.FrameDecoder(maxValue);
        const setup = `new FrameDecoder(${maxValue})`;
        const ok = attempt(() => cut(atLimit, sizes).flatMap((c) => d.push(c)));
        if ('threw' in ok) return `${setup} fed a frame whose value is exactly ${maxValue} bytes: threw ${ok.threw}; a value at the limit is allowed`;
        if (ok.value.length !== 1 || ok.value[0]!.value.length !== maxValue) return `${setup} fed one frame whose value is ${maxValue} bytes: got ${ok.value.length} frame(s)`;
        let fed = 0;
        for (const c of cut(wire(0x02, announced), sizes)) {
          fed += c.length;
          const r = attempt(() => d.push(c));
          if ('threw' in r) return null; // refused at the header: what we want (any error will do)
        }
        return `${setup} fed a header announcing ${announced} bytes (over the limit of ${maxValue}), in chunks of ${JSON.stringify(sizes)}: no error after all ${fed} header bytes. Refuse it as soon as the header is complete, before any value byte arrives`;
      },
      opts,
    ),

    property('encoder', frame(300), ({ type, value }) => {
      const r = attempt(() => mod.encodeFrame(type, value));
      const want = wire(type, value.length, value);
      if ('threw' in r) return `encodeFrame(${hex(type)}, ${show(value)}) threw ${r.threw}`;
      return Buffer.from(r.value).equals(want) ? null : `encodeFrame(${hex(type)}, ${show(value)}) gave ${show(r.value)}, expected ${show(want)} (type, then the length as 4 bytes big-endian, then the value)`;
    }, opts),

    property('truncated', fc.record({ frames: fc.array(frame(20), { minLength: 1, maxLength: 4 }), stop: fc.nat() }), ({ frames, stop }) => {
      const bytes = Buffer.concat(frames.map(wireFrame));
      const at = stop % (bytes.length + 1);
      const boundaries = new Set<number>([0]);
      let sum = 0;
      for (const f of frames) boundaries.add((sum += 5 + f.value.length));
      const setup = `new FrameDecoder(1000) fed the first ${at} of the ${bytes.length} bytes of ${showFrames(frames)}, then end()`;
      const r = attempt(() => {
        const d = new mod.FrameDecoder(1000);
        d.push(bytes.subarray(0, at));
        return attempt(() => d.end());
      });
      if ('threw' in r) return `${setup}: push() threw ${r.threw}`;
      if (boundaries.has(at) && 'threw' in r.value) return `${setup}: end() threw ${r.value.threw}, but the stream stopped between frames`;
      if (!boundaries.has(at) && !('threw' in r.value)) return `${setup}: end() returned quietly; a stream that stops inside a frame must be reported as an error`;
      return null;
    }, opts),
  ];
}

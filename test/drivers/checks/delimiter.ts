// Properties of the delimiter lab's line-decoder.ts, decided on the grader's side. The
// wire bytes are built here, not with the student's encoder, so one broken
// function cannot hide another; the student's code only runs the operations it
// is sent (target.ts) and returns what it made of them.
import fc from 'fast-check';
import { chunkSizes, cut, property, show, showList, sameBytes, type PropertyOptions, type Verdict } from '../property.ts';
import { asList, end, firstThrow, fn, make, push, type Result, type Target } from '../target.ts';

/** The lines a run of push() calls gave back, in order (results 1..n of a run that starts with make()). */
const pushed = (rs: Result[], n: number) => rs.slice(1, 1 + n).flatMap((r) => asList('value' in r ? r.value : []));

export const FILE = 'line-decoder.ts';

const LF = 0x0a;
const CR = 0x0d;

/** Line content: any bytes but LF, with CR, "." and multi-byte UTF-8 common enough to matter. */
const lineBytes = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...Buffer.from('ab .')) },
        { weight: 1, arbitrary: fc.constant(CR) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).filter((b) => b !== LF) },
        { weight: 1, arbitrary: fc.constantFrom(...Buffer.from('é✓')) },
      ),
      { maxLength },
    )
    .map((a) => Buffer.from(a));

/** A line and how it ends on the wire. A bare LF after a CR would read as CRLF, so such lines get CRLF. */
const wireLine = (maxLength: number) =>
  fc.record({ text: lineBytes(maxLength), bareLF: fc.boolean() }).map(({ text, bareLF }) => ({
    text,
    end: bareLF && text[text.length - 1] !== CR ? '\n' : '\r\n',
  }));

const showEnds = (lines: { text: Buffer; end: string }[]) => `[${lines.map((l) => `${show(l.text)}+${l.end === '\n' ? 'LF' : 'CRLF'}`).join(', ')}]`;

export async function checks(mod: Target, opts: PropertyOptions): Promise<Verdict[]> {
  return [
    await property(
      'decoder',
      fc.record({ maxLine: fc.integer({ min: 2, max: 120 }), lines: fc.array(wireLine(118), { maxLength: 12 }), sizes: chunkSizes(100) }).map((v) => ({
        ...v,
        lines: v.lines.map((l) => ({ ...l, text: l.text.subarray(0, v.maxLine - 2) })).map((l) => ({ ...l, end: l.text[l.text.length - 1] === CR ? '\r\n' : l.end })),
      })),
      async ({ maxLine, lines, sizes }) => {
        const chunks = cut(Buffer.concat(lines.map((l) => Buffer.concat([l.text, Buffer.from(l.end)]))), sizes);
        const run = await mod.run([make('LineDecoder', maxLine), ...chunks.map(push), end()]);
        const setup = `new LineDecoder(${maxLine}) fed the lines ${showEnds(lines)} in chunks of ${JSON.stringify(chunks.map((c) => c.length))} bytes`;
        const threw = firstThrow(run);
        if (threw) return `${setup}: threw ${threw}`;
        const got = pushed(run, chunks.length);
        const want = lines.map((l) => l.text);
        if (got.length !== want.length || got.some((l, i) => !sameBytes(l, want[i]!))) {
          return `${setup}: expected ${showList(want)} (no line ends), got ${showList(got)}`;
        }
        return null;
      },
      opts,
    ),

    await property(
      'too-long',
      fc.record({ maxLine: fc.integer({ min: 2, max: 300 }), extra: fc.integer({ min: 0, max: 3000 }), sizes: chunkSizes(400), before: fc.boolean() }),
      async ({ maxLine, extra, sizes, before }) => {
        // Just fits: maxLine bytes with its CRLF. Then a line that never ends.
        const fits = before ? cut(Buffer.concat([Buffer.alloc(maxLine - 2, 0x78), Buffer.from('\r\n')]), sizes) : [];
        const endless = cut(Buffer.alloc(maxLine + extra, 0x79), sizes);
        const setup = `new LineDecoder(${maxLine})`;
        // One decoder, fed the line that fits and then the endless one; it stops at the first throw.
        const run = await mod.run([make('LineDecoder', maxLine), ...fits.map(push), ...endless.map(push)]);
        if (run[0] && 'threw' in run[0]) return `${setup} threw ${run[0].threw}`;
        if (before) {
          const threw = firstThrow(run.slice(1, 1 + fits.length));
          if (threw) return `${setup} fed a line of exactly ${maxLine} bytes, CRLF included: threw ${threw}; a line at the limit is allowed`;
          const got = pushed(run, fits.length);
          if (got.length !== 1 || (got[0] as Buffer | undefined)?.length !== maxLine - 2) return `${setup} fed one line of exactly ${maxLine} bytes, CRLF included: got ${showList(got)}`;
        }
        // One byte over, line end and all: refused too, wherever the chunks are cut (an off-by-one limit passes the endless line).
        const over = cut(Buffer.concat([Buffer.alloc(maxLine - 1, 0x7a), Buffer.from('\r\n')]), sizes);
        const overRun = await mod.run([make('LineDecoder', maxLine), ...over.map(push)]);
        if (!firstThrow(overRun.slice(1))) return `${setup} fed a line of ${maxLine + 1} bytes, CRLF included (one over the limit): got ${showList(pushed(overRun, over.length))} instead of an error`;
        let fed = 0;
        for (const [i, c] of endless.entries()) {
          const r = run[1 + fits.length + i]!;
          fed += c.length;
          if ('threw' in r) return null; // refused it: what we want (any error will do)
          const got = asList(r.value);
          if (got.length > 0) return `${setup} fed ${fed} bytes with no LF: push() returned lines ${showList(got)}`;
          if (fed > maxLine) return `${setup} fed ${fed} bytes with no LF in chunks of ${JSON.stringify(sizes)}: still no error. A line longer than ${maxLine} bytes must be refused as soon as it is longer, not buffered`;
        }
        return `${setup} fed ${fed} bytes with no LF: push() never threw`;
      },
      opts,
    ),

    await property(
      'dot-stuffing',
      fc.record({ lines: fc.array(fc.oneof(lineBytes(20), fc.constantFrom('.', '..', '.x', 'x.', '...').map((s) => Buffer.from(s))), { maxLength: 10 }), sizes: chunkSizes(30) }),
      async ({ lines, sizes }) => {
        const stuffed = await mod.run(lines.map((l) => fn('dotStuff', l)));
        for (const [i, l] of lines.entries()) {
          const s = stuffed[i]!;
          if ('threw' in s) return `dotStuff(${show(l)}) threw ${s.threw}`;
          const want = l[0] === 0x2e ? Buffer.concat([Buffer.from('.'), l]) : l;
          if (!sameBytes(s.value, want)) return `dotStuff(${show(l)}) gave ${show(s.value)}, expected ${show(want)}`;
        }
        // A block on the wire, stuffed by us; the student's decoder and dotUnstuff must read it back.
        const wire = Buffer.concat([...lines.map((l) => Buffer.concat([l[0] === 0x2e ? Buffer.from('.') : Buffer.alloc(0), l, Buffer.from('\r\n')])), Buffer.from('.\r\nafter\r\n')]);
        const chunks = cut(wire, sizes);
        const setup = `the block ${showList(lines)} sent stuffed, ended by ".", in chunks of ${JSON.stringify(sizes)}`;
        const decoded = await mod.run([make('LineDecoder', 1000), ...chunks.map(push)]);
        const threw = firstThrow(decoded);
        if (threw) return `${setup}: threw ${threw}`;
        const all = pushed(decoded, chunks.length);
        const dot = all.findIndex((line) => line instanceof Uint8Array && line.length === 1 && line[0] === 0x2e);
        if (dot < 0) return `${setup}: the decoder never returned the "." line`;
        const unstuffed = await mod.run(all.slice(0, dot).map((line) => fn('dotUnstuff', line)));
        const unstuffThrew = firstThrow(unstuffed);
        if (unstuffThrew) return `${setup}: threw ${unstuffThrew}`;
        const got = unstuffed.map((r) => ('value' in r ? r.value : undefined));
        if (got.length !== lines.length || got.some((l, i) => !sameBytes(l, lines[i]!))) {
          return `${setup}: read back (after dotUnstuff) ${showList(got)}`;
        }
        return null;
      },
      opts,
    ),

    await property('truncated', fc.record({ whole: fc.array(lineBytes(10), { maxLength: 3 }), partial: lineBytes(10) }), async ({ whole, partial }) => {
      const setup = `new LineDecoder(1000) fed ${showList(whole)} as CRLF lines, then ${show(partial)} without a line end, then end()`;
      const [made, pushedOnce, ended] = await mod.run([make('LineDecoder', 1000), push(Buffer.concat([...whole.map((l) => Buffer.concat([l, Buffer.from('\r\n')])), partial])), end()]);
      if (made && 'threw' in made) return `${setup}: new LineDecoder(1000) threw ${made.threw}`;
      if (!pushedOnce || 'threw' in pushedOnce) return `${setup}: push() threw ${pushedOnce?.threw}`;
      if (partial.length > 0 && ended && !('threw' in ended)) return `${setup}: end() returned quietly; a stream that stops inside a line must be reported as an error`;
      if (partial.length === 0 && ended && 'threw' in ended) return `${setup}: end() threw ${ended.threw}, but every line was complete`;
      return null;
    }, opts),
  ];
}

// Properties of lab 05's line-decoder.ts, run by test/drivers/framing-check.ts
// in a child process. The wire bytes are built here, not with the student's
// encoder, so one broken function cannot hide another.
import fc from 'fast-check';
import { attempt, chunkSizes, cut, property, show, showList, sameBytes, type Verdict } from '../property.ts';

interface LineModule {
  LineDecoder: new (maxLine?: number) => { push(chunk: Buffer): Buffer[]; end(): void };
  dotStuff(line: Buffer): Buffer;
  dotUnstuff(line: Buffer): Buffer;
}

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

export function checks(mod: LineModule, opts: { runs: number; seed: number }): Verdict[] {
  return [
    property(
      'decoder',
      fc.record({ maxLine: fc.integer({ min: 2, max: 120 }), lines: fc.array(wireLine(118), { maxLength: 12 }), sizes: chunkSizes(100) }).map((v) => ({
        ...v,
        lines: v.lines.map((l) => ({ ...l, text: l.text.subarray(0, v.maxLine - 2) })).map((l) => ({ ...l, end: l.text[l.text.length - 1] === CR ? '\r\n' : l.end })),
      })),
      ({ maxLine, lines, sizes }) => {
        const chunks = cut(Buffer.concat(lines.map((l) => Buffer.concat([l.text, Buffer.from(l.end)]))), sizes);
        const run = attempt(() => {
          const d = new mod.LineDecoder(maxLine);
          const got = chunks.flatMap((c) => d.push(c));
          d.end();
          return got;
        });
        const setup = `new LineDecoder(${maxLine}) fed the lines ${showEnds(lines)} in chunks of ${JSON.stringify(chunks.map((c) => c.length))} bytes`;
        if ('threw' in run) return `${setup}: threw ${run.threw}`;
        const want = lines.map((l) => l.text);
        if (run.value.length !== want.length || run.value.some((l, i) => !sameBytes(l, want[i]!))) {
          return `${setup}: expected ${showList(want)} (no line ends), got ${showList(run.value)}`;
        }
        return null;
      },
      opts,
    ),

    property(
      'too-long',
      fc.record({ maxLine: fc.integer({ min: 2, max: 300 }), extra: fc.integer({ min: 0, max: 3000 }), sizes: chunkSizes(400), before: fc.boolean() }),
      ({ maxLine, extra, sizes, before }) => {
        // Just fits: maxLine bytes with its CRLF. Then a line that never ends.
        const fits = Buffer.concat([Buffer.alloc(maxLine - 2, 0x78), Buffer.from('\r\n')]);
        const endless = Buffer.alloc(maxLine + extra, 0x79);
        const d = new mod.LineDecoder(maxLine);
        const setup = `new LineDecoder(${maxLine})`;
        if (before) {
          const r = attempt(() => cut(fits, sizes).flatMap((c) => d.push(c)));
          if ('threw' in r) return `${setup} fed a line of exactly ${maxLine} bytes, CRLF included: threw ${r.threw}; a line at the limit is allowed`;
          if (r.value.length !== 1 || r.value[0]!.length !== maxLine - 2) return `${setup} fed one line of exactly ${maxLine} bytes, CRLF included: got ${showList(r.value)}`;
        }
        let fed = 0;
        for (const c of cut(endless, sizes)) {
          const r = attempt(() => d.push(c));
          fed += c.length;
          if ('threw' in r) return null; // refused it: what we want (any error will do)
          if (r.value.length > 0) return `${setup} fed ${fed} bytes with no LF: push() returned lines ${showList(r.value)}`;
          if (fed > maxLine) return `${setup} fed ${fed} bytes with no LF in chunks of ${JSON.stringify(sizes)}: still no error. A line longer than ${maxLine} bytes must be refused as soon as it is longer, not buffered`;
        }
        return `${setup} fed ${fed} bytes with no LF: push() never threw`;
      },
      opts,
    ),

    property(
      'dot-stuffing',
      fc.record({ lines: fc.array(fc.oneof(lineBytes(20), fc.constantFrom('.', '..', '.x', 'x.', '...').map((s) => Buffer.from(s))), { maxLength: 10 }), sizes: chunkSizes(30) }),
      ({ lines, sizes }) => {
        for (const l of lines) {
          const s = attempt(() => mod.dotStuff(l));
          if ('threw' in s) return `dotStuff(${show(l)}) threw ${s.threw}`;
          const want = l[0] === 0x2e ? Buffer.concat([Buffer.from('.'), l]) : l;
          if (!sameBytes(s.value, want)) return `dotStuff(${show(l)}) gave ${show(s.value)}, expected ${show(want)}`;
        }
        // A block on the wire, stuffed by us; the student's decoder and dotUnstuff must read it back.
        const wire = Buffer.concat([...lines.map((l) => Buffer.concat([l[0] === 0x2e ? Buffer.from('.') : Buffer.alloc(0), l, Buffer.from('\r\n')])), Buffer.from('.\r\nafter\r\n')]);
        const run = attempt(() => {
          const d = new mod.LineDecoder(1000);
          const got: Buffer[] = [];
          for (const line of cut(wire, sizes).flatMap((c) => d.push(c))) {
            if (line.length === 1 && line[0] === 0x2e) return got;
            got.push(mod.dotUnstuff(line));
          }
          return null;
        });
        const setup = `the block ${showList(lines)} sent stuffed, ended by ".", in chunks of ${JSON.stringify(sizes)}`;
        if ('threw' in run) return `${setup}: threw ${run.threw}`;
        if (run.value === null) return `${setup}: the decoder never returned the "." line`;
        if (run.value.length !== lines.length || run.value.some((l, i) => !sameBytes(l, lines[i]!))) {
          return `${setup}: read back (after dotUnstuff) ${showList(run.value)}`;
        }
        return null;
      },
      opts,
    ),

    property('truncated', fc.record({ whole: fc.array(lineBytes(10), { maxLength: 3 }), partial: lineBytes(10) }), ({ whole, partial }) => {
      const setup = `new LineDecoder(1000) fed ${showList(whole)} as CRLF lines, then ${show(partial)} without a line end, then end()`;
      const r = attempt(() => {
        const d = new mod.LineDecoder(1000);
        d.push(Buffer.concat([...whole.map((l) => Buffer.concat([l, Buffer.from('\r\n')])), partial]));
        return attempt(() => d.end());
      });
      if ('threw' in r) return `${setup}: push() threw ${r.threw}`;
      if (partial.length > 0 && !('threw' in r.value)) return `${setup}: end() returned quietly; a stream that stops inside a line must be reported as an error`;
      if (partial.length === 0 && 'threw' in r.value) return `${setup}: end() threw ${r.value.threw}, but every line was complete`;
      return null;
    }, opts),
  ];
}

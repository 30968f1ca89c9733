// The reference decoders of labs 04-06, property-tested in process with the
// same properties the graded driver runs on a student's code; and the same
// properties shown to catch the classic mistake (a chunk taken for a message),
// so a graded decoder test cannot pass by accident.
import { describe, expect, test } from 'vitest';
import * as record from '../../solutions/04-fixed-length/record.ts';
import * as lines from '../../solutions/05-delimiter/line-decoder.ts';
import * as frames from '../../solutions/06-length-prefix/frame.ts';
import * as fixedChecks from '../drivers/checks/fixed-length.ts';
import * as lineChecks from '../drivers/checks/delimiter.ts';
import * as frameChecks from '../drivers/checks/length-prefix.ts';
import type { Verdict } from '../drivers/property.ts';

const opts = { runs: 300, seed: Number(process.env.SOCKET_KIT_SEED) || 42 };

function expectAllHold(verdicts: Verdict[]): void {
  const failed = verdicts.filter((v) => !v.ok).map((v) => `${v.name}: ${v.failure}`);
  expect(failed).toEqual([]);
}

/** A decoder with the bug lesson 04 opens with: every chunk is one message. */
class ChunkIsAMessage {
  push(chunk: Buffer) {
    return chunk.length ? [chunk] : [];
  }
  end() {}
}

describe('03 fixed-length: reference record.ts', () => {
  test('every property holds', () => expectAllHold(fixedChecks.checks(record as never, opts)));
  test('the decoder property catches a chunk taken for a record, with a readable counterexample', () => {
    const broken = { ...record, FixedLengthDecoder: ChunkIsAMessage };
    const v = fixedChecks.checks(broken as never, opts).find((x) => x.name === 'decoder')!;
    expect(v.ok).toBe(false);
    expect(v.failure).toMatch(/in chunks of \[.*\] bytes: expected \d+ record/);
  });
});

describe('04 delimiter: reference line-decoder.ts', () => {
  test('every property holds', () => expectAllHold(lineChecks.checks(lines as never, opts)));
  test('the decoder property catches a chunk taken for a line', () => {
    const broken = { ...lines, LineDecoder: ChunkIsAMessage };
    expect(lineChecks.checks(broken as never, opts).find((x) => x.name === 'decoder')!.ok).toBe(false);
  });
  test('a bare CR is data, CRLF and bare LF end lines, and nothing is held after a refusal', () => {
    const d = new lines.LineDecoder(10);
    expect(d.push(Buffer.from('a\rb\r\nc\nd\r')).map(String)).toEqual(['a\rb', 'c']);
    expect(d.push(Buffer.from('\n')).map(String)).toEqual(['d']);
    expect(() => d.push(Buffer.alloc(5000, 0x78))).toThrow(lines.LineTooLongError);
    expect(d.buffered).toBe(0);
  });
  test('encodeBlock stuffs and terminates; encodeLine refuses an LF inside a line', () => {
    expect(lines.encodeBlock([Buffer.from('.a'), Buffer.from('b'), Buffer.from('.')]).toString()).toBe('..a\r\nb\r\n..\r\n.\r\n');
    expect(() => lines.encodeLine('two\nlines')).toThrow(RangeError);
  });
});

describe('05 length-prefix: reference frame.ts', () => {
  test('every property holds', () => expectAllHold(frameChecks.checks(frames as never, opts)));
  test('the decoder property catches a chunk taken for a frame', () => {
    class ChunkIsAFrame {
      push(c: Buffer) {
        return c.length ? [{ type: c[0]!, value: c.subarray(5) }] : [];
      }
      end() {}
    }
    const broken = { ...frames, FrameDecoder: ChunkIsAFrame };
    expect(frameChecks.checks(broken as never, opts).find((x) => x.name === 'decoder')!.ok).toBe(false);
  });
  test('a 4 GiB announcement is refused from the header alone, holding nothing', () => {
    const d = new frames.FrameDecoder();
    expect(() => d.push(Buffer.from([0x02, 0xff, 0xff, 0xff, 0xff]))).toThrow(frames.FrameTooLargeError);
    expect(d.buffered).toBe(0);
  });
});

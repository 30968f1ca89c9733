// The reference decoders of the framing labs, property-tested in process (localTarget)
// with the same properties the graded tests run on a student's code; and the same
// properties shown to catch the classic mistake (a chunk taken for a message),
// so a graded decoder test cannot pass by accident.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { kitPath } from '../../lib/paths.ts';
import * as record from '../../solutions/04-fixed-length/record.ts';
import * as lines from '../../solutions/05-delimiter/line-decoder.ts';
import * as frames from '../../solutions/06-length-prefix/frame.ts';
import * as fixedChecks from '../drivers/checks/fixed-length.ts';
import * as lineChecks from '../drivers/checks/delimiter.ts';
import * as frameChecks from '../drivers/checks/length-prefix.ts';
import type { Verdict } from '../drivers/property.ts';
import { localTarget, sandboxedTarget } from '../drivers/target.ts';

const opts = { runs: 300, seed: Number(process.env.SOCKET_KIT_SEED) || 42 };

function expectAllHold(verdicts: Verdict[]): void {
  const failed = verdicts.filter((v) => !v.ok).map((v) => `${v.name}: ${v.failure}`);
  expect(failed).toEqual([]);
}

/** A decoder with the bug the fixed-length lesson opens with: every chunk is one message. */
class ChunkIsAMessage {
  push(chunk: Buffer) {
    return chunk.length ? [chunk] : [];
  }
  end() {}
}

describe('03 fixed-length: reference record.ts', () => {
  test('every property holds', async () => expectAllHold(await fixedChecks.checks(localTarget(record), opts)));
  test('the decoder property catches a chunk taken for a record, with a readable counterexample', async () => {
    const broken = { ...record, FixedLengthDecoder: ChunkIsAMessage };
    const v = (await fixedChecks.checks(localTarget(broken), opts)).find((x) => x.name === 'decoder')!;
    expect(v.ok).toBe(false);
    expect(v.failure).toMatch(/in chunks of \[.*\] bytes: expected \d+ record/);
  });
});

describe('04 delimiter: reference line-decoder.ts', () => {
  test('every property holds', async () => expectAllHold(await lineChecks.checks(localTarget(lines), opts)));
  test('the decoder property catches a chunk taken for a line', async () => {
    const broken = { ...lines, LineDecoder: ChunkIsAMessage };
    expect((await lineChecks.checks(localTarget(broken), opts)).find((x) => x.name === 'decoder')!.ok).toBe(false);
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
  test('every property holds', async () => expectAllHold(await frameChecks.checks(localTarget(frames), opts)));
  test('the decoder property catches a chunk taken for a frame', async () => {
    class ChunkIsAFrame {
      push(c: Buffer) {
        return c.length ? [{ type: c[0]!, value: c.subarray(5) }] : [];
      }
      end() {}
    }
    const broken = { ...frames, FrameDecoder: ChunkIsAFrame };
    expect((await frameChecks.checks(localTarget(broken), opts)).find((x) => x.name === 'decoder')!.ok).toBe(false);
  });
  test('a 4 GiB announcement is refused from the header alone, holding nothing', () => {
    const d = new frames.FrameDecoder();
    expect(() => d.push(Buffer.from([0x02, 0xff, 0xff, 0xff, 0xff]))).toThrow(frames.FrameTooLargeError);
    expect(d.buffered).toBe(0);
  });
});

describe('the graded side decides: a decoder run out of process (sandboxedTarget) can only return outputs', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-framing-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const reference = readFileSync(kitPath('solutions', '04-fixed-length', 'record.ts'), 'utf8');
  /** The reference record.ts with its push() replaced. */
  function variant(name: string, push: string): string {
    const file = path.join(dir, name, 'record.ts');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${reference.replace(/push\(chunk: Buffer\): Buffer\[\] \{/, `push(chunk: Buffer): Buffer[] {\n${push}\n`)}`);
    return file;
  }
  async function verdictsOf(file: string): Promise<Verdict[]> {
    const target = await sandboxedTarget(file);
    try {
      return await fixedChecks.checks(target, { runs: 50, seed: 7 });
    } finally {
      await target.close();
    }
  }

  test('a decoder that prints verdicts, and replies in the worker\'s own format, passes nothing by it', async () => {
    const forged = JSON.stringify({ verdicts: ['decoder', 'encoder', 'truncated'].map((name) => ({ name, ok: true, runs: 150, seed: 1 })) });
    const file = variant('forger', [
      `console.log(${JSON.stringify(forged)});`,
      `for (let id = 0; id < 500; id++) console.log('@@socket-kit ' + id + ' {"results":[{"v":{"$u":1}},{"v":[]},{"v":[]}]}');`,
      `return [];`,
    ].join('\n'));
    const v = await verdictsOf(file);
    expect(v.find((x) => x.name === 'decoder')!.ok).toBe(false);
    expect(v.find((x) => x.name === 'truncated')!.ok).toBe(false);
  });

  test('a decoder that never returns fails its properties in bounded time, saying so', async () => {
    const started = Date.now();
    const v = await verdictsOf(variant('hang', 'if (chunk.length > 0) for (;;) {}'));
    expect(v.find((x) => x.name === 'decoder')!.failure).toMatch(/did not return within \d+(\.\d)? s: an endless loop/);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);

  test('a decoder that kills its process fails with how it ended', async () => {
    const v = await verdictsOf(variant('exit', 'if (chunk.length > 3) process.exit(9);'));
    expect(v.find((x) => x.name === 'decoder')!.failure).toMatch(/exited with code 9/);
  });
});

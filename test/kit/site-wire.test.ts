// The wire pictures' data and drawing, without a browser: what the harness
// records as a test talks to a real server on loopback, how it rides to the
// grade, how text (old grades, lessons) is read back, and what the SVG says.
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { chaosWrite } from '../../lib/harness/chaos.ts';
import { LabFailure } from '../../lib/harness/failure.ts';
import { TcpClient } from '../../lib/harness/tcp-client.ts';
import { Transcript, WIRE_ENV, takeWire, wireTrailer, type Wire } from '../../lib/harness/transcript.ts';
import { parseWire } from '../../lib/site/wire-parse.ts';
import { wireSvg, wireText } from '../../lib/site/wire-svg.ts';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A one-connection server on loopback that does what `serve` says with each client. */
async function server(serve: (s: net.Socket) => void): Promise<number> {
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    closers.push(() => s.destroy());
    serve(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closers.push(() => srv.close());
  return (srv.address() as net.AddressInfo).port;
}

async function failure(run: () => Promise<unknown>): Promise<LabFailure> {
  try {
    await run();
  } catch (e) {
    if (e instanceof LabFailure) return e;
    throw e;
  }
  throw new Error('expected a LabFailure');
}

const kinds = (w: Wire) => w.entries.map((e) => `${e.kind}${e.who ? ':' + e.who : ''}`);
const bytes = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('latin1');

describe('what the harness records', () => {
  test('a wrong reply: the bytes both ways, and the mark on the reply; the text transcript is as it always was', async () => {
    const port = await server((s) => s.once('data', () => s.write('-ERR no\n')));
    const t = new Transcript();
    const c = await TcpClient.connect(port, { transcript: t, timeoutMs: 2000 });
    closers.push(() => c.close());
    const err = await failure(() => c.command('USER alice', /^\+OK/));
    expect(err.message).toContain('  C: USER alice\n  S: -ERR no   (ended by a bare LF, not CRLF)   <- expected');
    const wire = t.toWire();
    expect(kinds(wire)).toEqual(['send:C', 'receive:S']);
    expect(bytes(wire.entries[0]!.bytes)).toBe('USER alice\r\n');
    expect(bytes(wire.entries[1]!.bytes)).toBe('-ERR no\n');
    expect(wire.mark).toEqual({ at: 1, expected: 'expected a reply to \'USER alice\', ended by CRLF ("\\r\\n")' });
  });

  test('silence is a time-out, a close is a FIN, a reset is an RST: drawn, though the text never had lines for them', async () => {
    const quiet = await server(() => {});
    const t1 = new Transcript();
    const c1 = await TcpClient.connect(quiet, { transcript: t1, timeoutMs: 200 });
    closers.push(() => c1.close());
    await failure(() => c1.command('STAT', /^\+OK/));
    expect(kinds(t1.toWire())).toEqual(['send:C', 'timeout:C']);
    expect(t1.toWire().entries[1]!.ms).toBe(200);
    expect(t1.render()).toBe('  C: STAT');

    const closing = await server((s) => s.once('data', () => s.end()));
    const t2 = new Transcript();
    const c2 = await TcpClient.connect(closing, { transcript: t2 });
    closers.push(() => c2.close());
    await failure(() => c2.command('QUIT', /^\+OK/));
    expect(kinds(t2.toWire())).toEqual(['send:C', 'close-fin:S']);

    const resetting = await server((s) => s.once('data', () => s.resetAndDestroy()));
    const t3 = new Transcript();
    const c3 = await TcpClient.connect(resetting, { transcript: t3 });
    closers.push(() => c3.close());
    await failure(() => c3.command('RETR 1', /^\+OK/));
    expect(kinds(t3.toWire())).toEqual(['send:C', 'reset:S']);
  });

  test('a chaos write is one entry holding the pieces actually sent; two clients of one test are two connections', async () => {
    const port = await server((s) => s.on('data', () => {}));
    const t = new Transcript();
    const [a, b] = await Promise.all([TcpClient.connect(port, { transcript: t }), TcpClient.connect(port, { transcript: t })]);
    closers.push(() => a.close(), () => b.close());
    const data = Buffer.from('hello, records come in pieces');
    await chaosWrite(a.socket, data, 7);
    b.send('NOOP');
    const wire = t.toWire();
    expect(kinds(wire)).toEqual(['pieces:C', 'send:C']);
    const pieces = wire.entries[0]!;
    expect(pieces.pieces!.reduce((x, y) => x + y, 0)).toBe(data.length);
    expect(pieces.pieces!.length).toBeGreaterThan(1);
    expect(bytes(pieces.bytes)).toBe(data.toString());
    expect(wire.entries.map((e) => e.conn)).toEqual([1, 2]);
    expect(t.render()).toBe('  C: NOOP'); // the pieces are the test's to describe in words
  });

  test('the wire rides on the failure message only when the grader asks, and comes off it whole', () => {
    const t = new Transcript();
    t.add('C', 'RETR 1', { bytes: Buffer.from('RETR 1\r\n') });
    t.add('S', '.', { bytes: Buffer.from('.\r\n') });
    const text = `the reply was wrong.\n${t.render('expected the message')}\n\nHint 1 of 2: read the body.`;
    const saved = process.env[WIRE_ENV];
    try {
      delete process.env[WIRE_ENV];
      expect(wireTrailer(t)).toBe(''); // vitest run by hand: the output stays readable
      process.env[WIRE_ENV] = '1';
      const carried = takeWire(`LabFailure: ${text}${wireTrailer(t, [{ code: 1, signal: null }])}\n    at x (y.ts:1:1)`);
      expect(carried.text).toBe(`LabFailure: ${text}\n    at x (y.ts:1:1)`);
      expect(kinds(carried.wire!)).toEqual(['send:C', 'receive:S', 'exit:S']);
      expect(carried.wire!.mark).toEqual({ at: 1, expected: 'expected the message' });
      // A line cut short (a truncated report) loses the picture, never the words.
      const cut = takeWire(`${text}${wireTrailer(t).slice(0, 40)}`);
      expect(cut).toEqual({ text });
    } finally {
      if (saved === undefined) delete process.env[WIRE_ENV];
      else process.env[WIRE_ENV] = saved;
    }
  });
});

describe('transcripts written as text', () => {
  test("an old grade's message: the transcript lines, their bytes, and where it went wrong", () => {
    const wire = parseWire('waited for a reply; instead, nothing.\n  S: +OK ready\n  C: STAT\n  S: (nothing)   <- expected a reply to \'STAT\'\n\nHint 1 of 3: reply.');
    expect(kinds(wire)).toEqual(['receive:S', 'send:C']);
    expect(bytes(wire.entries[0]!.bytes)).toBe('+OK ready\r\n');
    expect(wire.mark).toEqual({ at: 1, expected: "expected a reply to 'STAT'" });
    const bare = parseWire('  S: -ERR x   (ended by a bare LF, not CRLF)\n  S: "a\\u0000b"\n  S: <300 bytes: 00 ff …>');
    expect(bare.entries.map((e) => bytes(e.bytes))).toEqual(['-ERR x\n', 'a\0b', '\x00\xff']);
    expect(bare.entries[2]!.size).toBe(300);
    // Brackets mean nothing in a grade: a server may well send "[FIN]".
    expect(kinds(parseWire('  S: [FIN]'))).toEqual(['receive:S']);
  });

  test('a lesson may also draw closes, resets, waits, losses, pieces, calls, segments and several clients', () => {
    const wire = parseWire(
      ['C1| connect()', 'C1: [SYN]', 'S1: [SYN, ACK]', 'C2: [lost] "ping"', 'C2: [wait 500 ms]', 'C1: [pieces 2+3] "hello"', 'S: [RST]', 'C1: [FIN]', 'S: [exit SIGKILL]', '# a note'].join('\n'),
      { lesson: true },
    );
    expect(kinds(wire)).toEqual(['call:C', 'segment:C', 'segment:S', 'send:C', 'timeout:C', 'pieces:C', 'reset:S', 'close-fin:C', 'exit:S', 'note']);
    expect(wire.entries.map((e) => e.conn)).toEqual([1, 1, 1, 2, 2, 1, undefined, 1, undefined, undefined]);
    expect(wire.entries[3]!.lost).toBe(true);
    expect(wire.entries[4]!.ms).toBe(500);
    expect(wire.entries[5]!.pieces).toEqual([2, 3]);
    expect(wire.entries[8]!.exit).toEqual({ code: null, signal: 'SIGKILL' });
  });
});

describe('the picture', () => {
  const svgOf = (w: Wire, id = 'w') => wireSvg(w, { id, describedBy: `${id}-text` }).text;
  const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

  test('an arrow per message with its bytes made visible; what came in red, what was expected beside it', () => {
    const wire = parseWire('  S: +OK ready\n  C: USER <b>alice</b>\n  S: -ERR x   (ended by a bare LF, not CRLF)   <- expected "+OK"');
    const svg = svgOf(wire);
    expect(count(svg, /class="w-arrow /g)).toBe(4); // three messages and the expected one
    expect(svg).toContain('USER &lt;b&gt;alice&lt;/b&gt;<tspan class="w-crlf">\\r\\n</tspan>');
    expect(svg).not.toContain('<b>');
    expect(svg).toMatch(/class="w-label w-bad">-ERR x<tspan class="w-ctl">\\n<\/tspan><tspan class="w-b w-bad"> bare LF/);
    expect(svg).toMatch(/<g class="w-row w-expected">.*expected &quot;\+OK&quot;/s);
    expect(svg).toContain('aria-describedby="w-text"');
    expect(svg).toContain('marker-end="url(#w-head)"'); // ids carry the figure's prefix, so two figures on a page do not clash
    expect(wireText(wire)).toBe('S: +OK ready\nC: USER <b>alice</b>\nS: -ERR x   (ended by a bare LF, not CRLF)   <- expected "+OK"');
  });

  test('binary is hex, a padded record reads as text, a time-out and a crash are drawn as such', () => {
    const w: Wire = {
      entries: [
        { kind: 'send', who: 'C', line: 'C: <256 bytes: 00 01 …>', bytes: Buffer.from([0, 1, 2, 3, 250, 251, 252, 253, 254]).toString('base64'), size: 256 },
        { kind: 'receive', who: 'S', line: 'S: <64 bytes: 52 45 …>', bytes: Buffer.concat([Buffer.from('RECORD 1'), Buffer.alloc(56)]).toString('base64'), size: 64 },
        { kind: 'timeout', who: 'C', ms: 3000 },
        { kind: 'exit', who: 'S', exit: { code: 1, signal: null } },
      ],
    };
    const svg = svgOf(w);
    expect(svg).toContain('256 bytes</tspan><tspan class="w-hex">  00 01 02 03 fa fb fc fd …</tspan>');
    expect(svg).toContain('RECORD 1<tspan class="w-ctl">\\0×56</tspan>');
    expect(svg).toContain('waited 3 s: nothing came');
    expect(svg).toContain('the server exited with code 1');
  });

  test('up to three connections get a lifeline each; more share one, each arrow tagged with its connection', () => {
    const many = (n: number): Wire => ({ entries: Array.from({ length: n }, (_, i) => ({ kind: 'send' as const, who: 'C' as const, line: `C: "hi ${i}"`, conn: i + 1 })) });
    expect(count(svgOf(many(3)), /<g class="w-head w-c">/g)).toBe(3);
    const crowd = svgOf(many(20));
    expect(count(crowd, /<g class="w-head w-c">/g)).toBe(1);
    expect(crowd).toContain('>20 clients<');
    expect(crowd).toContain('<tspan class="w-m">#17 </tspan>');
  });
});

// spy relays every byte exactly, in both directions, half-closes included, and
// prints the conversation as a timestamped C:/S: transcript. With --chaos the
// bytes are re-chunked, and the same seed cuts them the same way again.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { KIT_ROOT, TSX_LOADER } from '../../lib/paths.ts';
import { ChaosCutter, streamSeed } from '../../lib/tools/chaos-relay.ts';
import { startSpy, type Spy, type SpyOptions } from '../../lib/tools/spy.ts';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const within = <T>(what: string, p: Promise<T>, ms = 5000) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms).unref())]);

/** A server that records what it receives and runs `script` on each connection. */
async function upstream(script: (c: net.Socket, got: () => Buffer) => void) {
  const conns: { bytes: Buffer[]; chunks: number; ended: Promise<void> }[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (c) => {
    sockets.add(c);
    c.once('close', () => sockets.delete(c));
    const rec = { bytes: [] as Buffer[], chunks: 0, ended: new Promise<void>((r) => c.once('end', () => r())) };
    conns.push(rec);
    c.on('data', (d: Buffer) => (rec.bytes.push(d), rec.chunks++));
    c.on('error', () => {});
    script(c, () => Buffer.concat(rec.bytes));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = () => new Promise<void>((r) => {
    for (const c of sockets) c.destroy();
    server.close(() => r());
  });
  closers.push(close);
  return { port: (server.address() as net.AddressInfo).port, conns, close };
}

async function spyTo(port: number, extra: Partial<SpyOptions> = {}): Promise<{ spy: Spy; log: string[] }> {
  const log: string[] = [];
  const spy = await startSpy({ listenPort: 0, to: { host: '127.0.0.1', port }, log: (l) => log.push(l), ...extra });
  closers.push(() => spy.close());
  return { spy, log };
}

/** Connect, send, half-close, read everything the server sends until it closes. */
async function exchange(port: number, send: Buffer[], opts: { waitFirst?: number } = {}): Promise<Buffer> {
  const c = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  closers.push(() => c.destroy());
  const got: Buffer[] = [];
  c.on('data', (d: Buffer) => got.push(d));
  const ended = new Promise<void>((r) => c.once('end', () => r()));
  await within('connection to the spy', new Promise<void>((r) => c.once('connect', () => r())));
  if (opts.waitFirst) await within('the server\'s first bytes', new Promise<void>((r) => {
    const check = () => (Buffer.concat(got).length >= opts.waitFirst! ? r() : c.once('data', check));
    check();
  }));
  for (const b of send) c.write(b);
  c.end();
  await within('the server to close', ended);
  return Buffer.concat(got);
}

test('relays CRLF lines and binary exactly; a client half-close still gets the server\'s reply; the transcript shows both sides', async () => {
  const reply = Buffer.concat([Buffer.from('+OK 256 octets\r\nbare\n'), ALL_BYTES, Buffer.from('\r\n.\r\n')]);
  const srv = await upstream((c) => c.once('end', () => c.end(reply))); // answer only after the client's FIN
  const { spy, log } = await spyTo(srv.port);
  const sent = [Buffer.from('USER bob\r\n'), Buffer.from('RETR 1\r\n'), ALL_BYTES];
  const back = await exchange(spy.port, sent);

  expect(back.equals(reply)).toBe(true);
  await within('the server to see the FIN', srv.conns[0]!.ended);
  expect(Buffer.concat(srv.conns[0]!.bytes).equals(Buffer.concat(sent))).toBe(true);

  await within('the spy to log the close', (async () => { while (!log.some((l) => / closed \(/.test(l))) await new Promise((r) => setTimeout(r, 10)); })());
  const text = log.join('\n');
  expect(log.every((l) => /^\d\d:\d\d:\d\d\.\d{3} #1 [CS#]: /.test(l))).toBe(true);
  expect(text).toMatch(/#1 C: USER bob$/m);
  expect(text).toMatch(/#1 C: RETR 1$/m);
  expect(text).toMatch(/#1 C: \(half-close: the client sent FIN/m);
  expect(text).toMatch(/#1 S: \+OK 256 octets$/m);
  expect(text).toMatch(/#1 S: bare {3}\(ended by a bare LF, not CRLF\)$/m);
  expect(text).toMatch(/#1 S: \\x00\\x01\\x02/m); // binary made visible
  expect(text).toMatch(/#1 #: closed \(client sent 274 bytes, server sent 282\)/);
  // The client's FIN comes after its last byte, and the server's reply after that.
  const order = ['C: RETR 1', 'C: (half-close', 'S: +OK 256'].map((s) => log.findIndex((l) => l.includes(s)));
  expect(order).toEqual([...order].sort((a, b) => a - b));
});

test('a server half-close reaches the client while the client keeps sending', async () => {
  const srv = await upstream((c) => c.end('+OK greeting, then FIN\r\n')); // the server is done talking at once
  const { spy, log } = await spyTo(srv.port);
  const late = randomBytes(5000);
  const back = await exchange(spy.port, [late], { waitFirst: 24 }); // sent after the server's FIN arrived
  expect(back.toString()).toBe('+OK greeting, then FIN\r\n');
  await within('the server to see the FIN', srv.conns[0]!.ended);
  expect(Buffer.concat(srv.conns[0]!.bytes).equals(late)).toBe(true);
  expect(log.join('\n')).toMatch(/S: \(half-close: the server sent FIN/);
});

test('chaos re-chunks both directions; the same seed cuts the same way, another seed differently', async () => {
  const payload = Buffer.from(Array.from({ length: 60 }, (_, i) => `line ${i}\r\n`).join(''));
  const srv = await upstream((c) => c.once('end', () => c.end(payload)));
  async function run(seed: number) {
    const { spy, log } = await spyTo(srv.port, { chaos: { seed, maxChunk: 7, maxDelayMs: 2 }, view: 'chunks' });
    const back = await exchange(spy.port, [payload]);
    await spy.close();
    const sizes = (who: string) => log.filter((l) => new RegExp(`#1 ${who}: \\d+ B`).test(l)).map((l) => Number(/ (\d+) B /.exec(l)![1]));
    return { back, c: sizes('C'), s: sizes('S'), server: srv.conns.at(-1)! };
  }
  const a = await run(42);
  const b = await run(42);
  const other = await run(43);
  for (const r of [a, b, other]) {
    expect(r.back.equals(payload)).toBe(true); // every byte, in order, both ways
    expect(Buffer.concat(r.server.bytes).equals(payload)).toBe(true);
    expect(r.c.reduce((x, y) => x + y, 0)).toBe(payload.length);
    expect(Math.max(...r.c, ...r.s)).toBeLessThanOrEqual(7);
  }
  expect(a.c.length).toBeGreaterThan(payload.length / 7);
  expect(a.server.chunks).toBeGreaterThan(1); // the server really saw the stream in pieces
  expect(b.c).toEqual(a.c);
  expect(b.s).toEqual(a.s);
  expect(other.c).not.toEqual(a.c);
  // The cuts are the seeded ones: what the cutter alone makes of the same bytes.
  expect(a.c).toEqual(new ChaosCutter(streamSeed(42, 1, 'C'), 7).cut(payload).map((p) => p.length));
});

test('npm run spy -- --listen 0 prints the port it chose, and forwards through it; an unreachable server is reported', async () => {
  const srv = await upstream((c) => c.on('data', (d) => c.write(d))); // echo
  const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(KIT_ROOT, 'lib/cli/spy.ts'), '--listen', '0', '--to', `127.0.0.1:${srv.port}`], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  closers.push(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  let out = '';
  const seen = (re: RegExp) =>
    within(`spy output matching ${re}`, new Promise<RegExpExecArray>((resolve) => {
      const check = () => {
        const m = re.exec(out);
        if (m) resolve(m);
        else child.stdout.once('data', check);
      };
      check();
    }), 10_000);
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const port = Number((await seen(/spy listening on 127\.0\.0\.1:(\d+), forwarding to 127\.0\.0\.1:\d+/))[1]);
  expect(port).toBeGreaterThan(0);

  const c = net.connect({ host: '127.0.0.1', port });
  closers.push(() => c.destroy());
  c.write('hello spy\r\n');
  await within('the echo through the spy', new Promise<void>((r) => c.once('data', () => r())));
  await seen(/#1 C: hello spy\n[^]*#1 S: hello spy\n/);

  // Nothing listens on the upstream any more: the spy says so and closes the client.
  await srv.close();
  const d = net.connect({ host: '127.0.0.1', port });
  closers.push(() => d.destroy());
  d.on('error', () => {});
  await within('the spy to close the client', new Promise<void>((r) => d.once('close', () => r())));
  await seen(/#2 #: cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
}, 20_000);

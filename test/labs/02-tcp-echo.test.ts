// Graded tests for lab 02 — TCP echo. Each test is one behaviour a user of the
// server or the client relies on; its points are in its title.
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { canObserve, chaosWrite, labTest, LabFailure, piecesNote, scaled, seconds, showBytes, waitExpired, writing, type LabContext, type TcpClient } from '../../lib/harness/index.ts';

const { graded } = labTest('tcp-echo', { concurrent: true });

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 12);

function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

function assertSameBytes(sent: Buffer, got: Buffer, c: TcpClient, what: string): void {
  if (got.equals(sent)) return;
  const at = firstDifference(sent, got);
  throw new LabFailure(
    `${what}: sent ${sent.length} bytes, got back ${got.length}; they first differ at byte ${at} ` +
      `(sent ${showBytes(sent.subarray(at, at + 16))}, got ${showBytes(got.subarray(at, at + 16))}).\n${c.transcript.render('expected the same bytes back')}`,
  );
}

/** Send `data` while reading the echo at the same time, then half-close and read to the end. */
async function roundTrip(c: TcpClient, data: Buffer, ms = 10_000): Promise<Buffer> {
  const [echo] = await Promise.all([c.readBytes(data.length, `the echo of all ${data.length} bytes`, ms), c.write(data)]);
  return echo;
}

// ---- the server ------------------------------------------------------------

graded('echoes a line', 2, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  c.send('hello, stream');
  await c.expect('hello, stream', 'the echo of "hello, stream"');
}, { hint: 'echo-data' });

graded('echoes binary data: all 256 byte values', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  assertSameBytes(all, await roundTrip(c, all), c, 'binary echo');
}, { hint: 'echo-data' });

graded('serves 20 clients at once, each gets its own echo', 2, async (t) => {
  const server = await t.start();
  // Connect all first, then talk: an iterative server would serve only the first.
  const clients = await Promise.all(Array.from({ length: 20 }, () => t.tcp(server, { strictCRLF: false })));
  await Promise.all(
    clients.map(async (c, i) => {
      c.send(`client ${i} here`);
      await c.expect(`client ${i} here`, `the echo for client ${i} (20 clients connected at once)`);
    }),
  );
}, { hint: 'echo-data' });

graded('echoes 10 MB without losing or reordering a byte', 2, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const data = randomBytes(10 * 1024 * 1024);
  const echo = await roundTrip(c, data, 20_000);
  if (digest(echo) !== digest(data)) assertSameBytes(data, echo, c, '10 MB echo');
}, { hint: 'backpressure', timeout: 40_000, load: 'heavy' });

graded('honours backpressure: a client that does not read does not fill the server\'s memory', 3, async (t) => {
  const server = await t.start();
  const before = server.memory();
  const c = await t.tcp(server);
  c.socket.pause(); // read nothing: the echo piles up unless the server stops reading too
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  for (let i = 0; i < 64; i++) c.socket.write(chunk); // queued in our process; sent as the server reads
  c.transcript.add('C', '64 MB, while reading none of the echo');
  // Decided by what the server does, not by how fast this machine is: it stops reading (a server that
  // honours backpressure pauses, and sits idle while our bytes wait), or it takes all 64 MB (it never
  // paused: the kernel's buffers hold a few MB, the rest is in its memory).
  const grownMB = () => (server.memory() - before) / 2 ** 20;
  const deadline = Date.now() + scaled(20_000);
  const observable = canObserve();
  for (let unchangedSince = Date.now(), left = c.socket.writableLength; ; ) {
    server.assertAlive('the client sent 64 MB without reading');
    if (c.socket.writableLength === 0) {
      throw new LabFailure(
        `the client sent 64 MB and read none of the echo, and the server read all of it (its memory grew by ${grownMB().toFixed(0)} MB): ` +
          `it never stopped reading while its echo could not go out. When socket.write() returns false, pause() the socket and resume() it on 'drain'.`,
      );
    }
    if (await server.pausedOnInput()) break; // asleep while our bytes wait unread in its socket: it paused
    // Only where programs cannot be observed: no progress for 1 s is taken to mean it stopped reading.
    if (c.socket.writableLength !== left) [left, unchangedSince] = [c.socket.writableLength, Date.now()];
    else if (!observable && Date.now() - unchangedSince > scaled(1000)) break;
    if (Date.now() > deadline) {
      // Still reading, slowly, and not all of it yet: undecided. Once more, alone on the machine.
      waitExpired('the server to stop reading or to take all 64 MB');
      throw new LabFailure(`after ${seconds(scaled(20_000))} the server had neither stopped reading nor taken all 64 MB (${((64 * 2 ** 20 - c.socket.writableLength) / 2 ** 20).toFixed(0)} MB so far).`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const growth = grownMB();
  if (growth > 24) {
    throw new LabFailure(
      `the client sent 64 MB and read none of the echo; the server's memory grew by ${growth.toFixed(0)} MB ` +
        `(allowed: 24 MB) before it stopped reading. It keeps reading and buffers echoes the client is not taking. ` +
        `When socket.write() returns false, pause() the socket and resume() it on 'drain'.`,
    );
  }
}, { hint: 'backpressure', load: 'heavy' });

graded('half-close: finishes the echo after the client end()s, then closes', 2, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const data = randomBytes(256 * 1024);
  await c.write(data);
  c.end(); // shutdown(SHUT_WR): no more data from us, but we still read
  const echo = await c.readToEnd('the whole echo, then the server closing its side', 10_000);
  assertSameBytes(data, echo, c, 'echo after half-close');
}, { hint: 'half-close' });

graded('survives clients that reset the connection mid-echo', 2, async (t) => {
  const server = await t.start();
  for (let i = 0; i < 5; i++) {
    const rude = await t.tcp(server);
    rude.socket.write(randomBytes(512 * 1024));
    await new Promise((r) => setTimeout(r, 20));
    rude.socket.resetAndDestroy(); // RST instead of FIN: the server's next write fails
  }
  await new Promise((r) => setTimeout(r, 200));
  server.assertAlive('five clients reset their connections mid-echo');
  const c = await t.tcp(server);
  c.transcript.note('(five clients sent 512 KiB each and reset their connections)');
  c.send('still there?');
  await c.expect('still there?', 'the echo for a new client after five resets');
}, { hint: 'reset' });

graded('echoes a stream written in random small pieces', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const data = Buffer.from(Array.from({ length: 200 }, (_, i) => `message ${i}\r\n`).join(''));
  c.transcript.add('C', `200 lines "message 0" … "message 199" (${data.length} bytes)`);
  const [echo, pieces] = await Promise.all([
    c.readBytes(data.length, `the echo of ${data.length} bytes sent in random pieces`, 10_000),
    chaosWrite(c.socket, data, t.seed()),
  ]);
  c.transcript.note(piecesNote(pieces));
  assertSameBytes(data, echo, c, 'chaos echo');
}, { hint: 'echo-data' });

// ---- the client ------------------------------------------------------------

/** A test-side echo server that answers in `pieces` separate writes, 30 ms apart, then closes. */
async function slowEchoServer(t: LabContext, pieces: number) {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const got: Buffer[] = [];
    s.on('data', (c) => got.push(c));
    s.on('error', () => {});
    s.on('end', async () => {
      const done = writing(s); // the pauses below are ours: the client is right to sit waiting through them
      const all = Buffer.concat(got);
      const size = Math.ceil(all.length / pieces);
      for (let i = 0; i < all.length; i += size) {
        s.write(all.subarray(i, i + size));
        await new Promise((r) => setTimeout(r, 30));
      }
      done();
      s.end();
    });
  });
  t.onCleanup(() => server.close());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

graded('client prints the whole echo, even when it arrives in pieces', 2, async (t) => {
  const port = await slowEchoServer(t, 4);
  const r = await t.run('client.ts', { args: ['--port', String(port), 'one', 'write', 'is', 'not', 'one', 'data', 'event'], hangWhenIdle: true });
  if (r.code !== 0 || r.stdout !== 'one write is not one data event\n') {
    throw new LabFailure(`the test server echoed "one write is not one data event\\n" in 4 pieces, 30 ms apart, after the client's end(). The client should print all of it and exit 0.\n${r.describe()}`);
  }
}, { hint: 'client-read-all' });

graded('client sends 1 MB from stdin and prints every byte of the echo', 2, async (t) => {
  const port = await slowEchoServer(t, 8);
  const data = randomBytes(1024 * 1024).toString('base64');
  const r = await t.run('client.ts', { args: ['--port', String(port)], stdin: data, timeoutMs: 15_000, keepStdout: 4 << 20, hangWhenIdle: true });
  if (r.code !== 0 || r.stdout !== data) {
    throw new LabFailure(`sent ${data.length} bytes on stdin; expected exactly those bytes on stdout and exit 0. Got ${r.stdout.length} bytes.\n${r.describe()}`);
  }
}, { hint: 'client-read-all' });

graded('client reports a refused connection in one clear line (no stack trace)', 1, async (t) => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const r = await t.run('client.ts', { args: ['--port', String(port), 'anyone?'], hangWhenIdle: true });
  const stack = /^\s+at /m.test(r.stderr);
  if (r.code === 0 || r.timedOut || !/ECONNREFUSED|refused|not running|nothing is listening/i.test(r.stderr) || stack) {
    throw new LabFailure(`with nothing listening on port ${port}, the client should exit non-zero with a one-line message saying the connection was refused${stack ? ' — not a crash with a stack trace' : ''}.\n${r.describe()}`);
  }
}, { hint: 'client-refused' });

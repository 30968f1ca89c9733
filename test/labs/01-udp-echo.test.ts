// Graded tests for lab 01 — UDP echo. Each test is one behaviour a user of the
// server or the client relies on; its points are in its title.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { labTest, LabFailure, scaled, showBytes, waitExpired, type UdpClient } from '../../lib/harness/index.ts';

const { graded } = labTest('udp-echo', { concurrent: true });

async function expectEcho(client: UdpClient, port: number, payload: Buffer, what: string): Promise<void> {
  await client.send(payload, port);
  const { msg, from } = await client.receive(what);
  if (!msg.equals(payload)) {
    throw new LabFailure(`the echo differs from what was sent: sent ${showBytes(payload)}, got back ${showBytes(msg)}.\n${client.transcript.render('expected the same bytes back')}`);
  }
  if (from.port !== port) throw new LabFailure(`the echo came from port ${from.port}, not the server's port ${port}. Reply from the socket that received the datagram.`);
}

// ---- the server ------------------------------------------------------------

graded('echoes a datagram byte for byte', 2, async (t) => {
  const server = await t.start();
  const c = await t.udp(server);
  await expectEcho(c, server.port, Buffer.from('hello, datagram'), 'the echo of "hello, datagram"');
}, { hint: 'echo-sender' });

graded('echoes binary data: all 256 byte values', 1, async (t) => {
  const server = await t.start();
  const c = await t.udp(server);
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await expectEcho(c, server.port, all, 'the echo of 256 binary bytes');
}, { hint: 'echo-sender' });

graded('echoes an empty datagram', 1, async (t) => {
  const server = await t.start();
  const c = await t.udp(server);
  await expectEcho(c, server.port, Buffer.alloc(0), 'the echo of an empty datagram (0 bytes is a valid UDP message)');
}, { hint: 'echo-sender' });

graded('echoes the largest datagram IPv4 carries (65,507 bytes)', 1, async (t) => {
  const server = await t.start();
  const c = await t.udp(server);
  await expectEcho(c, server.port, randomBytes(65_507), 'the echo of a 65,507-byte datagram');
}, { hint: 'max-size' });

graded('keeps message boundaries: three datagrams come back as three', 1, async (t) => {
  const server = await t.start();
  const c = await t.udp(server);
  const sent = ['one', 'two', 'three'].map((s) => Buffer.from(s));
  for (const m of sent) await c.send(m, server.port);
  const got: string[] = [];
  for (let i = 0; i < 3; i++) got.push((await c.receive(`echo ${i + 1} of 3`)).msg.toString());
  // Loopback does not reorder, but compare as sets: UDP promises no order.
  if ([...got].sort().join() !== ['one', 'three', 'two'].join()) {
    throw new LabFailure(`sent three datagrams "one", "two", "three"; got back ${JSON.stringify(got)}.\n${c.transcript.render('expected each datagram echoed on its own')}`);
  }
}, { hint: 'echo-sender' });

graded('serves 20 clients at once, each gets its own echo', 2, async (t) => {
  const server = await t.start();
  const clients = await Promise.all(Array.from({ length: 20 }, () => t.udp(server)));
  await Promise.all(clients.map((c, i) => expectEcho(c, server.port, Buffer.from(`client ${i} says hi`), `the echo for client ${i}`)));
}, { hint: 'echo-sender' });

graded('drops a datagram larger than --max-size, says so, and keeps serving', 1, async (t) => {
  const server = await t.start('server.ts', { args: ['--max-size', '100'] });
  const c = await t.udp(server);
  await c.send(Buffer.alloc(200, 0x61), server.port);
  const reply = await c.tryReceive(500);
  if (reply) throw new LabFailure(`with --max-size 100, a 200-byte datagram was echoed (${reply.msg.length} bytes). It should be dropped.`);
  server.assertAlive('the test sent a datagram over --max-size');
  if (!/dropped/i.test(server.stderr.text())) await server.settle(); // all it will print about it is printed once it sits idle
  if (!/dropped/i.test(server.stderr.text())) {
    throw new LabFailure(`the server dropped the 200-byte datagram but printed no line containing "dropped" to stderr. Its output:\n${server.output() || '(none)'}`);
  }
  await expectEcho(c, server.port, Buffer.from('small'), 'the echo of a 5-byte datagram after the dropped one');
}, { hint: 'max-size' });

// ---- the client ------------------------------------------------------------

/** A test-side UDP server that calls `reply(msg, n)` for the n-th datagram (1-based) and echoes when it returns true. */
async function testServer(t: { onCleanup(fn: () => void): void }, reply: (n: number) => boolean) {
  const sock = dgram.createSocket('udp4');
  t.onCleanup(() => sock.close());
  const seen: Buffer[] = [];
  sock.on('message', (msg, from) => {
    seen.push(msg);
    if (reply(seen.length)) sock.send(msg, from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { port: sock.address().port, seen };
}

graded('client prints the echo and exits 0', 2, async (t) => {
  const srv = await testServer(t, () => true);
  // A timeout far longer than an echo on any machine: this test is about the echo, not the retries.
  const r = await t.run('client.ts', { args: ['--port', String(srv.port), '--timeout', String(scaled(5000)), 'hello', 'over', 'udp'], hangWhenIdle: true });
  if (r.code !== 0 || r.stdout.trim() !== 'hello over udp') {
    throw new LabFailure(`expected the client to print "hello over udp" and exit 0.\n${r.describe()}`);
  }
}, { hint: 'client-echo' });

graded('client retries when a datagram is lost', 2, async (t) => {
  const srv = await testServer(t, (n) => n >= 2); // the first datagram is "lost"
  // 300 ms on a quiet machine: long enough for the echo of the second datagram to come back before a third is due.
  const timeout = scaled(300);
  const r = await t.run('client.ts', { args: ['--port', String(srv.port), '--timeout', String(timeout), '--tries', '3', 'again'], hangWhenIdle: true });
  if (r.code !== 0 || r.stdout.trim() !== 'again') {
    // It did retry, yet gave up: the echo of the second may have come too late for its timer on a busy machine. Once more, alone.
    if (srv.seen.length >= 2 && r.code !== 0) waitExpired(`the echo of the second datagram within --timeout ${timeout} ms`);
    throw new LabFailure(`the test server ignored the first datagram and echoed the second; the client should retry when its --timeout runs out and print "again". The server received ${srv.seen.length} datagram(s).\n(--timeout was ${timeout} ms.)\n${r.describe()}`);
  }
}, { hint: 'client-retry' });

graded('client gives up after --tries attempts with an error', 1, async (t) => {
  const tooMany = new AbortController();
  const srv = await testServer(t, (n) => {
    if (n > 3) tooMany.abort('it sent a 4th datagram with --tries 3');
    return false; // never answers
  });
  const r = await t.run('client.ts', { args: ['--port', String(srv.port), '--timeout', '200', '--tries', '3', 'anyone?'], timeoutMs: 10_000, hangWhenIdle: true, signal: tooMany.signal });
  if (r.timedOut || r.code === 0 || srv.seen.length !== 3) {
    throw new LabFailure(`a server that never answers should get exactly 3 datagrams (--tries 3), then the client exits non-zero. The server received ${srv.seen.length}.\n${r.describe()}`);
  }
}, { hint: 'client-retry' });

graded('client reports a server that is not running (ECONNREFUSED) without waiting out its retries', 2, async (t) => {
  // A port that was free a moment ago: nothing listens there, so the kernel answers with ICMP port unreachable.
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise<void>((r) => probe.close(r));
  // A client that ignores the error sits on its retry timer: it is stopped once it has sat asleep for 1 s,
  // and a client that waited out even one retry period took longer than --timeout. One that handles it
  // exits at once, however slowly this machine starts the program.
  const timeout = scaled(8000);
  const r = await t.run('client.ts', { args: ['--port', String(port), '--timeout', String(timeout), '--tries', '3', 'hello?'], timeoutMs: 3 * 8000 + 5000, waitingMs: 1000 });
  const quick = !r.timedOut && r.ms < timeout;
  const crashed = /^\s+at /m.test(r.stderr); // an unhandled 'error' event: a stack trace, not a message
  if (r.code === 0 || !quick || crashed || !/ECONNREFUSED|refused|not running|nothing is listening|no server/i.test(r.stderr + r.stdout)) {
    throw new LabFailure(`with nothing listening on port ${port}, the client should exit non-zero at once (before its first retry is due) with a one-line message saying the connection was refused${crashed ? ' — not crash with a stack trace' : ''}.\n${r.describe()}`);
  }
}, { hint: 'client-refused' });

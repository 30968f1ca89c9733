// Graded tests for lab 04 — fixed-length records. The decoder is property-
// tested in a child process (test/drivers); the server and client are driven
// over real sockets, with the chaos writer splitting what they receive.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { coalesce, labTest, LabFailure, prng, showBytes, type LabContext, type TcpClient } from '../../lib/harness/index.ts';
import { expectProperty } from '../drivers/run-driver.ts';
import { chaosSend, stderrMatches } from '../drivers/stream.ts';

const LAB = 'fixed-length';
const { graded } = labTest(LAB);
const SIZE = 64;

/** A record as the protocol sends it: the text, NUL-padded to 64 bytes. */
function record(text: string): Buffer {
  const r = Buffer.alloc(SIZE);
  r.write(text, 'utf8');
  return r;
}
const upper = (b: Buffer) => Buffer.from(b.map((c) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c)));

/** A record as a person reads it: its text and its padding when it is text, else its bytes. */
function showRecord(r: Buffer): string {
  let end = r.length;
  while (end > 0 && r[end - 1] === 0) end--;
  const text = r.subarray(0, end);
  const printable = text.every((b) => b >= 0x20 && b < 0x7f);
  return printable ? `${JSON.stringify(text.toString('latin1'))} + ${r.length - end} NUL` : showBytes(r);
}

async function expectRecord(c: TcpClient, expected: Buffer, what: string): Promise<void> {
  const got = await c.readBytes(SIZE, what);
  if (!got.equals(expected)) {
    throw new LabFailure(`${what}: expected ${showRecord(expected)}, got ${showRecord(got)}.\n${c.transcript.render('expected the upper-cased record')}`);
  }
}

// ---- the decoder and encoder (record.ts), property-tested -------------------

graded('decoder: any records, split at any points, come out whole and in order', 3, async (t) => {
  await expectProperty(LAB, t.dir, 'decoder', 'FixedLengthDecoder gives back every record, however the stream is cut');
}, { hint: 'decoder-keep-leftover' });

graded('encoder: pads a message to 64 bytes and refuses one too long or holding a NUL', 1, async (t) => {
  await expectProperty(LAB, t.dir, 'encoder', 'encodeRecord pads with NUL to 64 bytes, and throws for a longer message or one holding a NUL');
}, { hint: 'encoder-too-long' });

graded('decoder: a stream that stops inside a record is an error', 1, async (t) => {
  await expectProperty(LAB, t.dir, 'truncated', 'end() throws when the stream stopped mid-record, and only then');
}, { hint: 'decoder-end' });

// ---- the server ---------------------------------------------------------------

graded('server upper-cases one record', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  await c.write(record('hello, records'), 'record "hello, records" + 50 NUL');
  await expectRecord(c, record('HELLO, RECORDS'), 'the reply record');
}, { hint: 'server-records' });

graded('server, chaos writer: 12 records split at random points come back as 12 replies, in order, none before its record is whole', 3, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const words = Array.from({ length: 12 }, (_, i) => `record ${i + 1}: ${'abcdefghijklmnopqrstuvwxyz'.slice(0, 10 + 4 * i)}`);
  const bytes = coalesce(words.map(record));
  // Everything but the end of the 12th record first: 11 replies must come, and nothing for the 12th yet.
  const held = 1 + Math.floor(prng(t.seed())() * (SIZE - 2));
  c.transcript.note(`(12 records of 64 bytes, written in random pieces of 1-7 bytes; the last ${held} bytes held back at first)`);
  await chaosSend(c.socket, bytes.subarray(0, bytes.length - held), t.seed());
  for (const [i, w] of words.slice(0, 11).entries()) await expectRecord(c, upper(record(w)), `reply ${i + 1} of 12`);
  // Once the server has done all it will do with what it has (or, where that cannot be seen, a moment later):
  if (!(await server.settle())) await new Promise((r) => setTimeout(r, 200));
  if (c.pending > 0) {
    throw new LabFailure(
      `the server sent ${c.pending} bytes back while the 12th record was not whole yet (it had ${SIZE - held} of its ${SIZE} bytes): ` +
        `it answers the pieces TCP delivers, not records. Keep the bytes of an unfinished record and answer once all ${SIZE} have arrived.\n${c.transcript.render('expected nothing until the record is whole')}`,
    );
  }
  c.transcript.note(`(the last ${held} bytes of record 12)`);
  await chaosSend(c.socket, bytes.subarray(bytes.length - held), t.seed());
  await expectRecord(c, upper(record(words[11]!)), 'reply 12 of 12');
}, { hint: 'server-records' });

graded('server: 200 records in one write get 200 replies', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const words = Array.from({ length: 200 }, (_, i) => `msg-${i}`);
  await c.write(coalesce(words.map(record)), '200 records in one write (12,800 bytes)');
  const all = await c.readBytes(200 * SIZE, '200 reply records');
  const want = coalesce(words.map((w) => upper(record(w))));
  if (!all.equals(want)) {
    const at = Math.floor(all.findIndex((b, i) => b !== want[i]) / SIZE);
    throw new LabFailure(`reply ${at + 1} of 200 is wrong: expected ${showRecord(want.subarray(at * SIZE, at * SIZE + SIZE))}, got ${showRecord(all.subarray(at * SIZE, at * SIZE + SIZE))}`);
  }
}, { hint: 'server-records' });

graded('server answers any 64 bytes, binary and NUL bytes included', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const bytes = randomBytes(20 * SIZE);
  // Whatever the random draw: NUL bytes inside every record, and a last byte that is not NUL (not padding).
  for (let i = 0; i < 20; i++) {
    bytes[i * SIZE + 10] = 0;
    bytes[i * SIZE + 40] = 0;
    bytes[i * SIZE + SIZE - 1]! |= 1;
  }
  await chaosSend(c.socket, bytes, t.seed(), { maxChunk: 100, maxDelayMs: 1 });
  c.transcript.add('C', `${showBytes(bytes)} (20 records of random bytes)`);
  for (let i = 0; i < 20; i++) await expectRecord(c, upper(bytes.subarray(i * SIZE, (i + 1) * SIZE)), `reply ${i + 1} of 20 (random bytes in, the same bytes with a-z upper-cased out)`);
  server.assertAlive('the test sent random bytes');
}, { hint: 'server-binary' });

graded('server: a client that stops mid-record gets an error, and other clients are still served', 2, async (t) => {
  const server = await t.start();
  const other = await t.tcp(server);
  const c = await t.tcp(server);
  await c.write(Buffer.alloc(30, 0x61), '30 bytes of a 64-byte record');
  c.end();
  await c.readToEnd('the server to close the connection after a half record');
  server.assertAlive('a client stopped mid-record');
  if (!(await stderrMatches(server, /error/i))) {
    throw new LabFailure(`a client sent 30 bytes of a 64-byte record and closed: the server should print an error about the cut-short record to stderr. Its output:\n${server.output() || '(none)'}`);
  }
  await other.write(record('still there?'), 'another client: record "still there?"');
  await expectRecord(other, record('STILL THERE?'), 'the reply to the other client');
}, { hint: 'server-truncated' });

// ---- the client -----------------------------------------------------------------

/** A test-side record server: answers each record as it completes, in random pieces, and ends once the client has. */
async function testServer(t: LabContext): Promise<{ port: number; received: () => Buffer }> {
  let received = Buffer.alloc(0);
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    let answered = 0;
    let sending = Promise.resolve(); // replies go out one after another, never interleaved
    s.on('error', () => {});
    s.on('data', (c: Buffer) => {
      received = Buffer.concat([received, c]);
      const whole = Math.floor(received.length / SIZE);
      const replies = upper(received.subarray(answered * SIZE, whole * SIZE));
      answered = whole;
      if (replies.length) sending = sending.then(() => chaosSend(s, replies, t.seed(), { maxChunk: 40, maxDelayMs: 2 }));
    });
    s.on('end', () => void sending.then(() => s.end()));
  });
  t.onCleanup(() => srv.close());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, received: () => received };
}

graded('client sends one record per argument and prints each reply on its own line', 2, async (t) => {
  const srv = await testServer(t);
  const words = ['hello', 'fixed-length records', 'ünïcode ok', 'x'.repeat(64)];
  const r = await t.run('client.ts', { args: ['--port', String(srv.port), ...words], hangWhenIdle: true });
  const want = words.map((w) => upper(Buffer.from(w)).toString('utf8')).join('\n');
  if (r.code !== 0 || r.stdout.trimEnd() !== want) {
    throw new LabFailure(`the test server upper-cased the records and sent them back in random pieces; the client should print:\n${want}\nand exit 0.\n${r.describe()}`);
  }
  if (srv.received().length !== words.length * SIZE) throw new LabFailure(`the client sent ${srv.received().length} bytes for ${words.length} messages; expected ${words.length} records of 64 bytes.`);
}, { hint: 'client-read-records' });

graded('client refuses a message longer than 64 bytes, with an error', 1, async (t) => {
  const srv = await testServer(t);
  const long = 'y'.repeat(65);
  const r = await t.run('client.ts', { args: ['--port', String(srv.port), 'short', long], hangWhenIdle: true });
  // A crash is not an answer: the error must be the client's own message, not a stack trace.
  const crashed = /^\s+at /m.test(r.stderr);
  if (r.timedOut || r.code === 0 || crashed || !/\b64\b/.test(r.stderr)) {
    throw new LabFailure(`a 65-byte message does not fit a 64-byte record: the client should exit non-zero with an error message (not a crash) on stderr that names the limit (64).\n${r.describe()}`);
  }
}, { hint: 'encoder-too-long' });

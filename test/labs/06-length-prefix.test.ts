// Graded tests for lab 06 — length prefix (TLV). The frame decoder is
// property-tested in a child process (test/drivers); the key-value server and
// client are driven over real sockets, through the chaos writer.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { coalesce, labTest, LabFailure, showBytes, type LabContext, type TcpClient } from '../../lib/harness/index.ts';
import { expectProperty } from '../drivers/run-driver.ts';
import { chaosSend, stderrMatches } from '../drivers/stream.ts';

const LAB = 'length-prefix';
const { graded } = labTest(LAB);

const GET = 0x01;
const SET = 0x02;
const DEL = 0x03;
const VALUE = 0x81;
const NOT_FOUND = 0x82;
const OK = 0x83;
const ERROR = 0xee;
const NAMES: Record<number, string> = { [GET]: 'GET', [SET]: 'SET', [DEL]: 'DEL', [VALUE]: 'VALUE', [NOT_FOUND]: 'NOT_FOUND', [OK]: 'OK', [ERROR]: 'ERROR' };
const typeName = (t: number) => `${NAMES[t] ?? 'type'} (0x${t.toString(16).padStart(2, '0')})`;

function frame(type: number, value: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(5);
  h[0] = type;
  h.writeUInt32BE(value.length, 1);
  return Buffer.concat([h, value]);
}
const b = (s: string) => Buffer.from(s, 'utf8');
function setFrame(key: string | Buffer, data: Buffer): Buffer {
  const k = typeof key === 'string' ? b(key) : key;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(k.length);
  return frame(SET, Buffer.concat([len, k, data]));
}
const label = (type: number, value: Buffer, note = '') => `${typeName(type)} ${showBytes(value)}${note}`;

/** Read one frame from the server: a 5-byte header, then the value it announces. */
async function readFrame(c: TcpClient, what: string): Promise<{ type: number; value: Buffer }> {
  const header = await c.readBytes(5, `the 5-byte header of ${what}`);
  const length = header.readUInt32BE(1);
  // No reply in these tests is over 1 MiB; a length far beyond that is a byte-order bug, not a slow server.
  if (length > 2 * 1024 * 1024) throw new LabFailure(`the header of ${what} announces ${length} bytes: is the length written big-endian (writeUInt32BE)?\n${c.transcript.render('expected a sensible length')}`);
  const value = length === 0 ? Buffer.alloc(0) : await c.readBytes(length, `the ${length}-byte value of ${what}`);
  return { type: header[0]!, value };
}

async function expectFrame(c: TcpClient, type: number, value: Buffer | RegExp | null, what: string): Promise<Buffer> {
  const got = await readFrame(c, what);
  const valueOk = value === null || (value instanceof RegExp ? value.test(got.value.toString('utf8')) : got.value.equals(value));
  if (got.type !== type || !valueOk) {
    const want = value instanceof RegExp ? `${typeName(type)} matching ${value}` : value === null ? typeName(type) : label(type, value);
    throw new LabFailure(`${what}: expected ${want}, got ${label(got.type, got.value)}.\n${c.transcript.render(`expected ${want}`)}`);
  }
  return got.value;
}

async function send(c: TcpClient, bytes: Buffer, note: string): Promise<void> {
  await c.write(bytes, note);
}

// ---- frame.ts, property-tested ------------------------------------------------------

graded('decoder: any frames, split at any points, come out whole and in order', 3, async (t) => {
  await expectProperty(LAB, t.dir, 'decoder', 'FrameDecoder gives back every frame (type and value), however the stream is cut');
}, { hint: 'decoder-states' });

graded('decoder: a length over the limit is refused at the header, before any value byte', 2, async (t) => {
  await expectProperty(LAB, t.dir, 'limit', 'FrameDecoder accepts a value of exactly maxValue bytes and throws as soon as a header announces more');
}, { hint: 'decoder-limit' });

graded('encoder: type, 4-byte big-endian length, value', 1, async (t) => {
  await expectProperty(LAB, t.dir, 'encoder', 'encodeFrame writes the type byte, the length as uint32 big-endian, then the value');
}, { hint: 'byte-order' });

graded('decoder: a stream that stops inside a frame is an error', 1, async (t) => {
  await expectProperty(LAB, t.dir, 'truncated', 'end() throws when the stream stopped inside a header or a value, and only then');
}, { hint: 'decoder-end' });

// ---- the server ---------------------------------------------------------------------------

graded('server: SET, then GET gives the value back; GET of a missing key is NOT_FOUND', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  await send(c, setFrame('city', b('Hanoi')), 'SET city = "Hanoi"');
  await expectFrame(c, OK, b(''), 'the reply to SET');
  await send(c, frame(GET, b('city')), 'GET city');
  await expectFrame(c, VALUE, b('Hanoi'), 'the reply to GET city');
  await send(c, frame(GET, b('nowhere')), 'GET nowhere');
  await expectFrame(c, NOT_FOUND, b(''), 'the reply to GET of a key never set');
}, { hint: 'server-answer' });

graded('server: binary keys and values, DEL, and one store shared by all clients', 1, async (t) => {
  const server = await t.start();
  const a = await t.tcp(server);
  const other = await t.tcp(server);
  const key = Buffer.from([0x00, 0xff, 0x0d, 0x0a]);
  const data = randomBytes(3000);
  await send(a, setFrame(key, data), `SET <4 binary bytes> = ${showBytes(data)}`);
  await expectFrame(a, OK, b(''), 'the reply to SET');
  await send(other, frame(GET, key), 'another client: GET <the same 4 bytes>');
  await expectFrame(other, VALUE, data, 'the value another client set');
  await send(other, frame(DEL, key), 'DEL <the same 4 bytes>');
  await expectFrame(other, OK, b(''), 'the reply to DEL of a key that exists');
  await send(other, frame(DEL, key), 'DEL <the same 4 bytes> again');
  await expectFrame(other, NOT_FOUND, b(''), 'the reply to DEL of a key already deleted');
}, { hint: 'server-answer' });

graded('server, chaos writer: 30 requests split at random points get 30 replies, in order', 3, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const requests: Buffer[] = [];
  const want: [number, Buffer][] = [];
  for (let i = 0; i < 10; i++) {
    const v = b(`value ${i} `.repeat(i + 1));
    requests.push(setFrame(`k${i}`, v), frame(GET, b(`k${i}`)), frame(GET, b(`missing${i}`)));
    want.push([OK, b('')], [VALUE, v], [NOT_FOUND, b('')]);
  }
  c.transcript.note('(10 × SET, GET, GET-missing: 30 frames, written in random pieces of 1-7 bytes)');
  await chaosSend(c.socket, coalesce(requests), t.seed());
  for (const [i, [type, value]] of want.entries()) await expectFrame(c, type, value, `reply ${i + 1} of 30`);
}, { hint: 'server-answer' });

graded('server: 300 requests in one write get 300 replies', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const requests = Array.from({ length: 300 }, (_, i) => setFrame(`n${i}`, b(String(i))));
  await send(c, coalesce(requests), '300 SET frames in one write');
  for (let i = 0; i < 300; i++) await expectFrame(c, OK, b(''), `reply ${i + 1} of 300`);
}, { hint: 'server-answer' });

graded('server: a 900 KB value arrives in many chunks and comes back whole', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const data = randomBytes(900 * 1024);
  await send(c, setFrame('big', data), `SET big = ${showBytes(data)}`);
  await expectFrame(c, OK, b(''), 'the reply to a 900 KB SET');
  await send(c, frame(GET, b('big')), 'GET big');
  await expectFrame(c, VALUE, data, 'the 900 KB value');
}, { hint: 'decoder-states' });

graded('server: an unknown type gets ERROR, and the connection still works', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  await send(c, frame(0x7f, b('what is this')), label(0x7f, b('what is this')));
  await expectFrame(c, ERROR, /0x7f|unknown/i, 'the reply to an unknown type');
  await send(c, frame(GET, b('anything')), 'GET anything');
  await expectFrame(c, NOT_FOUND, b(''), 'the reply to a GET after the ERROR');
}, { hint: 'server-answer' });

graded('server: a full store (--max-store) answers SET with ERROR and keeps what it has', 1, async (t) => {
  const server = await t.start('server.ts', { args: ['--max-store', '1000'] });
  const c = await t.tcp(server);
  const first = Buffer.alloc(600, 0x61);
  await send(c, setFrame('a', first), 'SET a = <600 bytes>   (--max-store 1000)');
  await expectFrame(c, OK, b(''), 'the reply to the first SET (601 bytes stored)');
  await send(c, setFrame('b', Buffer.alloc(600, 0x62)), 'SET b = <600 bytes>');
  await expectFrame(c, ERROR, /./, 'an ERROR frame: 1202 bytes would pass --max-store 1000');
  await send(c, frame(GET, b('a')), 'GET a');
  await expectFrame(c, VALUE, first, 'the value stored before the store filled up');
  await send(c, setFrame('a', Buffer.alloc(900, 0x63)), 'SET a = <900 bytes>   (replaces the 600)');
  await expectFrame(c, OK, b(''), 'the reply to a SET that replaces a value and fits (901 bytes)');
}, { hint: 'server-answer' });

graded('server: a 4 GB length prefix gets ERROR and a close at once; others are served', 2, async (t) => {
  const server = await t.start();
  const other = await t.tcp(server);
  const c = await t.tcp(server);
  await send(c, Buffer.from([SET, 0xff, 0xff, 0xff, 0xff]), 'header: SET (0x02), length 4294967295 (ff ff ff ff), and no value');
  await expectFrame(c, ERROR, /./, 'an ERROR frame, sent before any value byte arrives');
  await c.readToEnd('the server to close the connection after refusing the frame');
  server.assertAlive('a client announced a 4 GB frame');
  if (!(await stderrMatches(server, /error/i))) throw new LabFailure(`the server refused the frame but printed no error to stderr. Its output:\n${server.output()}`);
  await send(other, frame(GET, b('x')), 'another client: GET x');
  await expectFrame(other, NOT_FOUND, b(''), 'the reply to another client');
}, { hint: 'decoder-limit' });

graded('server: a client that stops mid-frame, or sends random bytes, gets an error; others are served', 2, async (t) => {
  const server = await t.start();
  const other = await t.tcp(server);
  const half = await t.tcp(server);
  await send(half, setFrame('k', b('0123456789')).subarray(0, 11), 'the first 11 of 18 bytes of a SET frame');
  half.end();
  await half.readToEnd('the server to close a connection cut short mid-frame');
  if (!(await stderrMatches(server, /error/i))) throw new LabFailure(`a client closed in the middle of a frame: the server should print an error to stderr. Its output:\n${server.output()}`);
  const noise = await t.tcp(server);
  const bytes = randomBytes(4096);
  bytes.writeUInt32BE(0x7fffffff, 1); // a random header would announce over 1 MiB 4095 times in 4096: make sure of it
  await chaosSend(noise.socket, bytes, t.seed(), { maxChunk: 1000, maxDelayMs: 1 });
  noise.transcript.add('C', `${showBytes(bytes)} (random bytes)`);
  noise.end();
  await noise.readToEnd('the server to close the connection after random bytes');
  server.assertAlive('clients sent half a frame and random bytes');
  await send(other, setFrame('still', b('here')), 'another client: SET still = "here"');
  await expectFrame(other, OK, b(''), 'the reply to another client');
}, { hint: 'server-errors' });

// ---- the client ---------------------------------------------------------------------------------

/** A test-side key-value server that answers in pieces of 1-3 bytes; `override` can replace every reply. */
async function testServer(t: LabContext, override?: Buffer): Promise<{ port: number; requests: () => string[] }> {
  const seen: string[] = [];
  const store = new Map<string, Buffer>();
  const srv = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('error', () => {});
    s.on('data', async (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const replies: Buffer[] = [];
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
        const type = buf[0]!;
        const value = buf.subarray(5, 5 + buf.readUInt32BE(1));
        buf = buf.subarray(5 + value.length);
        seen.push(`${typeName(type)} ${value.toString('latin1')}`);
        if (override) replies.push(override);
        else if (type === GET) replies.push(store.has(value.toString()) ? frame(VALUE, store.get(value.toString())!) : frame(NOT_FOUND));
        else if (type === DEL) replies.push(frame(store.delete(value.toString()) ? OK : NOT_FOUND));
        else if (type === SET) {
          const n = value.readUInt16BE(0);
          store.set(value.subarray(2, 2 + n).toString(), Buffer.from(value.subarray(2 + n)));
          replies.push(frame(OK));
        } else replies.push(frame(ERROR, b('unknown type')));
      }
      if (replies.length) await chaosSend(s, Buffer.concat(replies), t.seed(), { maxChunk: 3, maxDelayMs: 1 });
    });
  });
  t.onCleanup(() => srv.close());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, requests: () => seen };
}

graded('client sends its commands and prints one line per reply, in order', 2, async (t) => {
  const srv = await testServer(t);
  const args = ['set', 'city', 'Hà Nội', 'get', 'city', 'del', 'city', 'get', 'city', 'del', 'city'];
  const r = await t.run('client.ts', { args: ['--port', String(srv.port), ...args], hangWhenIdle: true });
  const want = ['OK', 'Hà Nội', 'OK', '(not found)', '(not found)'].join('\n');
  if (r.code !== 0 || r.stdout.trimEnd() !== want) {
    throw new LabFailure(`the client ran \`${args.join(' ')}\` against a test server that answers in pieces of 1-3 bytes; it should print:\n${want}\nand exit 0. The server received: ${JSON.stringify(srv.requests())}\n${r.describe()}`);
  }
}, { hint: 'client-replies' });

graded('client reports an ERROR reply with an error and a non-zero exit', 1, async (t) => {
  const srv = await testServer(t, frame(ERROR, b('not today')));
  const r = await t.run('client.ts', { args: ['--port', String(srv.port), 'get', 'x'], hangWhenIdle: true });
  if (r.timedOut || r.code === 0 || /^\s+at /m.test(r.stderr) || !/not today/.test(r.stderr)) {
    throw new LabFailure(`the test server answered ERROR "not today": the client should print that on stderr as an error message (not a crash) and exit non-zero.\n${r.describe()}`);
  }
}, { hint: 'client-replies' });

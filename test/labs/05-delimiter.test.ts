// Graded tests for lab 05 — delimiters (CRLF lines, "." ends a block, byte-
// stuffing). The line decoder is property-tested in a child process
// (test/drivers); server and client are driven over real sockets, with splits
// inside CRLF and inside UTF-8 characters.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { coalesce, labTest, LabFailure, showBytes, type LabContext, type TcpClient } from '../../lib/harness/index.ts';
import { expectProperty } from '../drivers/run-driver.ts';
import { chaosSend, stderrMatches, writePieces } from '../drivers/stream.ts';

const LAB = 'delimiter';
const { graded } = labTest(LAB);

const utf8 = (s: string) => Buffer.from(s, 'utf8');
/** What readLine() returns for a line of UTF-8 text (it reads bytes as latin1). */
const asRead = (s: string) => utf8(s).toString('latin1');
const octets = (lines: string[]) => lines.reduce((n, l) => n + utf8(l).length, 0);
const stuffed = (l: string) => (l.startsWith('.') ? '.' + l : l);
/** A block on the wire: lines stuffed and CRLF-ended, then ".". */
const block = (lines: string[]) => utf8(lines.map((l) => stuffed(l) + '\r\n').join('') + '.\r\n');

/** Read one line and check it is exactly `expected` (a string as readLine() gives it) or matches it. */
async function expectLine(c: TcpClient, expected: string | RegExp, what: string): Promise<string> {
  const line = await c.readLine(what);
  if (expected instanceof RegExp ? !expected.test(line) : line !== expected) {
    const want = expected instanceof RegExp ? String(expected) : JSON.stringify(Buffer.from(expected, 'latin1').toString('utf8'));
    throw new LabFailure(`${what}: expected ${want}.\n${c.transcript.render(`expected ${want}`)}`);
  }
  return line;
}

/** Read one reply and check it line by line: status, stuffed body, ".". */
async function expectReply(c: TcpClient, lines: string[], what = 'the reply to the block'): Promise<void> {
  await expectLine(c, `+OK ${lines.length} lines, ${octets(lines)} octets`, `the status line of ${what} (octets: bytes of the un-stuffed lines)`);
  for (const [i, l] of lines.entries()) await expectLine(c, asRead(stuffed(l)), `line ${i + 1} of ${what}, byte-stuffed`);
  await expectLine(c, '.', `the "." that ends ${what}`);
}

/** Show a block in the transcript line by line, as sent (stuffed), when it goes out as raw pieces. */
function showBlock(c: TcpClient, lines: string[], how: string): void {
  for (const l of lines) c.transcript.add('C', stuffed(l));
  c.transcript.add('C', '.');
  c.transcript.note(how);
}

// ---- line-decoder.ts, property-tested -----------------------------------------

graded('decoder: any lines, split at any points (inside CRLF too), come out whole and in order', 3, async (t) => {
  await expectProperty(LAB, t.dir, 'decoder', 'LineDecoder gives back every line without its CRLF (or bare LF), however the stream is cut');
}, { hint: 'decoder-scan' });

graded('decoder: a line longer than the limit is refused as soon as it is too long', 2, async (t) => {
  await expectProperty(LAB, t.dir, 'too-long', 'LineDecoder accepts a line of exactly maxLine bytes (CRLF included) and throws once a line is longer, without buffering the rest');
}, { hint: 'decoder-limit' });

graded('dotStuff and dotUnstuff: any block, "." lines included, survives the trip', 2, async (t) => {
  await expectProperty(LAB, t.dir, 'dot-stuffing', 'dotStuff doubles a leading "." and dotUnstuff undoes it');
}, { hint: 'dot-stuffing' });

graded('decoder: a stream that stops inside a line is an error', 1, async (t) => {
  await expectProperty(LAB, t.dir, 'truncated', 'end() throws when bytes of an unfinished line are held, and only then');
}, { hint: 'decoder-end' });

// ---- the server -------------------------------------------------------------------

graded('server answers a block with its status line and the block', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  for (const l of ['hello', 'world', '.']) c.send(l);
  await expectReply(c, ['hello', 'world']);
}, { hint: 'server-session' });

graded('server un-stuffs what it reads and stuffs what it sends', 2, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const lines = ['.hidden', '..', '.', 'x.', ''];
  for (const l of lines) c.send(stuffed(l));
  c.send('.');
  await expectReply(c, lines, 'the reply');
}, { hint: 'dot-stuffing' });

graded('server, chaos: splits inside CRLF and inside UTF-8 characters', 3, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const lines = ['héllo wörld ✓', '日本語のテキスト', '.é starts with a dot', 'ok'];
  const bytes = block(lines);
  // Deliberate splits first: between CR and LF, and inside the two bytes of "é" and the three of "✓".
  const crlf = bytes.indexOf('\r\n');
  const e = bytes.indexOf(utf8('é'));
  const check = bytes.indexOf(utf8('✓'));
  const cuts = [e + 1, check + 1, check + 2, crlf + 1, crlf + 2];
  const pieces = [0, ...cuts].map((from, i) => bytes.subarray(from, cuts[i] ?? bytes.length));
  showBlock(c, lines, '(sent in pieces cut inside "é", inside "✓" and between CR and LF, the rest by the chaos writer)');
  await writePieces(c.socket, pieces.slice(0, -1));
  await chaosSend(c.socket, pieces[pieces.length - 1]!, t.seed(), { maxChunk: 3 });
  await expectReply(c, lines);
}, { hint: 'decode-whole-lines' });

graded('server: 50 blocks in one write get 50 replies, in order', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const blocks = Array.from({ length: 50 }, (_, i) => [`block ${i}`, `.line ${i}`]);
  await c.write(coalesce(blocks.map(block)), '50 blocks in one write: "block 0", "..line 0", ".", "block 1", …');
  for (const [i, b] of blocks.entries()) await expectReply(c, b, `block ${i + 1} of 50`);
}, { hint: 'server-session' });

graded('server accepts a bare LF as a line end and answers with CRLF', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  await c.write(utf8('typed with nc\n.\n'), '"typed with nc\\n.\\n"   (bare LF line ends)');
  await expectReply(c, ['typed with nc']);
}, { hint: 'decoder-scan' });

graded('server: an endless line gets -ERR and a close; another client is still served', 2, async (t) => {
  const server = await t.start();
  const other = await t.tcp(server);
  const c = await t.tcp(server);
  await c.write(Buffer.alloc(5000, 0x78), '5000 bytes of "x", no line end (the limit is 1000)');
  await expectLine(c, /^-ERR /, 'an -ERR line about the over-long line');
  await c.expectClosed('the server to close the connection after its -ERR');
  if (!(await stderrMatches(server, /error/i))) throw new LabFailure(`the server refused the line but printed no error to stderr. Its output:\n${server.output()}`);
  for (const l of ['still', 'here', '.']) other.send(l);
  await expectReply(other, ['still', 'here'], 'the reply to another client');
}, { hint: 'server-errors' });

graded('server: a block larger than --max-block gets -ERR and a close', 1, async (t) => {
  const server = await t.start('server.ts', { args: ['--max-block', '100'] });
  const c = await t.tcp(server);
  for (let i = 0; i < 60; i++) c.send('');
  await expectLine(c, /^-ERR /, 'an -ERR line: 60 empty lines are 120 bytes with their CRLFs, over --max-block 100');
  await c.expectClosed('the server to close the connection after its -ERR');
}, { hint: 'server-errors' });

graded('server: a client that stops mid-line, or sends random bytes, gets an error; others are served', 2, async (t) => {
  const server = await t.start();
  const other = await t.tcp(server);
  const half = await t.tcp(server);
  await half.write(utf8('complete\r\nhalf a li'), '"complete\\r\\nhalf a li"');
  half.end();
  await half.readToEnd('the server to close the connection cut short mid-line');
  const noise = await t.tcp(server);
  const bytes = randomBytes(20_000);
  await chaosSend(noise.socket, bytes, t.seed(), { maxChunk: 2000, maxDelayMs: 1 });
  noise.transcript.add('C', `${showBytes(bytes)} (random bytes)`);
  noise.end();
  await noise.readToEnd('the server to close the connection after random bytes');
  server.assertAlive('clients sent half a line and random bytes');
  if (!(await stderrMatches(server, /error/i))) throw new LabFailure(`a client closed in the middle of a line: the server should print an error to stderr. Its output:\n${server.output()}`);
  for (const l of ['after', 'the', 'noise', '.']) other.send(l);
  await expectReply(other, ['after', 'the', 'noise'], 'the reply to another client');
}, { hint: 'server-errors' });

// ---- the client ---------------------------------------------------------------------

/** A test-side block server: reads one stuffed block, answers it in pieces of 1-3 bytes. `reply` can override. */
async function testServer(t: LabContext, reply?: () => Buffer): Promise<{ port: number; got: () => string[] | null }> {
  let got: string[] | null = null;
  const srv = net.createServer((s) => {
    let text = '';
    s.on('error', () => {});
    s.on('data', async (c: Buffer) => {
      text += c.toString('latin1');
      const end = text.startsWith('.\r\n') ? 0 : text.indexOf('\r\n.\r\n');
      if (end < 0 || got) return;
      const raw = end === 0 ? [] : text.slice(0, end).split('\r\n');
      got = raw.map((l) => Buffer.from(l.startsWith('.') ? l.slice(1) : l, 'latin1').toString('utf8'));
      const answer = reply ? reply() : Buffer.concat([utf8(`+OK ${got.length} lines, ${octets(got)} octets\r\n`), block(got)]);
      await chaosSend(s, answer, t.seed(), { maxChunk: 3, maxDelayMs: 1 });
    });
  });
  t.onCleanup(() => srv.close());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, got: () => got };
}

graded('client sends stdin as a stuffed block and prints the echoed block', 2, async (t) => {
  const srv = await testServer(t);
  const lines = ['first line', '.', '..two dots', '', 'ünïcödé ✓', 'last'];
  const r = await t.run('client.ts', { args: ['--port', String(srv.port)], stdin: lines.join('\n') + '\n', hangWhenIdle: true });
  const sent = srv.got();
  if (!sent || sent.join('\n') !== lines.join('\n')) {
    throw new LabFailure(`the client was given ${JSON.stringify(lines)} on stdin; ${sent ? `the test server read back ${JSON.stringify(sent)} (after un-stuffing). Lines that start with "." must be stuffed.` : 'the client sent no complete block (did it crash? see stderr below).'}\n${r.describe()}`);
  }
  if (r.code !== 0 || r.stdout !== lines.join('\n') + '\n') {
    throw new LabFailure(`the test server echoed the block in pieces of 1-3 bytes; the client should print the ${lines.length} lines exactly as given and exit 0.\n${r.describe()}`);
  }
}, { hint: 'client-reply' });

graded('client reports an -ERR reply with an error and a non-zero exit', 1, async (t) => {
  const srv = await testServer(t, () => utf8('-ERR not today\r\n'));
  const r = await t.run('client.ts', { args: ['--port', String(srv.port)], stdin: 'hello\n', hangWhenIdle: true });
  if (r.timedOut || r.code === 0 || /^\s+at /m.test(r.stderr) || !/not today/.test(r.stderr)) {
    throw new LabFailure(`the test server answered "-ERR not today": the client should print that on stderr as an error message (not a crash) and exit non-zero.\n${r.describe()}`);
  }
}, { hint: 'client-reply' });

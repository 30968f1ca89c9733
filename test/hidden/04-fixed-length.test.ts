// Hidden tests for lab 04 (fixed-length records): graded only when the
// instructor grades. Edge cases a student could otherwise tune to: each
// connection keeps its own leftover bytes, and a record that fills all 64 bytes.
import { labTest, LabFailure, peerHasRead, scaled, showBytes, type TcpClient } from '../../lib/harness/index.ts';

const { graded } = labTest('fixed-length');
const SIZE = 64;

function record(text: string): Buffer {
  const r = Buffer.alloc(SIZE);
  r.write(text, 'utf8');
  return r;
}
const upper = (b: Buffer) => Buffer.from(b.map((c) => (c >= 0x61 && c <= 0x7a ? c - 0x20 : c)));

async function expectReply(c: TcpClient, want: Buffer, what: string): Promise<void> {
  const got = await c.readBytes(SIZE, what);
  if (!got.equals(want)) throw new LabFailure(`${what}: expected ${showBytes(want)}, got ${showBytes(got)}.\n${c.transcript.render('expected the upper-cased record')}`);
}

graded('two clients sending half records in turn each get their own record back', 2, async (t) => {
  // A decoder shared by all connections (one module-level buffer) mixes their halves.
  const server = await t.start();
  const a = await t.tcp(server);
  const b = await t.tcp(server);
  const ra = record('first client, first record');
  const rb = record('second client, its own record');
  // sendRaw, not write: a server that already closed the connection must not stall the test.
  a.sendRaw(ra.subarray(0, 32), 'the first half of a record');
  b.sendRaw(rb.subarray(0, 32), 'the first half of another record');
  // The server reads both halves before the second halves are sent (seen in /proc/net/tcp; where it
  // cannot be seen, a pause): each half is a read of its own, however busy the machine.
  const read = await Promise.all([peerHasRead(a.socket, scaled(5000)), peerHasRead(b.socket, scaled(5000))]);
  if (!read.every(Boolean)) await new Promise((r) => setTimeout(r, 50));
  a.sendRaw(ra.subarray(32), 'the second half');
  b.sendRaw(rb.subarray(32), 'the second half');
  await expectReply(a, upper(ra), "the first client's reply");
  await expectReply(b, upper(rb), "the second client's reply");
}, { hint: 'decoder-keep-leftover' });

graded('a record whose text fills all 64 bytes (no padding at all) comes back whole', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  const full = Buffer.from('x'.repeat(SIZE - 1) + 'y');
  c.sendRaw(full, 'a record of 64 letters, no NUL padding');
  await expectReply(c, upper(full), 'the reply to a full record');
}, { hint: 'server-records' });

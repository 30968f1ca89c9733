// Hidden tests for lab 06 (length prefix, TLV): graded only when the instructor
// grades. Edge cases: an empty value is a value, a SET overwrites, and the
// smallest frame (a header alone) split byte by byte.
import { labTest, LabFailure, showBytes, type TcpClient } from '../../lib/harness/index.ts';

const { graded } = labTest('length-prefix');
const GET = 0x01;
const SET = 0x02;
const VALUE = 0x81;
const OK = 0x83;

function frame(type: number, value: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(5);
  h[0] = type;
  h.writeUInt32BE(value.length, 1);
  return Buffer.concat([h, value]);
}
function setFrame(key: string, data: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(Buffer.byteLength(key));
  return frame(SET, Buffer.concat([len, Buffer.from(key), data]));
}

async function expectFrame(c: TcpClient, type: number, value: Buffer, what: string): Promise<void> {
  const header = await c.readBytes(5, `the header of ${what}`);
  const length = header.readUInt32BE(1);
  if (length > 1 << 20) throw new LabFailure(`${what}: the header announces ${length} bytes; is the length big-endian?`);
  const got = length ? await c.readBytes(length, `the value of ${what}`) : Buffer.alloc(0);
  if (header[0] !== type || !got.equals(value)) {
    throw new LabFailure(`${what}: expected type 0x${type.toString(16)} with ${showBytes(value)}, got type 0x${header[0]!.toString(16)} with ${showBytes(got)}.\n${c.transcript.render('expected that frame')}`);
  }
}

graded('an empty value is a value: SET k = "" then GET k is VALUE with 0 bytes, not NOT_FOUND', 1, async (t) => {
  const c = await t.tcp(await t.start());
  c.sendRaw(setFrame('empty', Buffer.alloc(0)), 'SET empty = ""');
  await expectFrame(c, OK, Buffer.alloc(0), 'the reply to SET of an empty value');
  c.sendRaw(frame(GET, Buffer.from('empty')), 'GET empty');
  await expectFrame(c, VALUE, Buffer.alloc(0), 'the reply to GET of a key whose value is empty');
}, { hint: 'server-answer' });

graded('SET of a key that exists replaces its value; a frame split byte by byte is still one frame', 1, async (t) => {
  const c = await t.tcp(await t.start());
  c.sendRaw(setFrame('k', Buffer.from('old')), 'SET k = "old"');
  await expectFrame(c, OK, Buffer.alloc(0), 'the reply to the first SET');
  const again = setFrame('k', Buffer.from('new'));
  for (let i = 0; i < again.length; i++) {
    c.sendRaw(again.subarray(i, i + 1), i === 0 ? 'SET k = "new", one byte per write' : '');
    await new Promise((r) => setTimeout(r, 5));
  }
  await expectFrame(c, OK, Buffer.alloc(0), 'the reply to the second SET');
  c.sendRaw(frame(GET, Buffer.from('k')), 'GET k');
  await expectFrame(c, VALUE, Buffer.from('new'), 'the reply to GET k after it was set again');
}, { hint: 'decoder-states' });

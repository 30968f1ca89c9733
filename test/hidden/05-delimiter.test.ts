// Hidden tests for lab 05 (delimiters, byte-stuffing): graded only when the
// instructor grades. Edge cases: an empty block, and a line that is only
// dots.
import { labTest, LabFailure, type TcpClient } from '../../lib/harness/index.ts';

const { graded } = labTest('delimiter');

async function expectLine(c: TcpClient, expected: string, what: string): Promise<void> {
  const line = await c.readLine(what);
  if (line !== expected) throw new LabFailure(`${what}: expected ${JSON.stringify(expected)}.\n${c.transcript.render(`expected ${JSON.stringify(expected)}`)}`);
}

graded('an empty block (just ".") gets "+OK 0 lines, 0 octets" and "."', 1, async (t) => {
  const c = await t.tcp(await t.start());
  c.send('.');
  await expectLine(c, '+OK 0 lines, 0 octets', 'the status line of the reply to an empty block');
  await expectLine(c, '.', 'the "." that ends the empty reply');
}, { hint: 'server-session' });

graded('a line of dots only ("...") is stuffed once more on the way back', 1, async (t) => {
  const c = await t.tcp(await t.start());
  c.send('....'); // "..." stuffed
  c.send('.');
  await expectLine(c, '+OK 1 lines, 3 octets', 'the status line (one line of 3 octets, un-stuffed)');
  await expectLine(c, '....', 'the line of dots, stuffed again');
  await expectLine(c, '.', 'the "." that ends the reply');
}, { hint: 'dot-stuffing' });

// Hidden tests for lab 01 (UDP echo): graded only when the instructor grades,
// never in the handout. Edge cases a student could otherwise tune to: the
// exact --max-size boundary, one datagram per client message, a burst.
import dgram from 'node:dgram';
import { labTest, LabFailure, scaled, showBytes } from '../../lib/harness/index.ts';

const { graded } = labTest('udp-echo');

graded('echoes a datagram of exactly --max-size bytes, drops one byte more', 1, async (t) => {
  const server = await t.start('server.ts', { args: ['--max-size', '100'] });
  const c = await t.udp(server);
  const exact = Buffer.alloc(100, 0x62);
  await c.send(exact, server.port);
  const { msg } = await c.receive('the echo of a datagram of exactly --max-size (100) bytes');
  if (!msg.equals(exact)) throw new LabFailure(`sent 100 bytes with --max-size 100, got back ${showBytes(msg)}.`);
  await c.send(Buffer.alloc(101, 0x62), server.port);
  const over = await c.tryReceive(500);
  if (over) throw new LabFailure(`with --max-size 100, a 101-byte datagram was echoed (${over.msg.length} bytes). "Larger than --max-size" starts at 101.`);
}, { hint: 'max-size' });

graded('echoes a burst of 100 datagrams from one client, each once', 1, async (t) => {
  const server = await t.start();
  const c = await t.udp(server);
  for (let i = 0; i < 100; i++) await c.send(Buffer.from(`burst ${i}`), server.port);
  const got = new Set<string>();
  for (let i = 0; i < 100; i++) got.add((await c.receive(`echo ${i + 1} of a burst of 100`)).msg.toString());
  if (got.size !== 100) throw new LabFailure(`sent 100 different datagrams; got back ${got.size} different echoes.`);
}, { hint: 'echo-sender' });

graded('client sends its words as one datagram, joined by single spaces', 1, async (t) => {
  const sock = dgram.createSocket('udp4');
  t.onCleanup(() => sock.close());
  const seen: string[] = [];
  sock.on('message', (msg, from) => {
    seen.push(msg.toString());
    sock.send(msg, from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const r = await t.run('client.ts', { args: ['--port', String(sock.address().port), '--timeout', String(scaled(5000)), 'three', 'little', 'words'], hangWhenIdle: true });
  if (r.code !== 0 || seen.length !== 1 || seen[0] !== 'three little words') {
    throw new LabFailure(`the client should send "three little words" as one datagram; the test server received ${JSON.stringify(seen)}.\n${r.describe()}`);
  }
}, { hint: 'client-echo' });

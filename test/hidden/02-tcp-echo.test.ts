// Hidden tests for lab 02 (TCP echo): graded only when the instructor grades,
// never in the handout. Edge cases: an empty connection, a client that sends
// nothing on stdin, many sequential connections.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { labTest, LabFailure } from '../../lib/harness/index.ts';

const { graded } = labTest('tcp-echo', { concurrent: true });

graded('closes an empty connection (the client end()s at once), then serves the next client', 1, async (t) => {
  const server = await t.start();
  const c = await t.tcp(server);
  c.end();
  const rest = await c.readToEnd('the server to close after an empty, half-closed connection', 3000);
  if (rest.length) throw new LabFailure(`sent nothing and half-closed; expected the server to close with no data, got ${rest.length} bytes.`);
  const next = await t.tcp(server);
  next.send('after an empty one');
  await next.expect('after an empty one', 'the echo for the client after an empty connection');
}, { hint: 'half-close' });

graded('serves 50 connections one after another', 1, async (t) => {
  const server = await t.start();
  for (let i = 0; i < 50; i++) {
    const c = await t.tcp(server);
    const data = randomBytes(64);
    await c.write(data);
    c.end();
    const echo = await c.readToEnd(`the echo on connection ${i + 1} of 50`, 3000);
    if (!echo.equals(data)) throw new LabFailure(`connection ${i + 1} of 50: sent 64 bytes, got back ${echo.length} different ones.`);
    c.close();
  }
}, { hint: 'echo-data' });

graded('client with nothing on stdin and no words prints nothing and exits 0', 1, async (t) => {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  t.onCleanup(() => server.close());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const r = await t.run('client.ts', { args: ['--port', String(port)], stdin: '', hangWhenIdle: true });
  if (r.code !== 0 || r.stdout !== '') throw new LabFailure(`with an empty stdin the client should send nothing, print nothing and exit 0.\n${r.describe()}`);
}, { hint: 'client-read-all' });

// The naive server from the lesson, kept to be run and broken: it treats every
// 'data' event as one whole message. It is wrong, on purpose. TCP hands over
// bytes as they come, so one message may arrive as many events and many
// messages as one. Run it, then send to it with the chaos writer (see the lesson).
// Run: npx tsx solutions/04-fixed-length/naive-server.ts --host 127.0.0.1 --port 7003
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7003' },
  },
});

let count = 0;
const server = net.createServer((socket) => {
  socket.on('data', (chunk: Buffer) => {
    // The bug: `chunk` is whatever bytes TCP delivered, not a message.
    count++;
    const text = chunk.toString('latin1').replace(/\0+$/, '');
    console.log(`message ${count}: ${chunk.length} bytes ${JSON.stringify(text)}`);
    const reply = Buffer.alloc(64); // one 64-byte record per "message"
    reply.write(text.toUpperCase().slice(0, 64), 'latin1');
    socket.write(reply);
  });
  socket.on('error', () => {});
});
server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${address}:${port}`);
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));

// Lab 02 — TCP echo server. Your task: fill in onConnection() below.
// Run: npx tsx labs/02-tcp-echo/server.ts --port 7007      Grade: npm run grade -- 02
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7007' },
  },
});

const open = new Set<net.Socket>();

/** Echo everything a client sends, honour backpressure, and finish the echo before closing on half-close. */
function onConnection(socket: net.Socket): void {
  open.add(socket);
  socket.on('close', () => open.delete(socket));
  // TODO: on 'data', write the chunk back; if write() returns false, pause() until 'drain'.
  // TODO: on 'end' (the client half-closed), end() our side once the echo is written.
  // TODO: on 'error', log it: an unhandled 'error' event crashes the whole server.
  throw new Error(`TODO: onConnection() in labs/02-tcp-echo/server.ts is not written yet (client ${socket.remoteAddress}:${socket.remotePort})`);
}

// socket() + bind() + listen(); allowHalfOpen keeps our side open after the client's FIN.
const server = net.createServer({ allowHalfOpen: true }, onConnection);
server.on('error', (err) => {
  console.error(`cannot listen: ${err.message}`);
  process.exit(1);
});
server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${address}:${port}`);
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    for (const s of open) s.destroy();
  });
}

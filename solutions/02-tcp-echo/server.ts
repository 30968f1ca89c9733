// TCP echo server: sends back every byte each client sends, to many clients at
// once, without buffering more than a socket's worth when a client reads slowly.
// Run: npx tsx server.ts --host 127.0.0.1 --port 7007
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
  socket.on('data', (chunk) => {
    // write() returning false is Node's "partial write": the rest waits in a buffer.
    // Stop reading until it drains, or a fast sender and slow reader fill our memory.
    if (!socket.write(chunk)) socket.pause();
  });
  socket.on('drain', () => socket.resume());
  // The client called shutdown(SHUT_WR) / end(): echo what is queued, then close our side.
  socket.on('end', () => socket.end());
  // A reset (ECONNRESET) or a write to a closed peer (EPIPE) ends this client only.
  socket.on('error', (err: NodeJS.ErrnoException) => console.error(`client ${socket.remoteAddress}:${socket.remotePort}: ${err.code ?? err.message}`));
  socket.on('close', () => open.delete(socket));
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

// Lab 03 — the job server the simplest way, and the failure to meet first (given:
// run it, do not fix it). It serves ONE client at a time, from accept() to
// close(), and does the crack work on its only thread. Start it, then run the
// client against it:
//   npx tsx labs/03-concurrent-servers/iterative-server.ts --port 7003
//   npx tsx labs/03-concurrent-servers/client.ts --port 7003 crack:2000000 'echo are you there?'
// The echo, which costs nothing, waits for the whole crack job. So does every
// client that connects behind one that is slow to send its request.
import net from 'node:net';
import { on } from 'node:events';
import { parseArgs } from 'node:util';
import { crack, crackReply, errorReply, parseRequest } from './protocol.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7003' },
  },
});

/** Everything the client sends before its FIN. Nothing else happens meanwhile. */
async function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // destroyOnReturn: false, or the loop's end would destroy the socket before we reply.
  for await (const chunk of socket.iterator({ destroyOnReturn: false })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// pauseOnConnect: an accepted socket reads nothing until we get to it, like a
// connection waiting in the kernel's accept queue for a C server's next accept().
const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
server.on('error', (err) => {
  console.error(`cannot listen: ${err.message}`);
  process.exit(1);
});
server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${address}:${port} (iterative: one client at a time)`);
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));

/** The C loop `for (;;) { conn = accept(lfd); serve(conn); close(conn); }`, in Node. */
async function acceptLoop(): Promise<void> {
  for await (const [socket] of on(server, 'connection') as AsyncIterable<[net.Socket]>) {
    socket.on('error', () => {});
    socket.resume();
    const req = parseRequest(await readAll(socket));
    const reply = req.kind === 'echo' ? req.text : req.kind === 'bad' ? errorReply(req.why) : crackReply(crack(req)); // blocks everything
    socket.end(reply + '\n');
  }
}
void acceptLoop();

// UDP echo server: sends every datagram back to whoever sent it, byte for byte.
// Run: npx tsx server.ts --host 127.0.0.1 --port 7007 [--max-size 65507]
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7007' },
    'max-size': { type: 'string', default: '65507' }, // the largest UDP payload IPv4 can carry
  },
});
const maxSize = Number(values['max-size']);

// socket(AF_INET, SOCK_DGRAM, 0)
const socket = dgram.createSocket('udp4');

/** Echo one datagram to its sender; drop one larger than --max-size, and say so on stderr. */
function onDatagram(msg: Buffer, from: dgram.RemoteInfo): void {
  if (msg.length > maxSize) {
    console.error(`dropped a ${msg.length}-byte datagram from ${from.address}:${from.port}: larger than --max-size ${maxSize}`);
    return;
  }
  // sendto(fd, buf, len, 0, &from, fromlen): the reply goes to the address recvfrom() reported.
  socket.send(msg, from.port, from.address, (err) => {
    if (err) console.error(`could not echo to ${from.address}:${from.port}: ${err.message}`);
  });
}

// recvfrom() in a loop, the Node way: one 'message' event per datagram.
socket.on('message', onDatagram);
socket.on('error', (err) => console.error(`socket error: ${err.message}`));

// bind(fd, {host, port}); port 0 asks the OS for any free port.
socket.bind(Number(values.port), values.host, () => {
  const { address, port } = socket.address();
  console.log(`listening on ${address}:${port}`);
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => socket.close(() => process.exit(0)));
}

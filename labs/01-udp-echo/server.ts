// Lab 01 — UDP echo server. Your task: fill in onDatagram() below.
// Run: npx tsx labs/01-udp-echo/server.ts --port 7007      Grade: npm run grade -- 01
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
  // TODO: send `msg` back to `from` (socket.send), unless it is longer than maxSize:
  //       then print a line containing "dropped" to stderr and send nothing.
  throw new Error(`TODO: onDatagram() in labs/01-udp-echo/server.ts is not written yet (got ${msg.length} bytes from ${from.address}:${from.port}, maxSize ${maxSize})`);
}

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

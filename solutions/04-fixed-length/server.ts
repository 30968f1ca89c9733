// Upper-casing server over fixed-length records: each 64-byte record that
// arrives goes back as one 64-byte record with a-z turned to A-Z.
// Run: npx tsx server.ts --host 127.0.0.1 --port 7003
import net from 'node:net';
import { parseArgs } from 'node:util';
import { FixedLengthDecoder } from './record.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7003' },
  },
});

/** ASCII a-z to A-Z, byte by byte; every other byte (UTF-8 included) is left alone. */
function upperCase(message: Buffer): Buffer {
  const out = Buffer.from(message);
  for (let i = 0; i < out.length; i++) if (out[i]! >= 0x61 && out[i]! <= 0x7a) out[i]! -= 0x20;
  return out;
}

/** Serve one connection: cut the stream into records, answer each one, report a record cut short. */
function serve(socket: net.Socket): void {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const decoder = new FixedLengthDecoder();
  socket.on('data', (chunk: Buffer) => {
    // Record in, record out: the padding (and any byte at all) passes through, so no input can make us fail.
    for (const record of decoder.push(chunk)) socket.write(upperCase(record));
    // A client that sends faster than it reads: stop reading until our replies drain
    // (checked once per chunk, so one paused socket waits on one 'drain' listener).
    if (socket.writableNeedDrain) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  });
  socket.on('end', () => {
    try {
      decoder.end();
    } catch (err) {
      console.error(`${peer}: error: ${(err as Error).message}; closing the connection`);
    }
    socket.end();
  });
  socket.on('error', (err) => console.error(`${peer}: connection error: ${err.message}`));
}

// socket() + bind() + listen(); each accept() arrives as a 'connection' event.
const server = net.createServer({ allowHalfOpen: true }, serve);
server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address() as net.AddressInfo;
  console.log(`listening on ${address}:${port}`);
});

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    server.close();
    process.exit(0);
  });
}

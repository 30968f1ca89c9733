// Lab 04 — upper-casing server over fixed-length records. Your task: write serve() below.
// Each 64-byte record that arrives goes back as one 64-byte record with a-z turned to A-Z.
// Run: npx tsx labs/04-fixed-length/server.ts --port 7003      Grade: npm run grade -- 04
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
  // TODO: one FixedLengthDecoder per connection; on 'data', push the chunk and write
  //       upperCase(record) for every record it returns. On 'end', call decoder.end()
  //       (print its error to stderr if it throws) and end the socket. Handle 'error'.
  throw new Error(`TODO: serve() in labs/04-fixed-length/server.ts is not written yet (a client connected from port ${socket.remotePort}; ${upperCase.name} and ${FixedLengthDecoder.name} are ready to use)`);
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

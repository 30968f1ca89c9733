// Lab 05 — block echo server. Your task: BlockSession.onLine() and serve(), marked TODO.
// Block echo server: a miniature of SMTP's DATA and POP3's RETR. A client
// sends a block of lines ended by a line holding only "."; the server answers
// with a status line counting what it got, then the same block, byte-stuffed.
//   C: hello
//   C: ..starts with a dot
//   C: .
//   S: +OK 2 lines, 23 octets
//   S: hello
//   S: ..starts with a dot
//   S: .
// Run: npx tsx labs/05-delimiter/server.ts --port 7004      Grade: npm run grade -- 05
// Options: [--max-line 1000] [--max-block 1048576]
import net from 'node:net';
import { parseArgs } from 'node:util';
import { LineDecoder, LineTooLongError, dotUnstuff, encodeBlock, encodeLine, isTerminator } from './line-decoder.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7004' },
    'max-line': { type: 'string', default: '1000' }, // bytes per line, CRLF included
    'max-block': { type: 'string', default: String(1024 * 1024) }, // bytes per block as sent, line ends included
  },
});
const maxLine = Number(values['max-line']);
const maxBlock = Number(values['max-block']);

/** A protocol error: the peer gets `-ERR <message>` and the connection is closed. */
class ProtocolError extends Error {}

/** One connection's state: the block being collected. Knows nothing of sockets. */
class BlockSession {
  private lines: Buffer[] = [];
  private octets = 0; // of the un-stuffed lines, for the status line
  private size = 0; // of the block as held, a CRLF counted per line, for the limit

  /** Take one received line; returns the reply once the block is complete, else null. */
  onLine(line: Buffer): Buffer | null {
    // TODO: on the "." line, return the status line "+OK <n> lines, <m> octets" (encodeLine) followed by
    //       encodeBlock(the lines), and start a new block. Otherwise keep a copy of dotUnstuff(line), add its
    //       length to the octets and its length + 2 (its CRLF) to the size, and throw a ProtocolError once
    //       the size passes maxBlock (so endless empty lines are refused too).
    throw new Error(`TODO: BlockSession.onLine() in labs/05-delimiter/server.ts is not written yet (got a line of ${line.length} bytes; ${[isTerminator, dotUnstuff, encodeBlock, encodeLine].map((f) => f.name).join(', ')} are ready to use)`);
  }

  /** Lines of a block not yet ended by ".". */
  get open(): number {
    return this.lines.length;
  }
}

/** Wire a socket to a decoder and a session; errors go to the peer and to stderr, never out of the handler. */
function serve(socket: net.Socket): void {
  // TODO: one LineDecoder(maxLine) and one BlockSession per connection. On 'data': push the chunk, pass each
  //       line to session.onLine() and write any reply. A LineTooLongError or ProtocolError: write
  //       "-ERR <message>", print it to stderr and end the socket. On 'end': decoder.end() (it may throw) and
  //       report an open block (session.open > 0) to stderr, then end the socket. Handle 'error'.
  throw new Error(`TODO: serve() in labs/05-delimiter/server.ts is not written yet (a client connected from port ${socket.remotePort}; ${[LineDecoder, LineTooLongError, ProtocolError, BlockSession].map((c) => c.name).join(', ')} are ready to use)`);
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

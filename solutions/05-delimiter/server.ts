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
// Run: npx tsx server.ts --host 127.0.0.1 --port 7004 [--max-line 1000] [--max-block 1048576]
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
    if (isTerminator(line)) {
      const reply = Buffer.concat([encodeLine(`+OK ${this.lines.length} lines, ${this.octets} octets`), encodeBlock(this.lines)]);
      this.lines = [];
      this.octets = 0;
      this.size = 0;
      return reply;
    }
    const text = dotUnstuff(line);
    this.octets += text.length;
    // Lines are short, but a block of endless short (even empty) lines would still grow without bound.
    this.size += text.length + 2;
    if (this.size > maxBlock) throw new ProtocolError(`block too large: over ${maxBlock} bytes`);
    this.lines.push(Buffer.from(text)); // a copy: a view would keep the whole chunk it came in alive
    return null;
  }

  /** Lines of a block not yet ended by ".". */
  get open(): number {
    return this.lines.length;
  }
}

/** Wire a socket to a decoder and a session; errors go to the peer and to stderr, never out of the handler. */
function serve(socket: net.Socket): void {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const decoder = new LineDecoder(maxLine);
  const session = new BlockSession();
  let refused = false;
  const refuse = (message: string) => {
    refused = true;
    console.error(`${peer}: error: ${message}; closing the connection`);
    socket.end(encodeLine(`-ERR ${message}`));
    socket.removeAllListeners('data');
    socket.on('data', () => {}); // drain and ignore whatever else it sends
  };
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const line of decoder.push(chunk)) {
        const reply = session.onLine(line);
        if (reply) socket.write(reply);
      }
    } catch (err) {
      if (err instanceof LineTooLongError || err instanceof ProtocolError) refuse(err.message);
      else throw err;
    }
    // The client sends faster than it reads: stop reading until our replies drain
    // (checked once per chunk, so one paused socket waits on one 'drain' listener).
    if (!refused && socket.writableNeedDrain) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
  });
  socket.on('end', () => {
    if (refused) return socket.end(); // already reported; what it sent after that was ignored
    try {
      decoder.end();
      if (session.open > 0) console.error(`${peer}: error: connection closed in the middle of a block (${session.open} lines, no ".")`);
    } catch (err) {
      console.error(`${peer}: error: ${(err as Error).message}`);
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

// Key-value server over TLV frames: GET, SET and DEL (messages.ts), one store
// shared by every client. A frame the server cannot use gets an ERROR reply;
// a frame it cannot even read (too large, cut short) ends the connection.
// Run: npx tsx server.ts --host 127.0.0.1 --port 7005 [--max-frame 1048576]
import net from 'node:net';
import { parseArgs } from 'node:util';
import { FrameDecoder, FrameTooLargeError, encodeFrame, type Frame } from './frame.ts';
import { DEL, GET, NOT_FOUND, OK, SET, VALUE, errorFrame, parseSet, typeName } from './messages.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7005' },
    'max-frame': { type: 'string', default: String(1024 * 1024) }, // the longest value a client may announce
  },
});
const maxFrame = Number(values['max-frame']);

/** The store, by key bytes (latin1 maps each byte to one char, so any key is a distinct string). */
const store = new Map<string, Buffer>();

/** Answer one request frame. Never throws: a bad request gets an ERROR frame, and the stream stays in step. */
function answer(frame: Frame): Buffer {
  switch (frame.type) {
    case GET: {
      const data = store.get(frame.value.toString('latin1'));
      return data ? encodeFrame(VALUE, data) : encodeFrame(NOT_FOUND);
    }
    case SET: {
      const set = parseSet(frame.value);
      if (!set) return errorFrame(`malformed SET: its key length points past the end of its ${frame.value.length}-byte value`);
      // Copy: the value may be a view into a chunk we would otherwise keep alive whole.
      store.set(set.key.toString('latin1'), Buffer.from(set.data));
      return encodeFrame(OK);
    }
    case DEL:
      return encodeFrame(store.delete(frame.value.toString('latin1')) ? OK : NOT_FOUND);
    default:
      return errorFrame(`unknown message type ${typeName(frame.type)}`);
  }
}

/** Wire a socket to a decoder; unreadable input ends this connection with an ERROR, never the server. */
function serve(socket: net.Socket): void {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const decoder = new FrameDecoder(maxFrame);
  socket.on('data', (chunk: Buffer) => {
    let frames: Frame[];
    try {
      frames = decoder.push(chunk);
    } catch (err) {
      if (!(err instanceof FrameTooLargeError)) throw err;
      console.error(`${peer}: error: ${err.message}; closing the connection`);
      socket.end(errorFrame(err.message));
      socket.removeAllListeners('data');
      socket.resume(); // read and drop whatever else it sends until it closes
      return;
    }
    for (const frame of frames) {
      if (!socket.write(answer(frame))) {
        // The client sends faster than it reads: stop reading until our replies drain.
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
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

// Key-value server over TLV frames: GET, SET and DEL (messages.ts), one store
// shared by every client. A frame the server cannot use gets an ERROR reply;
// a frame it cannot even read (too large, cut short) ends the connection.
// Run: npx tsx server.ts --host 127.0.0.1 --port 7005 [--max-frame 1048576] [--max-store 67108864]
import net from 'node:net';
import { parseArgs } from 'node:util';
import { FrameDecoder, FrameTooLargeError, encodeFrame, type Frame } from './frame.ts';
import { DEL, GET, NOT_FOUND, OK, SET, VALUE, errorFrame, parseSet, typeName } from './messages.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7005' },
    'max-frame': { type: 'string', default: String(1024 * 1024) }, // the longest value a client may announce
    'max-store': { type: 'string', default: String(64 * 1024 * 1024) }, // bytes of keys and data the store may hold
  },
});
const maxFrame = Number(values['max-frame']);
const maxStore = Number(values['max-store']);

/** The store shared by every client, capped in bytes (keys and data) so that clients cannot fill the server's memory. */
class Store {
  // Keys as latin1 strings: one char per byte, so any key bytes map to a distinct string.
  private entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get(key: Buffer): Buffer | undefined {
    return this.entries.get(key.toString('latin1'));
  }

  /** Keep a copy of `data` under `key`; returns false, storing nothing, if that would pass maxBytes. */
  set(key: Buffer, data: Buffer): boolean {
    const k = key.toString('latin1');
    const old = this.entries.get(k);
    const bytes = this.bytes - (old ? key.length + old.length : 0) + key.length + data.length;
    if (bytes > this.maxBytes) return false;
    // A copy: the value may be a view into a chunk we would otherwise keep alive whole.
    this.entries.set(k, Buffer.from(data));
    this.bytes = bytes;
    return true;
  }

  /** Remove `key`; false if there was no such key. */
  delete(key: Buffer): boolean {
    const k = key.toString('latin1');
    const old = this.entries.get(k);
    if (!old) return false;
    this.entries.delete(k);
    this.bytes -= key.length + old.length;
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}

const store = new Store(maxStore);

/** Answer one request frame. Never throws: a bad request gets an ERROR frame, and the stream stays in step. */
function answer(frame: Frame): Buffer {
  switch (frame.type) {
    case GET: {
      const data = store.get(frame.value);
      return data ? encodeFrame(VALUE, data) : encodeFrame(NOT_FOUND);
    }
    case SET: {
      const set = parseSet(frame.value);
      if (!set) return errorFrame(`malformed SET: its key length points past the end of its ${frame.value.length}-byte value`);
      if (!store.set(set.key, set.data)) return errorFrame(`store full: it holds at most ${store.maxBytes} bytes of keys and data`);
      return encodeFrame(OK);
    }
    case DEL:
      return encodeFrame(store.delete(frame.value) ? OK : NOT_FOUND);
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
    for (const frame of frames) socket.write(answer(frame));
    // The client sends faster than it reads: stop reading until our replies drain
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

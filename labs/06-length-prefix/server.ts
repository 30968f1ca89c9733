// Lab 06 — key-value server. Your task: answer() and serve(), marked TODO.
// Key-value server over TLV frames: GET, SET and DEL (messages.ts), one store
// shared by every client. A frame the server cannot use gets an ERROR reply;
// a frame it cannot even read (too large, cut short) ends the connection.
// Run: npx tsx labs/06-length-prefix/server.ts --port 7005 [--max-frame 1048576] [--max-store 67108864]
// Grade: npm run grade -- 06
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
  // TODO: GET -> VALUE with store.get(key), or NOT_FOUND. SET -> parseSet(frame.value), then store.set(key, data):
  //       OK, or an ERROR frame if the store is full (set returned false); a malformed SET gets an ERROR frame too.
  //       DEL -> OK, or NOT_FOUND if there was no such key. Any other type -> an ERROR frame naming it (typeName).
  throw new Error(`TODO: answer() in labs/06-length-prefix/server.ts is not written yet (got ${typeName(frame.type)}; ${[encodeFrame, parseSet, errorFrame].map((f) => f.name).join(', ')} and the store (${store.size} keys) are ready to use; types ${[GET, SET, DEL, VALUE, NOT_FOUND, OK].join(', ')})`);
}

/** Wire a socket to a decoder; unreadable input ends this connection with an ERROR, never the server. */
function serve(socket: net.Socket): void {
  // TODO: one FrameDecoder(maxFrame) per connection. On 'data': push the chunk and write answer(frame) for
  //       each frame. If push() throws FrameTooLargeError: print it to stderr, socket.end(errorFrame(message)),
  //       and ignore anything else this client sends. On 'end': decoder.end() in try/catch (print its error),
  //       then socket.end(). Handle 'error'.
  throw new Error(`TODO: serve() in labs/06-length-prefix/server.ts is not written yet (a client connected from port ${socket.remotePort}; ${[FrameDecoder, FrameTooLargeError].map((c) => c.name).join(', ')} are ready to use)`);
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

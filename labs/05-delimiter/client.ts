// Lab 05 — block echo client. Your task: readReply(), marked TODO.
// Block echo client: reads text from stdin, sends it as one block (each line
// byte-stuffed, then "."), and prints the block the server sends back.
// Run: printf 'hello\n.dot\n' | npx tsx labs/05-delimiter/client.ts --port 7004
import net from 'node:net';
import { parseArgs } from 'node:util';
import { LineDecoder, dotUnstuff, encodeBlock, isTerminator } from './line-decoder.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7004' },
  },
});

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

/** Stdin as lines: split at LF, a CR before it dropped; a last line without LF still counts. */
function readInputLines(): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('error', reject);
    process.stdin.on('end', () => {
      const decoder = new LineDecoder(Number.MAX_SAFE_INTEGER);
      const all = Buffer.concat(chunks);
      const lines = decoder.push(all.length && all[all.length - 1] !== 0x0a ? Buffer.concat([all, Buffer.from('\n')]) : all);
      resolve(lines);
    });
  });
}

/** Read the reply: a status line, then body lines up to ".", unstuffed. Resolves with the body. */
function readReply(socket: net.Socket): Promise<Buffer[]> {
  // TODO: push each 'data' chunk into a LineDecoder. The first line is the status: reject with an Error
  //       holding it unless it starts with "+OK". Then collect dotUnstuff(line) until isTerminator(line),
  //       and resolve with those lines. Reject if the server closes ('end') before the ".".
  throw new Error(`TODO: readReply() in labs/05-delimiter/client.ts is not written yet (connected to port ${socket.remotePort}; ${[dotUnstuff, isTerminator].map((f) => f.name).join(', ')} are ready to use)`);
}

const lines = await readInputLines();
const socket = net.connect({ host: values.host, port: Number(values.port) });
socket.on('connect', () => socket.write(encodeBlock(lines)));
try {
  const body = await readReply(socket);
  // Join the bytes first, decode once: a character split across lines or chunks stays whole.
  process.stdout.write(Buffer.concat(body.flatMap((l) => [l, Buffer.from('\n')])));
  socket.end();
} catch (err) {
  socket.destroy();
  fail(`${values.host}:${values.port}: ${(err as Error).message}`);
}

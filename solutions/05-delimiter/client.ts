// Block echo client: reads text from stdin, sends it as one block (each line
// byte-stuffed, then "."), and prints the block the server sends back.
// Run: printf 'hello\n.dot\n' | npx tsx client.ts --host 127.0.0.1 --port 7004
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
  return new Promise((resolve, reject) => {
    const decoder = new LineDecoder();
    let status: string | null = null;
    const body: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const line of decoder.push(chunk)) {
          if (status === null) {
            status = line.toString('utf8');
            if (!status.startsWith('+OK')) return reject(new Error(`server said: ${status}`));
          } else if (isTerminator(line)) {
            return resolve(body);
          } else {
            body.push(dotUnstuff(line));
          }
        }
      } catch (err) {
        reject(err);
      }
    });
    socket.on('end', () => reject(new Error(status === null ? 'the server closed without a reply' : `the server closed after ${body.length} lines, before the "." that ends the block`)));
    socket.on('error', reject);
  });
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

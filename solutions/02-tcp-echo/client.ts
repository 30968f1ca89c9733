// TCP echo client: sends a message (the arguments, or all of stdin), half-closes,
// and prints every byte of the echo until the server closes.
// Run: npx tsx client.ts --host 127.0.0.1 --port 7007 hello      or: cat file | npx tsx client.ts --port 7007
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7007' },
  },
});

/** What to send: the arguments and a newline, or everything on stdin. */
async function message(): Promise<Buffer> {
  if (positionals.length) return Buffer.from(positionals.join(' ') + '\n');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

// socket() + connect(); allowHalfOpen: after our end() we still read the echo.
const socket = net.connect({ host: values.host, port: Number(values.port), allowHalfOpen: true });
socket.on('connect', () => {
  // write, then shutdown(SHUT_WR): "that is all I will send"
  message().then((data) => socket.end(data));
});
// One write is not one 'data' event: the echo may come in any number of pieces.
socket.on('data', (chunk) => {
  if (!process.stdout.write(chunk)) {
    socket.pause();
    process.stdout.once('drain', () => socket.resume());
  }
});
socket.on('end', () => socket.destroy());
socket.on('error', (err: NodeJS.ErrnoException) => {
  console.error(err.code === 'ECONNREFUSED' ? `error: nothing is listening on ${values.host}:${values.port} (ECONNREFUSED)` : `error: ${err.message}`);
  process.exitCode = 1;
});

// Lab 02 — TCP echo client. Your task: fill in the TODOs below.
// Run: npx tsx labs/02-tcp-echo/client.ts --port 7007 hello     Grade: npm run grade -- 02
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
  // TODO 1: send message() (a promise of the bytes) and half-close: one socket call can do both.
  throw new Error(`TODO: the client in labs/02-tcp-echo/client.ts is not written yet (connected to ${socket.remoteAddress}:${socket.remotePort})`);
});

// TODO 2: write every 'data' chunk to process.stdout, until the server's 'end'.

// TODO 3: on 'error', print one line to stderr (say ECONNREFUSED plainly) and set process.exitCode = 1.
//         Register it here, not inside 'connect': a refused connection never connects.

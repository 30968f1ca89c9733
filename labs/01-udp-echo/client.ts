// Lab 01 — UDP echo client. Your task: fill in the three TODOs below.
// Run: npx tsx labs/01-udp-echo/client.ts --port 7007 hello     Grade: npm run grade -- 01
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7007' },
    timeout: { type: 'string', default: '500' }, // ms to wait for each echo
    tries: { type: 'string', default: '3' },
  },
});
const host = values.host!;
const port = Number(values.port);
const timeoutMs = Number(values.timeout);
const tries = Number(values.tries);
const message = Buffer.from(positionals.join(' '));

const socket = dgram.createSocket('udp4');

/** Print a line (stdout for the echo, stderr for an error) and exit with `code`. */
function finish(code: number, line: string): never {
  (code === 0 ? process.stdout : process.stderr).write(line + '\n');
  socket.close();
  process.exit(code);
}

/** Send the message, wait `timeoutMs` for its echo, and try again up to `tries` times in all. */
function attempt(n: number): void {
  // TODO 1: send `message`, then start a timer: if no echo comes within timeoutMs, try again;
  //         after `tries` attempts, finish(1, 'error: no echo ...').
  throw new Error(`TODO: attempt() in labs/01-udp-echo/client.ts is not written yet (attempt ${n} of ${tries}, ${timeoutMs} ms, ${message.length} bytes)`);
}

// TODO 2: on 'message', stop the timer and finish(0, <the echo as text>).

// TODO 3: on 'error', report ECONNREFUSED ("nothing is listening") with finish(1, ...).

// A connected UDP socket: only the server's datagrams reach us, and an ICMP
// "port unreachable" comes back as an error instead of silence.
socket.connect(port, host, () => attempt(1));

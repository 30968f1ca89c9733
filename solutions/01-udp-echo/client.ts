// UDP echo client: sends one message, waits for the echo, retries a few times,
// and reports a server that is not running instead of waiting forever.
// Run: npx tsx client.ts --host 127.0.0.1 --port 7007 [--timeout 500] [--tries 3] hello
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

function finish(code: number, line: string): never {
  (code === 0 ? process.stdout : process.stderr).write(line + "\n");
  socket.close();
  process.exit(code);
}

let timer: NodeJS.Timeout | undefined;

/** Send the message, wait `timeoutMs` for its echo, and try again up to `tries` times in all. */
function attempt(n: number): void {
  socket.send(message);
  timer = setTimeout(() => {
    if (n >= tries) finish(1, `error: no echo from ${host}:${port} after ${tries} tries (${timeoutMs} ms each)`);
    console.error(`no echo within ${timeoutMs} ms, retrying (${n + 1}/${tries})`);
    attempt(n + 1);
  }, timeoutMs);
}

socket.on('message', (echo) => {
  clearTimeout(timer);
  finish(0, echo.toString());
});

// A connected UDP socket: the kernel drops datagrams from any other address, and
// an ICMP "port unreachable" comes back to us as ECONNREFUSED.
socket.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'ECONNREFUSED') finish(1, `error: nothing is listening on ${host}:${port} (ECONNREFUSED)`);
  finish(1, `error: ${err.message}`);
});
socket.connect(port, host, () => attempt(1));

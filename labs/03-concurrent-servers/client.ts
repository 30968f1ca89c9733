// Lab 03 — a client to feel the difference between servers (given: a tool, not an exercise).
// Opens one connection per request, all at once (50 ms apart, in the order
// given), and prints each reply with how long it took.
//   npx tsx labs/03-concurrent-servers/client.ts --port 7003 crack:2000000 'echo hi' slow 'echo there'
// A request is "echo TEXT", "crack SALT HASH LIMIT", or a shorthand:
//   crack:N  a crack job whose answer is N-1: about N hashes of work
//   slow     connect and send nothing (the server should hang up after its idle timeout)
// Each connection waits at most --wait seconds (default 20) for its reply.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7003' },
    wait: { type: 'string', default: '20' }, // seconds to wait for each reply
  },
  allowPositionals: true,
});
if (positionals.length === 0) {
  console.error("usage: client.ts [--host H] [--port P] REQUEST...   e.g. crack:2000000 'echo hi' slow");
  process.exit(2);
}

/** A crack job whose answer is n - 1, so the server tries n numbers. */
function crackJob(n: number): string {
  const salt = randomBytes(4).toString('hex');
  return `crack ${salt} ${createHash('sha256').update(salt + (n - 1)).digest('hex')} ${n}`;
}

const started = Date.now();
const since = () => `${((Date.now() - started) / 1000).toFixed(2)} s`;

function run(i: number, arg: string): Promise<void> {
  const m = /^crack:(\d+)$/.exec(arg);
  const request = m ? crackJob(Number(m[1])) : arg === 'slow' ? undefined : arg;
  const label = `[${i + 1}] ${arg.length > 30 ? arg.slice(0, 27) + '...' : arg}`.padEnd(36);
  return new Promise((resolve) => {
    const socket = net.connect(Number(values.port), values.host, () => {
      if (request !== undefined) socket.end(request); // the whole request, then FIN
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    let failed = '';
    socket.on('error', (err: NodeJS.ErrnoException) => (failed = err.code ?? err.message));
    // A server stuck on another client may never answer: give up after --wait seconds.
    socket.setTimeout(Number(values.wait) * 1000, () => {
      failed = `no reply after ${values.wait} s: gave up`;
      socket.destroy();
    });
    socket.on('close', () => {
      const reply = Buffer.concat(chunks).toString('utf8').trimEnd();
      console.log(`${label} -> ${failed ? `error: ${failed}` : reply || '(closed by the server, no reply)'}   (${since()})`);
      resolve();
    });
  });
}

const done: Promise<void>[] = [];
positionals.forEach((arg, i) => {
  done.push(new Promise((r) => setTimeout(() => run(i, arg).then(r), 50 * i)));
});
void Promise.all(done);

// npm run spy -- --listen PORT --to HOST:PORT [--chaos SEED] [--chunks]
// Point a client (curl, fetchmail, talk) at the spy's port: it forwards to your
// server and prints the conversation as a timestamped C:/S: transcript.
import { chaosSeed } from '../harness/chaos.ts';
import { dim } from '../term.ts';
import { startSpy } from '../tools/spy.ts';
import { parse } from './args.ts';

const USAGE =
  'npm run spy -- --listen PORT --to HOST:PORT [--chaos SEED] [--max-chunk N] [--chunks] [--host ADDR]\n' +
  '  --listen 0 picks a free port and prints it.  --chaos SEED re-chunks both directions at random boundaries,\n' +
  '  the same ones for the same seed (--chaos random picks one and prints it).  --chunks shows every piece forwarded.\n' +
  '  --host: the address to listen on (default 127.0.0.1).';
const { values } = parse(
  process.argv.slice(2),
  {
    listen: { type: 'string' },
    to: { type: 'string' },
    chaos: { type: 'string' },
    'max-chunk': { type: 'string' },
    chunks: { type: 'boolean' },
    host: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  USAGE,
);
const fail = (why: string): never => {
  console.error(`${why}\n\nUsage: ${USAGE}`);
  process.exit(2);
};
const listenPort = Number(values.listen);
if (values.listen === undefined || !Number.isInteger(listenPort) || listenPort < 0 || listenPort > 65535) fail('--listen PORT is needed (0 for any free port).');
const to = /^(.+):(\d+)$/.exec(values.to ?? '') ?? fail('--to HOST:PORT is needed: where your server listens, e.g. --to 127.0.0.1:1100.');
let seed: number | undefined;
if (values.chaos !== undefined) {
  seed = values.chaos === 'random' ? chaosSeed() : Number(values.chaos);
  if (!Number.isInteger(seed) || seed < 1) fail(`--chaos ${values.chaos}: the seed is a whole number ≥ 1 (or 'random').`);
}
const maxChunk = values['max-chunk'] === undefined ? undefined : Number(values['max-chunk']);
if (maxChunk !== undefined && !(Number.isInteger(maxChunk) && maxChunk >= 1)) fail('--max-chunk N: a whole number of bytes ≥ 1.');

let spy;
try {
  spy = await startSpy({
    listenPort,
    listenHost: values.host,
    to: { host: to[1]!, port: Number(to[2]) },
    chaos: seed === undefined ? undefined : { seed, maxChunk },
    view: values.chunks ? 'chunks' : 'lines',
    log: (line) => console.log(line),
  });
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  fail(err.code === 'EADDRINUSE' ? `port ${listenPort} is already in use; pick another, or --listen 0.` : err.message);
}
console.log(`spy listening on ${spy!.host}:${spy!.port}, forwarding to ${to[1]}:${to[2]}`);
if (seed !== undefined) console.log(dim(`chaos seed ${seed}: every connection is re-chunked; replay with --chaos ${seed}`));
console.log(dim('Point your client at the port above. Ctrl-C stops.'));
const stop = () => void spy!.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

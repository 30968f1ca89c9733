// npm run talk -- HOST PORT   (or PORT, or HOST:PORT)   [--udp] [--lf]
// Type lines to a server and see its replies with CR/LF made visible.
import { talk } from '../tools/talk.ts';
import { parse } from './args.ts';

const USAGE = 'npm run talk -- [HOST] PORT [--udp] [--lf]\n  HOST defaults to 127.0.0.1; HOST:PORT works too.\n  --udp: one datagram per line (lab 01).  --lf: end lines with a bare LF instead of CRLF.';
const { values, positionals } = parse(
  process.argv.slice(2),
  { udp: { type: 'boolean' }, lf: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  USAGE,
);
let host = '127.0.0.1';
let portText: string | undefined;
if (positionals.length === 2) [host, portText] = positionals as [string, string];
else if (positionals.length === 1) {
  const m = /^(.*):(\d+)$/.exec(positionals[0]!);
  if (m) [host, portText] = [m[1]!, m[2]!];
  else portText = positionals[0];
}
const port = Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`${portText === undefined ? 'No port given' : `'${portText}' is not a port`}.\n\nUsage: ${USAGE}`);
  process.exit(2);
}
process.exit(await talk({ host, port, udp: values.udp, lf: values.lf }));

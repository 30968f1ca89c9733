// The lesson's opening demo: start a record server, send it three 64-byte
// records with the chaos writer (the same bytes, in random small pieces), and
// show what each side saw. Against naive-server.ts it shows the byte-stream
// problem; against server.ts, the fix.
//   npx tsx test/drivers/chaos-demo.ts labs/04-fixed-length/naive-server.ts [--seed N] [--one-write]
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chaosWrite, randomSplit, startServer } from '../../lib/harness/index.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { seed: { type: 'string', default: '3' }, 'one-write': { type: 'boolean', default: false } } });
const file = path.resolve(positionals[0] ?? 'solutions/04-fixed-length/naive-server.ts');
const seed = Number(values.seed);

const texts = ['hello, records', 'three messages', 'one stream'];
const records = texts.map((t) => {
  const r = Buffer.alloc(64);
  r.write(t);
  return r;
});

const server = await startServer(file);
const socket = net.connect({ host: '127.0.0.1', port: server.port });
await new Promise((r) => socket.once('connect', r));
const replies: Buffer[] = [];
socket.on('data', (c: Buffer) => replies.push(c));

const bytes = Buffer.concat(records);
for (const t of texts) console.log(`C: ${JSON.stringify(t)} + ${64 - t.length} NUL bytes   (one 64-byte record)`);
if (values['one-write']) {
  console.log(`#  all ${bytes.length} bytes go in one write`);
  socket.write(bytes);
} else {
  console.log(`#  the chaos writer (seed ${seed}) sends these ${bytes.length} bytes as ${randomSplit(bytes, seed).length} writes of 1-7 bytes`);
  await chaosWrite(socket, bytes, seed);
}
await new Promise((r) => setTimeout(r, 300)); // the demo's only sleep: let the last replies and log lines arrive

const got = Buffer.concat(replies);
const log = server.stdout.text().split('\n').filter((l) => l.startsWith('message'));
if (log.length > 0) console.log(`#  server's log: ${log.length} 'data' event(s)`);
else console.log('#  (this server does not log its events)');
for (const l of log.slice(0, 6)) console.log(`#    ${l}`);
if (log.length > 6) console.log(`#    … ${log.length - 6} more`);
const shown = (r: Buffer) => `S: ${JSON.stringify(r.toString('latin1').replace(/\0+$/, ''))}`;
const back: string[] = [];
for (let i = 0; i + 64 <= got.length; i += 64) back.push(shown(got.subarray(i, i + 64)));
console.log(back.slice(0, 8).join('\n'));
if (back.length > 8) console.log(`S: … ${back.length - 8} more`);
console.log(`#  ${back.length} reply record(s) for ${records.length} records sent`);
socket.destroy();
await server.stop();

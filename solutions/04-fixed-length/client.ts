// Client for the upper-casing record server: sends each argument as one
// 64-byte record, then prints each reply on its own line.
// Run: npx tsx client.ts --host 127.0.0.1 --port 7003 hello world
import net from 'node:net';
import { parseArgs } from 'node:util';
import { FixedLengthDecoder, decodeRecord, encodeRecord } from './record.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7003' },
  },
});

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

// Encode everything first: a message that does not fit is refused before anything is sent.
let records: Buffer[];
try {
  records = positionals.map((word) => encodeRecord(Buffer.from(word, 'utf8')));
} catch (err) {
  fail((err as Error).message);
}

const replies: string[] = [];
const decoder = new FixedLengthDecoder();
const socket = net.connect({ host: values.host, port: Number(values.port) }, () => {
  // All records in one write: the stream, not the writes, carries the boundaries.
  socket.end(Buffer.concat(records));
});
socket.on('data', (chunk: Buffer) => {
  for (const record of decoder.push(chunk)) replies.push(decodeRecord(record).toString('utf8'));
});
socket.on('end', () => {
  try {
    decoder.end();
  } catch (err) {
    fail(`the server's reply was cut short: ${(err as Error).message}`);
  }
  if (replies.length !== records.length) fail(`sent ${records.length} records, got ${replies.length} back`);
  for (const r of replies) console.log(r);
  socket.destroy();
});
socket.on('error', (err) => fail(`${values.host}:${values.port}: ${err.message}`));

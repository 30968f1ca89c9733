// Lab 04 — client for the upper-casing record server. Your task: read the replies (TODO below).
// Sends each argument as one 64-byte record, then prints each reply on its own line.
// Run: npx tsx labs/04-fixed-length/client.ts --port 7003 hello world
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

const socket = net.connect({ host: values.host, port: Number(values.port) }, () => {
  // All records in one write: the stream, not the writes, carries the boundaries.
  socket.end(Buffer.concat(records));
});

/** Collect the reply records from the stream and print each one's text on its own line once the server ends. */
function readReplies(socket: net.Socket, expected: number): void {
  // TODO: push each 'data' chunk into a FixedLengthDecoder and keep decodeRecord(record)
  //       of each record. On 'end': decoder.end() (a cut-short reply is an error: call fail()),
  //       check you got `expected` replies, print them with console.log, then socket.destroy().
  throw new Error(`TODO: readReplies() in labs/04-fixed-length/client.ts is not written yet (expecting ${expected} replies; ${FixedLengthDecoder.name} and ${decodeRecord.name} are ready to use)`);
}

readReplies(socket, records.length);
socket.on('error', (err) => fail(`${values.host}:${values.port}: ${err.message}`));

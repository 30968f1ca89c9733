// Key-value client: sends every command on its command line in one write
// (pipelined), then prints one line per reply, in order.
// Run: npx tsx client.ts --host 127.0.0.1 --port 7005 set city Hanoi get city del city get city
//   OK
//   Hanoi
//   OK
//   (not found)
import net from 'node:net';
import { parseArgs } from 'node:util';
import { FrameDecoder, encodeFrame, type Frame } from './frame.ts';
import { DEL, ERROR, GET, NOT_FOUND, OK, VALUE, encodeSet, typeName } from './messages.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7005' },
  },
});

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

/** Turn "set k v get k del k" into request frames. */
function parseCommands(words: string[]): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = 0; i < words.length; ) {
    const cmd = words[i++]!.toLowerCase();
    const arg = () => words[i++] ?? fail(`'${cmd}' needs ${cmd === 'set' ? 'a key and a value' : 'a key'}`);
    const key = () => Buffer.from(arg(), 'utf8');
    if (cmd === 'get') frames.push(encodeFrame(GET, key()));
    else if (cmd === 'del') frames.push(encodeFrame(DEL, key()));
    else if (cmd === 'set') frames.push(encodeSet(key(), Buffer.from(arg(), 'utf8')));
    else fail(`unknown command '${cmd}': use get KEY, set KEY VALUE or del KEY`);
  }
  if (frames.length === 0) fail('no command: use get KEY, set KEY VALUE or del KEY');
  return frames;
}

/** One reply as a line of output; an ERROR reply ends the program. */
function show(frame: Frame): string {
  switch (frame.type) {
    case VALUE:
      return frame.value.toString('utf8');
    case OK:
      return 'OK';
    case NOT_FOUND:
      return '(not found)';
    case ERROR:
      fail(`the server said: ${frame.value.toString('utf8')}`);
    default:
      fail(`unexpected reply ${typeName(frame.type)}`);
  }
}

const requests = parseCommands(positionals);
const decoder = new FrameDecoder();
let replies = 0;
const socket = net.connect({ host: values.host, port: Number(values.port) }, () => socket.write(Buffer.concat(requests)));
socket.on('data', (chunk: Buffer) => {
  for (const frame of decoder.push(chunk)) {
    console.log(show(frame));
    if (++replies === requests.length) socket.end();
  }
});
socket.on('end', () => {
  try {
    decoder.end();
  } catch (err) {
    fail(`the server's reply was cut short: ${(err as Error).message}`);
  }
  if (replies < requests.length) fail(`the server closed after ${replies} of ${requests.length} replies`);
});
socket.on('error', (err) => fail(`${values.host}:${values.port}: ${err.message}`));

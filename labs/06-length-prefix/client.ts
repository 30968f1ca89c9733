// Lab 06 — key-value client. Your task: readReplies(), marked TODO.
// Key-value client: sends every command on its command line in one write
// (pipelined), then prints one line per reply, in order.
// Run: npx tsx labs/06-length-prefix/client.ts --port 7005 set city Hanoi get city del city get city
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

/** Print one line per reply frame (show()), and end the connection after the last expected reply. */
function readReplies(socket: net.Socket, expected: number): void {
  // TODO: push each 'data' chunk into a FrameDecoder and console.log(show(frame)) for each frame; after
  //       `expected` replies, socket.end(). On 'end': decoder.end() (a cut-short reply: fail()), and fail()
  //       if fewer than `expected` replies came.
  throw new Error(`TODO: readReplies() in labs/06-length-prefix/client.ts is not written yet (expecting ${expected} replies; ${FrameDecoder.name} and ${show.name} are ready to use)`);
}

const requests = parseCommands(positionals);
const socket = net.connect({ host: values.host, port: Number(values.port) }, () => socket.write(Buffer.concat(requests)));
readReplies(socket, requests.length);
socket.on('error', (err) => fail(`${values.host}:${values.port}: ${err.message}`));

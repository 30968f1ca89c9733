// talk: an interactive line client, like `nc -C` or telnet, for probing a lab's
// server by hand. Each line typed is sent with CRLF; each line that comes back
// is shown with the harness's notation, so a bare LF, a missing CR or a stray
// control byte is visible instead of silently "working" in the terminal.
// Up/Down recall earlier lines (kept between runs in the state folder).
import dgram from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { showBytes } from '../harness/transcript.ts';
import { dim, red } from '../term.ts';
import { statePath } from './state.ts';
import { LineView } from './wire.ts';

export interface TalkOptions {
  host: string;
  port: number;
  /** Send each line as one UDP datagram, without a line end. */
  udp?: boolean;
  /** End lines with a bare LF instead of CRLF (to see how a server copes). */
  lf?: boolean;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  /** After Ctrl-D, how long to wait for the server to finish and close. */
  lingerMs?: number;
  connectMs?: number;
}

const HISTORY_SIZE = 500;
const historyFile = () => statePath('talk-history');

function loadHistory(): string[] {
  try {
    return readFileSync(historyFile(), 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

function saveHistory(newestFirst: string[]): void {
  try {
    mkdirSync(path.dirname(historyFile()), { recursive: true });
    writeFileSync(historyFile(), [...newestFirst].slice(0, HISTORY_SIZE).reverse().join('\n') + '\n');
  } catch {
    /* history is a convenience */
  }
}

/** Run a session until the server closes, Ctrl-C, or end of input. Resolves with an exit code. */
export function talk(opts: TalkOptions): Promise<number> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const terminal = output.isTTY === true && (input as { isTTY?: boolean }).isTTY === true;
  const rl = readline.createInterface({
    input,
    output,
    terminal,
    prompt: 'C: ',
    history: terminal ? loadHistory() : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  });
  rl.pause(); // nothing is read until we are connected
  let closedInput = false; // after Ctrl-D there is no prompt to redraw

  /** Print above the line being typed, then redraw it. */
  const print = (text: string) => {
    if (terminal) {
      readline.clearLine(output, 0);
      readline.cursorTo(output, 0);
    }
    output.write(text + '\n');
    if (terminal && !closedInput) rl.prompt(true);
  };
  const note = (text: string) => print(dim(`# ${text}`));

  return new Promise<number>((resolve) => {
    let done = false;
    let linger: NodeJS.Timeout | undefined;
    const finish = (code: number, why?: string) => {
      if (done) return;
      done = true;
      clearTimeout(linger);
      if (why) print(why);
      closedInput = true;
      if (terminal) saveHistory((rl as unknown as { history: string[] }).history ?? []);
      rl.close();
      cleanup();
      resolve(code);
    };
    let send: (line: string) => void;
    let halfClose: () => void;
    let cleanup: () => void;
    const where = `${opts.host}:${opts.port}`;

    if (opts.udp) {
      const sock = dgram.createSocket(opts.host.includes(':') ? 'udp6' : 'udp4');
      cleanup = () => sock.close();
      sock.on('message', (msg) => print(`S: ${showBytes(msg)}`));
      sock.on('error', (e: NodeJS.ErrnoException) =>
        print(red(e.code === 'ECONNREFUSED' ? `# nothing listens on UDP ${where} (the kernel answered "port unreachable")` : `# ${e.message}`)),
      );
      send = (line) => sock.send(Buffer.from(line));
      halfClose = () => finish(0); // UDP has no half-close: end of input ends the session
      sock.connect(opts.port, opts.host, () => {
        note(`talking UDP to ${where}: each line you type is one datagram (no line end). Ctrl-D or Ctrl-C quits.`);
        rl.resume();
        if (terminal) rl.prompt();
      });
    } else {
      const sock = net.connect({ host: opts.host, port: opts.port, allowHalfOpen: true });
      cleanup = () => sock.destroy();
      const connectTimer = setTimeout(() => finish(1, red(`# no connection to ${where} within ${(opts.connectMs ?? 5000) / 1000} s`)), opts.connectMs ?? 5000);
      const view = new LineView((visible) => print(`S: ${visible}`));
      sock.on('data', (chunk: Buffer) => view.push(chunk));
      sock.on('end', () => {
        view.flush();
        finish(0, dim('# the server closed the connection'));
      });
      sock.on('error', (e: NodeJS.ErrnoException) => {
        view.flush();
        const why =
          e.code === 'ECONNREFUSED' ? `nothing listens on ${where} (connection refused). Is your server running on that port?`
          : e.code === 'ECONNRESET' ? 'the server reset the connection (it crashed, or closed with data unread)'
          : e.message;
        finish(1, red(`# ${why}`));
      });
      send = (line) => {
        if (sock.writable) sock.write(line + (opts.lf ? '\n' : '\r\n'));
        else note('the connection is closed for sending');
      };
      halfClose = () => {
        sock.end();
        note('you half-closed the connection (Ctrl-D): the server can still reply and close');
        linger = setTimeout(() => finish(0, dim(`# the server did not close within ${(opts.lingerMs ?? 10_000) / 1000} s; leaving`)), opts.lingerMs ?? 10_000);
      };
      sock.once('connect', () => {
        clearTimeout(connectTimer);
        note(`connected to ${where}. Lines are sent with ${opts.lf ? 'a bare LF' : 'CRLF'}. Up/Down: history, Ctrl-D: half-close, Ctrl-C: quit.`);
        note('S: lines end in CRLF unless they say otherwise; \\r \\n \\xNN are bytes made visible.');
        rl.resume();
        if (terminal) rl.prompt();
      });
    }

    rl.on('line', (line) => {
      send(line);
      if (!terminal) output.write(`C: ${line}\n`); // piped input: keep the transcript readable
      else rl.prompt();
    });
    rl.on('SIGINT', () => finish(130, ''));
    rl.on('close', () => {
      if (done) return;
      closedInput = true;
      halfClose();
    });
  });
}

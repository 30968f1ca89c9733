// The POP3 server of the POP3 labs (RFC 1939 + RFC 2449 CAPA), grown one lab
// at a time in this folder. This file is given: it wires sockets to sessions.
// Run:  npx tsx labs/mail/server.ts --host 127.0.0.1 --port 1110 --mail-root DIR [--idle-timeout 600]
//       npx tsx labs/mail/server.ts --stdio --mail-root DIR      (one session on stdin/stdout, inetd style)
// DIR/passwd holds `user:password` lines; DIR/<user>/{cur,new,tmp} is each user's Maildir.
import net from 'node:net';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Connection } from './connection.ts';
import { MaildropLocks } from './lock.ts';
import { Session } from './session.ts';

const USAGE = 'usage: server.ts [--host H] [--port P | --stdio] --mail-root DIR [--idle-timeout SECONDS]';

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '1110' },
      'mail-root': { type: 'string' },
      // RFC 1939 §3: an autologout timer "MUST be of at least 10 minutes"; tests shorten it.
      'idle-timeout': { type: 'string', default: '600' },
      stdio: { type: 'boolean', default: false },
    },
  });
} catch (e) {
  fail((e as Error).message);
}
const { values } = parsed;
const mailRoot = values['mail-root'] ?? fail('--mail-root DIR is required');
if (!existsSync(mailRoot)) fail(`--mail-root ${mailRoot}: no such folder`);
const idleSeconds = Number(values['idle-timeout']);
if (!(idleSeconds > 0)) fail(`--idle-timeout ${values['idle-timeout']}: give a number of seconds above 0`);
const idleMs = Math.round(idleSeconds * 1000);
const port = Number(values.port);
if (!values.stdio && !(Number.isInteger(port) && port >= 0 && port < 65536)) fail(`--port ${values.port}: not a port number`);

const locks = new MaildropLocks();
const log = (m: string) => console.error(m);

function shutdown(code: number): never {
  locks.releaseAll(); // a stopped server leaves no maildrop locked
  process.exit(code);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => shutdown(0));

if (values.stdio) {
  // The "CLI server": the same session, typed at by a person or piped by inetd.
  const session = new Session({ mailRoot, locks, peer: 'stdin', log });
  new Connection(process.stdin, process.stdout, session, { idleMs, log, close: () => shutdown(0) });
} else {
  // socket(), bind(), listen(); then one Connection per accept()ed socket, all on one event loop.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.setNoDelay(true); // replies are small and the client waits for each one
    const session = new Session({ mailRoot, locks, peer: `${socket.remoteAddress}:${socket.remotePort}`, log });
    new Connection(socket, socket, session, { idleMs, log, close: () => socket.destroy() });
  });
  server.on('error', (e) => {
    console.error(`cannot listen on ${values.host}:${port}: ${e.message}`);
    shutdown(1);
  });
  server.listen(port, values.host, () => {
    const a = server.address() as net.AddressInfo;
    console.log(`listening on ${a.address}:${a.port}`);
  });
}

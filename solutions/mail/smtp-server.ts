// The SMTP server of the smtp lab (RFC 5321): it takes mail for the users of
// a mail root and delivers it into their Maildirs, where the POP3 server
// (server.ts, run beside it on the same --mail-root) finds it. This file is
// given: it wires sockets to SmtpSessions through the same Connection as POP3.
// Run:  npx tsx labs/mail/smtp-server.ts --host 127.0.0.1 --port 2525 --mail-root DIR
//           [--max-size OCTETS] [--idle-timeout SECONDS]
// DIR/passwd says who the local users are; DIR/<user>/{tmp,new,cur} is each one's Maildir.
import net from 'node:net';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Connection } from './connection.ts';
import { MAX_LINE_OCTETS, SmtpSession } from './smtp-session.ts';

const USAGE = 'usage: smtp-server.ts [--host H] [--port P] --mail-root DIR [--max-size OCTETS] [--idle-timeout SECONDS]';

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '2525' },
      'mail-root': { type: 'string' },
      // RFC 1870 SIZE, advertised in the EHLO reply; 10 MiB, as many servers have.
      'max-size': { type: 'string', default: String(10 * 1024 * 1024) },
      // RFC 5321 §4.5.3.2.7: "a timeout of at least 5 minutes" awaiting the next command; tests shorten it.
      'idle-timeout': { type: 'string', default: '300' },
    },
  });
} catch (e) {
  fail((e as Error).message);
}
const { values } = parsed;
const mailRoot = values['mail-root'] ?? fail('--mail-root DIR is required');
if (!existsSync(mailRoot)) fail(`--mail-root ${mailRoot}: no such folder`);
const maxSize = Number(values['max-size']);
// RFC 5321 §4.5.3.1.7: a server MUST take messages of at least 64K octets.
if (!(Number.isInteger(maxSize) && maxSize >= 65536)) fail(`--max-size ${values['max-size']}: give a whole number of octets, at least 65536`);
const idleSeconds = Number(values['idle-timeout']);
if (!(idleSeconds > 0)) fail(`--idle-timeout ${values['idle-timeout']}: give a number of seconds above 0`);
const port = Number(values.port);
if (!(Number.isInteger(port) && port >= 0 && port < 65536)) fail(`--port ${values.port}: not a port number`);

const log = (m: string) => console.error(m);
const connections = new Set<Connection>();

// socket(), bind(), listen(); one Connection per accept()ed socket, all on one event loop.
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.setNoDelay(true); // replies are small and the client waits for each one
  const session = new SmtpSession({ mailRoot, maxSize, peer: socket.remoteAddress ?? '0.0.0.0' });
  const connection = new Connection(socket, socket, session, {
    idleMs: Math.round(idleSeconds * 1000),
    maxLineOctets: MAX_LINE_OCTETS,
    log,
    close: () => socket.destroy(),
  });
  connections.add(connection);
  socket.on('close', () => connections.delete(connection));
});

/**
 * SIGTERM/SIGINT: accept no more connections; each open one hears 421 once
 * the command it is running is answered (RFC 5321 §3.8), and a message still
 * coming in is dropped (its tmp/ file removed). Exit 0 when they are closed,
 * or after 2 s whatever they are doing.
 */
let stopping = false;
function shutdown(): void {
  if (stopping) return;
  stopping = true;
  server.close();
  for (const c of connections) c.shutdown();
  const exitWhenDone = setInterval(() => {
    if (connections.size === 0) process.exit(0);
  }, 20);
  setTimeout(() => {
    clearInterval(exitWhenDone);
    for (const c of connections) c.finish('server stopped');
    process.exit(0);
  }, 2000);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

server.on('error', (e) => {
  console.error(`cannot listen on ${values.host}:${port}: ${e.message}`);
  process.exit(1);
});
server.listen(port, values.host, () => {
  const a = server.address() as net.AddressInfo;
  console.log(`listening on ${a.address}:${a.port}`);
});

// Lab 03 — the job server the classic C way: a process per client. The parent
// only accepts; each connection is handed, descriptor and all, to a child
// process of its own (C: fork() after accept()), which reads the request,
// does the work — blocking nobody but itself — replies and exits. At most
// --max-children children at once: the other clients wait, connected, their
// turn (C: the parent stops calling accept()).
// Your task: childMain() and dispatch() below.
// Run: npx tsx labs/03-concurrent-servers/fork-server.ts --port 7003 [--max-children 4] [--idle-timeout 10]
// Grade: npm run grade -- 03
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { crack, crackReply, errorReply, parseRequest } from './protocol.ts';
import { NoRequest, readRequest } from './request.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7003' },
    'max-children': { type: 'string', default: '4' },
    'idle-timeout': { type: 'string', default: '10' },
    child: { type: 'boolean', default: false },
  },
});
const maxChildren = Number(values['max-children']);
const idleSeconds = Number(values['idle-timeout']);
if (!(Number.isInteger(maxChildren) && maxChildren > 0) || !(idleSeconds > 0)) {
  console.error('usage: fork-server.ts [--host H] [--port P] [--max-children N>0] [--idle-timeout SECONDS>0]');
  process.exit(2);
}

if (values.child) childMain();
else parentMain();

/** The child: one client, start to finish, then exit. Its CPU work stalls only itself. */
function childMain(): void {
  // TODO: receive the connection from the parent: process.once('message', (msg, socket) => ...).
  //       Then serve it as server.ts does (readRequest, parseRequest), but run crack()
  //       right here: this process has one client, so blocking blocks only it. end()
  //       the socket with the reply; exit when the socket closes. (A socket made from a
  //       passed descriptor has allowHalfOpen off: set socket.allowHalfOpen = true first.)
  throw new Error(`TODO: childMain() in labs/03-concurrent-servers/fork-server.ts is not written yet (${[readRequest, parseRequest, crack, crackReply, errorReply].map((f) => f.name).join(', ')} and ${NoRequest.name} are ready to use)`);
}

/** The parent: accept, queue, and hand each connection to a child when one may start. */
function parentMain(): void {
  const waiting: net.Socket[] = []; // accepted, not yet handed to a child (paused: nothing read)
  const children = new Set<ChildProcess>();

  /** Hand waiting connections to new children, while fewer than maxChildren run. */
  function dispatch(): void {
    // TODO: while children.size < maxChildren and a socket waits: fork this same program
    //       (process.argv[1]) with ['--child', '--idle-timeout', String(idleSeconds)], keep
    //       the child in `children` until its 'exit' (then dispatch() again), and hand it
    //       the connection: child.send('client', socket).
    throw new Error(`TODO: dispatch() in labs/03-concurrent-servers/fork-server.ts is not written yet (${waiting.length} waiting, ${children.size} of at most ${maxChildren} children running; ${fork.name} is ready to use)`);
  }

  // pauseOnConnect: the parent never reads a byte; the child does.
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {}); // a waiting client that resets is simply skipped
    waiting.push(socket);
    dispatch();
  });
  server.on('error', (err) => {
    console.error(`cannot listen: ${err.message}`);
    process.exit(1);
  });
  server.listen(Number(values.port), values.host, () => {
    const { address, port } = server.address() as net.AddressInfo;
    console.log(`listening on ${address}:${port} (at most ${maxChildren} child processes)`);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      for (const c of children) c.kill();
      process.exit(0);
    });
  }
}

// Lab 03 — the job server the classic C way: a process per client. The parent
// only accepts; each connection is handed, descriptor and all, to a child
// process of its own (C: fork() after accept()), which reads the request,
// does the work — blocking nobody but itself — replies and exits. At most
// --max-children children at once: the other clients wait, connected, their
// turn (C: the parent stops calling accept()).
// Run: npx tsx fork-server.ts --host 127.0.0.1 --port 7003 [--max-children 4] [--idle-timeout 10]
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
  process.once('message', async (_msg: string, socket?: net.Socket) => {
    if (!socket) process.exit(1);
    // A socket made from a passed descriptor starts with allowHalfOpen off: it would
    // end our side as soon as the client's FIN arrives, before we could reply.
    socket.allowHalfOpen = true;
    socket.on('error', (err: NodeJS.ErrnoException) => console.error(`child ${process.pid}: ${err.code ?? err.message}`));
    socket.on('close', () => process.exit(0));
    let request: Buffer;
    try {
      request = await readRequest(socket, idleSeconds * 1000);
    } catch (e) {
      if (!(e instanceof NoRequest)) throw e;
      console.error(`child ${process.pid}: ${e.message}`);
      return socket.destroy();
    }
    const req = parseRequest(request);
    const reply = req.kind === 'echo' ? req.text : req.kind === 'bad' ? errorReply(req.why) : crackReply(crack(req));
    socket.end(reply + '\n');
  });
}

/** The parent: accept, queue, and hand each connection to a child when one may start. */
function parentMain(): void {
  const waiting: net.Socket[] = []; // accepted, not yet handed to a child (paused: nothing read)
  const children = new Set<ChildProcess>();

  function dispatch(): void {
    while (children.size < maxChildren && waiting.length) {
      const socket = waiting.shift()!;
      if (socket.destroyed) continue; // left while it waited
      const child = fork(process.argv[1]!, ['--child', '--idle-timeout', String(idleSeconds)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.add(child);
      child.once('exit', () => {
        children.delete(child);
        dispatch();
      });
      child.once('error', (err) => console.error(`fork: ${err.message}`));
      // Passes the descriptor to the child (SCM_RIGHTS under the hood); Node then
      // closes the parent's copy, as C's parent calls close(conn) after fork().
      child.send('client', socket);
    }
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

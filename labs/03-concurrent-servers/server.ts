// Lab 03 — the job server the Node way: one event loop serves every connection
// at once (the multiplexing server: libuv's epoll is C's poll()), and the CPU
// work that would block that loop runs in child processes, at most --workers
// at a time; more jobs wait their turn.
// Your task: the TODOs below (and readRequest() in request.ts).
// Run: npx tsx labs/03-concurrent-servers/server.ts --port 7003 [--workers 2] [--idle-timeout 10]
// Grade: npm run grade -- 03
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { crack, crackReply, errorReply, parseRequest, type CrackJob } from './protocol.ts';
import { NoRequest, readRequest } from './request.ts';

/** A counting semaphore: at most `max` holders; the others wait in order. */
class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  /** Resolves when a slot is yours; give it back with release(). */
  acquire(): Promise<void> {
    if (this.used < this.max) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight on
    else this.used--;
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '7003' },
      workers: { type: 'string', default: '2' },
      'idle-timeout': { type: 'string', default: '10' },
    },
  });
  const workers = Number(values.workers);
  const idleMs = Number(values['idle-timeout']) * 1000;
  if (!(Number.isInteger(workers) && workers > 0) || !(idleMs > 0)) {
    console.error('usage: server.ts [--host H] [--port P] [--workers N>0] [--idle-timeout SECONDS>0]');
    process.exit(2);
  }
  const slots = new Slots(workers);
  const open = new Set<net.Socket>();
  const children = new Set<ChildProcess>();

  /**
   * Run a crack job in a child process once a slot is free. The slot is the
   * process: it is given back when the child has exited, not when it answered.
   */
  async function crackInWorker(job: CrackJob): Promise<string> {
    // TODO: take a slot (await slots.acquire(); give it back in finally), fork this same
    //       program with --crack-worker (process.argv[1]), send it the job, keep the line it
    //       sends back, and resolve with it once the child has exited ('close'). Keep each
    //       child in `children` meanwhile (a stopping server kills them).
    throw new Error(`TODO: crackInWorker() in labs/03-concurrent-servers/server.ts is not written yet (a job of up to ${job.limit} hashes; ${slots.constructor.name}, ${fork.name} and ${children.size} children so far)`);
  }

  /** Serve one connection: read its request, answer, close. Never blocks the loop. */
  function serve(socket: net.Socket): Promise<void> {
    // (Make it async: it awaits the request and the job.)
    // TODO: readRequest() (let a NoRequest go: the caller logs it), parseRequest(), then the reply: the text for echo,
    //       errorReply() for a bad request, and crackInWorker() for crack — never
    //       crack() here, on the loop every client shares. end() the socket with
    //       the reply and a line end, unless the client has left.
    throw new Error(`TODO: serve() in labs/03-concurrent-servers/server.ts is not written yet (client port ${socket.remotePort}; ${[readRequest, parseRequest, errorReply, crackInWorker].map((f) => f.name).join(', ')} and ${NoRequest.name} are ready to use)`);
  }

  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    open.add(socket);
    const who = `client ${socket.remotePort}`; // remotePort is gone once the socket is
    socket.on('close', () => open.delete(socket));
    socket.on('error', (err: NodeJS.ErrnoException) => console.error(`${who}: ${err.code ?? err.message}`));
    serve(socket).catch((err: Error) => {
      if (err instanceof NoRequest) return console.error(`${who}: ${err.message}`); // hung up on, or gone
      console.error(`${who}: error: ${err.message}`);
      // An unfinished lab's "TODO: ..." is worth showing the client; other errors stay private.
      if (!socket.destroyed) socket.end(errorReply(err.message.startsWith('TODO') ? err.message : 'the job failed') + '\n');
    });
  });
  server.on('error', (err) => {
    console.error(`cannot listen: ${err.message}`);
    process.exit(1);
  });
  server.listen(Number(values.port), values.host, () => {
    const { address, port } = server.address() as net.AddressInfo;
    console.log(`listening on ${address}:${port} (${workers} crack worker${workers === 1 ? '' : 's'})`);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      for (const c of children) c.kill();
      for (const s of open) s.destroy();
      server.close(() => process.exit(0));
    });
  }
}

// A crack worker is this same program, started again with --crack-worker (as
// C's fork() continues the same program in the child). process.argv[1] is the
// file node runs, whether tsx runs the .ts or the grader runs a bundle of it.
if (process.argv.includes('--crack-worker')) {
  // TODO: the child's side. Receive one job (process.once('message', ...)), run
  //       crack() on it, send back crackReply(...) with process.send(), then exit.
  throw new Error('TODO: the crack worker (the --crack-worker branch) in labs/03-concurrent-servers/server.ts is not written yet');
} else {
  main();
}

// Lab 03 — the job server the Node way: one event loop serves every connection
// at once (the multiplexing server: libuv's epoll is C's poll()), and the CPU
// work that would block that loop runs in child processes, at most --workers
// at a time; more jobs wait their turn.
// Run: npx tsx server.ts --host 127.0.0.1 --port 7003 [--workers 2] [--idle-timeout 10]
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
    await slots.acquire();
    try {
      const child = fork(process.argv[1]!, ['--crack-worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      children.add(child);
      return await new Promise<string>((resolve, reject) => {
        let answer: string | undefined;
        child.once('message', (line: string) => (answer = line));
        child.once('error', reject);
        child.once('close', (code, signal) => {
          children.delete(child);
          if (answer !== undefined) resolve(answer);
          else reject(new Error(`the crack worker ended (${signal ?? `code ${code}`}) without an answer`));
        });
        child.send(job);
      });
    } finally {
      slots.release();
    }
  }

  /** Serve one connection: read its request, answer, close. Never blocks the loop. */
  async function serve(socket: net.Socket): Promise<void> {
    const req = parseRequest(await readRequest(socket, idleMs)); // a NoRequest goes to the caller
    const reply = req.kind === 'echo' ? req.text : req.kind === 'bad' ? errorReply(req.why) : await crackInWorker(req);
    if (!socket.destroyed) socket.end(reply + '\n'); // unless the client has left
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
  process.once('message', (job: CrackJob) => {
    process.send!(crackReply(crack(job)), () => process.exit(0));
  });
} else {
  main();
}

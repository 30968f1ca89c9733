// spy: a TCP proxy that forwards each connection to a server and prints both
// sides as a timestamped C:/S: transcript. With chaos it re-chunks the bytes
// in both directions, so a real client in front of a student's server shows
// whether the server survives the byte-stream problem.
//
// Each direction is relayed on its own, with backpressure, and a FIN is passed
// on only after every byte before it: a half-close in either direction reaches
// the other side, and the other direction keeps flowing.
import net from 'node:net';
import { showBytes } from '../harness/transcript.ts';
import { ChaosCutter, streamSeed, type Direction } from './chaos-relay.ts';
import { LineView } from './wire.ts';

export interface SpyOptions {
  /** 0 picks a free port. */
  listenPort: number;
  /** Loopback unless asked: a proxy open to the network is a gift to strangers. */
  listenHost?: string;
  to: { host: string; port: number };
  chaos?: { seed: number; maxChunk?: number; maxDelayMs?: number };
  /** 'lines' (default): one transcript line per protocol line. 'chunks': every piece forwarded, with its size. */
  view?: 'lines' | 'chunks';
  /** Receives each transcript line. */
  log: (line: string) => void;
  clock?: () => Date;
}

export interface Spy {
  port: number;
  host: string;
  /** Stop listening and cut every open connection. */
  close(): Promise<void>;
}

const HIGH_WATER = 1 << 20; // chaos queue bytes before the sender is paused

export const timestamp = (d: Date) =>
  `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}.${String(d.getMilliseconds()).padStart(3, '0')}`;

export async function startSpy(opts: SpyOptions): Promise<Spy> {
  const clock = opts.clock ?? (() => new Date());
  const open = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const id = ++count;
    const say = (who: Direction | '#', text: string) => opts.log(`${timestamp(clock())} #${id} ${who}: ${text}`);
    open.add(client);
    client.pause(); // hold the client's bytes until the server is reached
    const upstream = net.connect({ host: opts.to.host, port: opts.to.port, allowHalfOpen: true });
    open.add(upstream);
    const peer = `${client.remoteAddress}:${client.remotePort}`;
    let connected = false;
    let closed = 0;
    const bytes = { C: 0, S: 0 };
    const onClose = () => {
      open.delete(client);
      open.delete(upstream);
      if (++closed === 2) say('#', `closed (client sent ${bytes.C} bytes, server sent ${bytes.S})`);
    };
    client.on('close', onClose);
    upstream.on('close', onClose);

    upstream.once('connect', () => {
      connected = true;
      say('#', `${peer} connected; forwarding to ${opts.to.host}:${opts.to.port}${opts.chaos ? ` with chaos seed ${opts.chaos.seed}` : ''}`);
      relay(client, upstream, 'C');
      relay(upstream, client, 'S');
      client.resume();
    });
    client.on('error', (e: NodeJS.ErrnoException) => {
      say('#', `client connection error: ${e.code ?? e.message}; closing both sides`);
      upstream.destroy();
    });
    upstream.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected) say('#', `cannot reach ${opts.to.host}:${opts.to.port}: ${e.code ?? e.message}. Is the server running?`);
      else say('#', `server connection error: ${e.code ?? e.message}; closing both sides`);
      client.destroy();
    });

    function relay(from: net.Socket, to: net.Socket, who: Direction): void {
      const view = new LineView((visible) => say(who, visible));
      const cutter = opts.chaos ? new ChaosCutter(streamSeed(opts.chaos.seed, id, who), opts.chaos.maxChunk, opts.chaos.maxDelayMs) : undefined;
      if (cutter) to.setNoDelay(true); // each piece its own segment
      const queue: Buffer[] = [];
      let queued = 0;
      let ended = false;
      let pumping = false;

      const forward = (piece: Buffer) => {
        if (opts.view === 'chunks') say(who, `${piece.length} B ${showBytes(piece)}`);
        return to.write(piece);
      };
      const finish = () => {
        if (opts.view !== 'chunks') view.flush();
        say(who, `(half-close: the ${who === 'C' ? 'client' : 'server'} sent FIN, no more data from it)`);
        to.end();
      };

      // Chaos: one piece at a time, with seeded pauses, in order.
      const pump = async () => {
        if (pumping) return;
        pumping = true;
        while (queue.length && !to.destroyed) {
          const piece = queue.shift()!;
          queued -= piece.length;
          if (queued < HIGH_WATER / 2 && from.isPaused()) from.resume();
          if (!forward(piece)) await new Promise<void>((r) => waitDrain(to, r));
          const pause = cutter!.nextPause();
          if (pause > 0) await new Promise((r) => setTimeout(r, pause));
        }
        pumping = false;
        if (ended && !queue.length && !to.destroyed) finish();
      };

      from.on('data', (chunk: Buffer) => {
        bytes[who] += chunk.length;
        if (opts.view !== 'chunks') view.push(chunk);
        if (!cutter) {
          if (!forward(chunk)) {
            from.pause();
            waitDrain(to, () => from.resume());
          }
          return;
        }
        for (const piece of cutter.cut(chunk)) queue.push(piece);
        queued += chunk.length;
        if (queued > HIGH_WATER) from.pause();
        void pump();
      });
      from.on('end', () => {
        ended = true;
        if (!cutter || (!pumping && !queue.length)) finish();
      });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort, opts.listenHost ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as net.AddressInfo;
  return {
    port: addr.port,
    host: addr.address,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Call `fn` once `to` drains or closes (a closed socket never drains). */
function waitDrain(to: net.Socket, fn: () => void): void {
  const done = () => {
    to.off('drain', done);
    to.off('close', done);
    fn();
  };
  to.on('drain', done);
  to.on('close', done);
}

// Byte-stream chaos: the same bytes, split at random boundaries with random
// pauses, or many messages coalesced into one write. TCP may do either to any
// program; these make it happen on loopback, where it rarely does by itself.
// Seeded, so a failure can be replayed: SOCKET_KIT_SEED=<seed>.
import type net from 'node:net';
import { unreadByPeer } from './observe.ts';
import { transcriptOf } from './transcript.ts';

/** mulberry32: a small, fast, seedable PRNG. Returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for this run: SOCKET_KIT_SEED if set, else a fresh one. */
export function chaosSeed(): number {
  const fromEnv = Number(process.env.SOCKET_KIT_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 1 + Math.floor(Math.random() * 2 ** 31);
}

/** Split `data` into chunks of 1..maxChunk bytes at seeded random points. */
export function randomSplit(data: Buffer, seed: number, maxChunk = 7): Buffer[] {
  const rand = prng(seed);
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; ) {
    const n = 1 + Math.floor(rand() * maxChunk);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Bytes the test still means to send, per socket and in all: while any are on
// their way, a program that looks idle may just be waiting for them (stall.ts).
const pending = new WeakMap<net.Socket, number>();
let pendingTotal = 0;

/** Mark a write to `socket` as under way until the returned function is called. */
export function writing(socket: net.Socket): () => void {
  pending.set(socket, (pending.get(socket) ?? 0) + 1);
  pendingTotal++;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    pending.set(socket, (pending.get(socket) ?? 1) - 1);
    pendingTotal--;
  };
}

/** Is the test still sending to `socket` (a chaos write, a write waiting for 'drain')? */
export const sendingTo = (socket: net.Socket) => (pending.get(socket) ?? 0) > 0 || socket.writableLength > 0;
/** Writes under way on any socket of this process. */
export const writesInFlight = () => pendingTotal;

/** The pauses of one chaos write add up to at most this, in real time, however coarse the timers. */
export const CHAOS_PAUSE_TOTAL_MS = 150;

/** How many first pieces of a chaos write are each read on their own before the next goes (where that can be seen). */
export const SEPARATE_READS = 12;

/**
 * Wait until the peer has read everything written to `socket` (so the next
 * write is a read of its own), at most `ms`. False if it cannot be seen or
 * did not happen in time.
 */
export async function peerHasRead(socket: net.Socket, ms: number): Promise<boolean> {
  const local = { ip: socket.localAddress ?? '', port: socket.localPort ?? 0 };
  const remote = { ip: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
  const until = performance.now() + ms;
  // Each look reads /proc/net/tcp (every socket of the machine): give the reader a moment first.
  for (let wait = 1; ; wait = Math.min(wait + 1, 5)) {
    await sleep(wait);
    if (socket.writableLength === 0) {
      const unread = unreadByPeer(local, remote);
      if (unread === undefined) return false;
      if (unread === 0) return true;
    }
    if (performance.now() >= until || socket.destroyed) return false;
  }
}

/**
 * Write `data` in random small pieces with random short pauses: the same
 * bytes, cut where TCP might cut them. Node would merge back-to-back writes,
 * so TCP_NODELAY, and a pause, make each piece leave as its own segment.
 *
 * What matters is how the peer *reads* them: a busy reader reads many pieces
 * at once, and a bug in how partial reads are kept would go unseen. So the
 * first SEPARATE_READS pieces each wait until the peer has read the one before
 * (seen in /proc/net/tcp, where it can be), and every read of theirs is one
 * piece, however busy the machine. The waiting and pausing add up to
 * `maxTotalPauseMs` at most (real time, measured: on a loaded machine a 1 ms
 * timer takes 15, and 600 pieces must not turn into 10 s); after that the
 * pieces still go out one write at a time, a turn of the event loop apart.
 * Returns the size of each piece written, for the transcript.
 */
export async function chaosWrite(
  socket: net.Socket,
  data: Buffer,
  seed: number,
  opts: { maxChunk?: number; maxDelayMs?: number; maxTotalPauseMs?: number } = {},
): Promise<number[]> {
  const rand = prng(seed ^ 0x5eed);
  const budget = opts.maxTotalPauseMs ?? CHAOS_PAUSE_TOTAL_MS;
  const sizes: number[] = [];
  let paused = 0;
  let separate = SEPARATE_READS;
  const done = writing(socket);
  try {
    socket.setNoDelay(true);
    const sent = transcriptOf(socket)?.pieces('C'); // the pieces as they go, for the site's picture
    for (const piece of randomSplit(data, seed, opts.maxChunk ?? 7)) {
      if (socket.destroyed || socket.writableEnded) return sizes; // the peer is gone: the reader reports why
      sizes.push(piece.length);
      sent?.(piece);
      if (!socket.write(piece)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            socket.off('drain', go);
            socket.off('close', go);
            resolve();
          };
          socket.on('drain', go);
          socket.on('close', go);
        });
      }
      const pause = Math.floor(rand() * ((opts.maxDelayMs ?? 3) + 1));
      const t0 = performance.now();
      if (separate > 0 && paused < budget) {
        separate--;
        if (!(await peerHasRead(socket, budget - paused))) separate = 0; // cannot be seen, or it does not read: pauses only
        paused += performance.now() - t0;
      } else if (pause > 0 && paused < budget) {
        await sleep(Math.min(pause, budget - paused));
        paused += performance.now() - t0;
      } else if (pause > 0) {
        await new Promise((r) => setImmediate(r));
      }
    }
    return sizes;
  } finally {
    done();
  }
}

/** "(written in 5 pieces: 3+1+7+2+4 bytes)", shortened past 12 pieces: the note a transcript gets for a chaos write. */
export function piecesNote(sizes: number[]): string {
  const shown = sizes.length > 12 ? `${sizes.slice(0, 12).join('+')}+… ` : `${sizes.join('+')} `;
  return `(written in ${sizes.length} pieces: ${shown}bytes)`;
}

/** Many messages, one write: the other half of the byte-stream problem. */
export function coalesce(messages: Buffer[]): Buffer {
  return Buffer.concat(messages);
}

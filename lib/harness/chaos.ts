// Byte-stream chaos: the same bytes, split at random boundaries with random
// pauses, or many messages coalesced into one write. TCP may do either to any
// program; these make it happen on loopback, where it rarely does by itself.
// Seeded, so a failure can be replayed: SOCKET_KIT_SEED=<seed>.
import type net from 'node:net';
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

/**
 * Write `data` in random small pieces with random short pauses. Node would
 * merge back-to-back writes, so a pause (and TCP_NODELAY) makes each piece
 * leave as its own segment.
 */
export async function chaosWrite(
  socket: net.Socket,
  data: Buffer,
  seed: number,
  opts: { maxChunk?: number; maxDelayMs?: number } = {},
): Promise<void> {
  const rand = prng(seed ^ 0x5eed);
  socket.setNoDelay(true);
  const sent = transcriptOf(socket)?.pieces('C'); // the pieces as they go, for the site's picture
  for (const piece of randomSplit(data, seed, opts.maxChunk ?? 7)) {
    if (socket.destroyed || socket.writableEnded) return; // the peer is gone: the reader reports why
    sent?.(piece);
    if (!socket.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
    const pause = Math.floor(rand() * ((opts.maxDelayMs ?? 3) + 1));
    if (pause > 0) await sleep(pause);
  }
}

/** Many messages, one write: the other half of the byte-stream problem. */
export function coalesce(messages: Buffer[]): Buffer {
  return Buffer.concat(messages);
}

// Chaos for the spy: re-chunk a byte stream at seeded random boundaries.
//
// Replayable: the cut points are byte offsets drawn from a PRNG seeded by
// (seed, connection number, direction), so connection #1 of any run with the
// same --chaos seed is cut at the same offsets. The one other place a piece
// ends is where the sender's own data ran out (we forward what we have rather
// than wait for bytes that may never come), which is the sender's doing.
import { prng } from '../harness/chaos.ts';

export type Direction = 'C' | 'S';

/** The PRNG seed of one direction of one connection. */
export function streamSeed(seed: number, connection: number, dir: Direction): number {
  return (seed ^ Math.imul(connection, 0x9e3779b1) ^ (dir === 'S' ? 0x5bd1e995 : 0)) >>> 0 || 1;
}

/** Cuts a stream at seeded offsets, carrying the position across chunks. */
export class ChaosCutter {
  private readonly size: () => number;
  private readonly pause: () => number;
  /** Bytes left before the next seeded cut. */
  private left = 0;

  constructor(seed: number, maxChunk = 7, maxDelayMs = 3) {
    const sizes = prng(seed);
    const pauses = prng(seed ^ 0x5eed);
    this.size = () => 1 + Math.floor(sizes() * maxChunk);
    this.pause = () => Math.floor(pauses() * (maxDelayMs + 1));
  }

  cut(chunk: Buffer): Buffer[] {
    const pieces: Buffer[] = [];
    for (let i = 0; i < chunk.length; ) {
      if (this.left === 0) this.left = this.size();
      const n = Math.min(this.left, chunk.length - i);
      pieces.push(chunk.subarray(i, i + n));
      this.left -= n;
      i += n;
    }
    return pieces;
  }

  /** Milliseconds to wait after a piece, so the pieces leave as separate segments. */
  nextPause(): number {
    return this.pause();
  }
}

// Throughput of the reference decoders of labs 04-06, fed 64 KiB chunks, each
// as a ratio against a baseline over the same bytes in the same run:
//   fixed-length, length-prefix: Buffer.concat of the chunks (one plain copy);
//   delimiter: Buffer.indexOf scanning the chunks for LF.
// Then the classic bug, re-concatenating everything held on every chunk, next
// to the reference decoder on one large frame: quadratic against linear.
import { FixedLengthDecoder } from '../solutions/04-fixed-length/record.ts';
import { LineDecoder } from '../solutions/05-delimiter/line-decoder.ts';
import { FrameDecoder, encodeFrame } from '../solutions/06-length-prefix/frame.ts';

const CHUNK = 64 * 1024;
const STREAM = 32 * 1024 * 1024; // bytes per measured pass
const PASSES = 11; // the median of these is reported

const chunksOf = (data: Buffer, size = CHUNK) => Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeOnce(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Time a decoder and its baseline in alternation, pass after pass, so both
 * see the same machine load (this machine is shared). Returns the median
 * times and the median of the per-pass ratios, after one warm-up of each.
 */
function compare(decoder: () => unknown, baseline: () => unknown, passes = PASSES): { ms: number; baselineMs: number; ratio: number } {
  decoder();
  baseline();
  const d: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < passes; i++) {
    d.push(timeOnce(decoder));
    b.push(timeOnce(baseline));
  }
  return { ms: median(d), baselineMs: median(b), ratio: median(b.map((x, i) => x / d[i]!)) };
}

const mbps = (bytes: number, ms: number) => bytes / (1024 * 1024) / (ms / 1000);

interface Row {
  name: string;
  bytes: number;
  ms: number;
  baselineMs: number;
  ratio: number;
  baseline: string;
  target?: number;
  /** Most bytes the decoder held at once, and what the input would make it hold at most. */
  held?: string;
}
const rows: Row[] = [];

function report(): void {
  console.log(`chunks of ${CHUNK / 1024} KiB, ${STREAM / (1024 * 1024)} MiB per pass, medians of ${PASSES} passes; ratio = median of per-pass (baseline time / decoder time)`);
  for (const r of rows) {
    const ratio = r.ratio;
    const verdict = r.target === undefined ? '' : ratio >= r.target ? `  (target ≥ ${r.target}×: met)` : `  (target ≥ ${r.target}×: NOT met)`;
    console.log(
      `${r.name.padEnd(44)} ${mbps(r.bytes, r.ms).toFixed(0).padStart(6)} MiB/s   ${r.baseline} ${mbps(r.bytes, r.baselineMs).toFixed(0).padStart(6)} MiB/s   ratio ${ratio.toFixed(2)}×${verdict}`,
    );
    if (r.held) console.log(`${''.padEnd(44)} held at most ${r.held}`);
  }
  console.log('rows without a target: messages under 100 bytes, where making one Buffer per message (about 50 ns) costs more than moving its bytes');
}

/** Run a decoder over all chunks; returns messages decoded and the most bytes it held. */
function drain(push: (c: Buffer) => unknown[], chunks: Buffer[], buffered: () => number): { messages: number; held: number } {
  let messages = 0;
  let held = 0;
  for (const c of chunks) {
    messages += push(c).length;
    held = Math.max(held, buffered());
  }
  return { messages, held };
}

const concatBaseline = (chunks: Buffer[]) => () => Buffer.concat(chunks);

function fixedLength(recordSize: number, target?: number): void {
  const data = Buffer.alloc(STREAM - (STREAM % recordSize), 0x61);
  const chunks = chunksOf(data);
  let check = { messages: 0, held: 0 };
  const m = compare(() => {
    const d = new FixedLengthDecoder(recordSize);
    check = drain((c) => d.push(c), chunks, () => d.buffered);
  }, concatBaseline(chunks));
  if (check.messages !== data.length / recordSize) throw new Error(`fixed-length: decoded ${check.messages} records, expected ${data.length / recordSize}`);
  rows.push({ name: `fixed-length, ${recordSize}-byte records`, bytes: data.length, ...m, baseline: 'Buffer.concat', target, held: `${check.held} bytes (< one record)` });
}

function delimiter(lineSize: number, target?: number): void {
  const line = Buffer.concat([Buffer.alloc(lineSize - 2, 0x78), Buffer.from('\r\n')]);
  const data = Buffer.concat(Array.from({ length: Math.floor(STREAM / lineSize) }, () => line));
  const chunks = chunksOf(data);
  let check = { messages: 0, held: 0 };
  let found = 0;
  const m = compare(
    () => {
      const d = new LineDecoder(lineSize);
      check = drain((c) => d.push(c), chunks, () => d.buffered);
    },
    () => {
      found = 0;
      for (const c of chunks) for (let i = c.indexOf(0x0a); i !== -1; i = c.indexOf(0x0a, i + 1)) found++;
    },
  );
  if (check.messages !== data.length / lineSize) throw new Error(`delimiter: decoded ${check.messages} lines, expected ${data.length / lineSize}`);
  if (found !== check.messages) throw new Error(`indexOf baseline found ${found} LFs`);
  rows.push({ name: `delimiter, ${lineSize}-byte lines`, bytes: data.length, ...m, baseline: 'indexOf', target, held: `${check.held} bytes (< one line)` });
}

function lengthPrefix(valueSize: number, target?: number): void {
  const frame = encodeFrame(0x02, Buffer.alloc(valueSize, 0x61));
  const data = Buffer.concat(Array.from({ length: Math.max(1, Math.floor(STREAM / frame.length)) }, () => frame));
  const chunks = chunksOf(data);
  let check = { messages: 0, held: 0 };
  const m = compare(() => {
    const d = new FrameDecoder(Math.max(valueSize, 1));
    check = drain((c) => d.push(c), chunks, () => d.buffered);
  }, concatBaseline(chunks));
  if (check.messages !== data.length / frame.length) throw new Error(`length-prefix: decoded ${check.messages} frames`);
  rows.push({ name: `length-prefix, ${valueSize >= 1024 ? `${valueSize / 1024} KiB` : `${valueSize}-byte`} values`, bytes: data.length, ...m, baseline: 'Buffer.concat', target, held: `${check.held} bytes (≤ one frame)` });
}

/** The classic bug: keep one buffer and re-concatenate all of it with every chunk. */
class ReconcatFrameDecoder {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, chunk]); // copies everything held, every time
    const frames: Buffer[] = [];
    while (this.buf.length >= 5 && this.buf.length >= 5 + this.buf.readUInt32BE(1)) {
      const n = this.buf.readUInt32BE(1);
      frames.push(this.buf.subarray(5, 5 + n));
      this.buf = this.buf.subarray(5 + n);
    }
    return frames;
  }
}

function quadratic(valueSize: number): void {
  const data = encodeFrame(0x02, Buffer.alloc(valueSize, 0x61));
  const chunks = chunksOf(data);
  // Alternated, pass after pass, like every other row: both see the same load.
  const { ms: linear, baselineMs: naive } = compare(
    () => {
      const d = new FrameDecoder(valueSize);
      if (chunks.flatMap((c) => d.push(c)).length !== 1) throw new Error('no frame');
    },
    () => {
      const d = new ReconcatFrameDecoder();
      if (chunks.flatMap((c) => d.push(c)).length !== 1) throw new Error('no frame');
    },
    5,
  );
  const mib = valueSize / (1024 * 1024);
  console.log(
    `one ${mib} MiB frame in ${chunks.length} chunks: reference ${linear.toFixed(1)} ms (${mbps(data.length, linear).toFixed(0)} MiB/s), ` +
      `re-concatenating ${naive.toFixed(1)} ms (${mbps(data.length, naive).toFixed(0)} MiB/s): ${(naive / linear).toFixed(1)}× slower, ` +
      `having copied about ${((chunks.length * (chunks.length + 1)) / 2 * CHUNK / (1024 * 1024 * 1024)).toFixed(1)} GiB`,
  );
}

export async function run(): Promise<void> {
  fixedLength(64);
  fixedLength(1024, 0.5);
  fixedLength(16 * 1024, 0.5);
  delimiter(1024, 0.5);
  delimiter(80);
  lengthPrefix(64);
  lengthPrefix(1024, 0.5);
  lengthPrefix(16 * 1024, 0.5);
  lengthPrefix(1024 * 1024, 0.5);
  report();
  console.log('');
  quadratic(4 * 1024 * 1024);
  quadratic(16 * 1024 * 1024);
}

// Runs one fast-check property inside a driver process and turns the result
// into a verdict a graded test can print: the shrunk counterexample, shown
// the way a student can read it, and what the code under test did with it.
import fc from 'fast-check';

export interface Verdict {
  name: string;
  ok: boolean;
  runs: number;
  seed: number;
  /** What went wrong on the smallest failing input, ready to print. */
  failure?: string;
}

/** A check returns null when the code behaved, or a description of what it did wrong. */
export type Check<T> = (input: T) => string | null;

/** Run a check as a property; on failure, describe the shrunk counterexample. */
export function property<T>(name: string, arb: fc.Arbitrary<T>, check: Check<T>, opts: { runs: number; seed: number }): Verdict {
  const describe = (input: T): string | null => {
    const r = attempt(() => check(input));
    return 'threw' in r ? `threw ${r.threw}` : r.value;
  };
  const details = fc.check(
    fc.property(arb, (input) => describe(input) === null),
    { numRuns: opts.runs, seed: opts.seed, endOnFailure: false },
  );
  if (!details.failed) return { name, ok: true, runs: details.numRuns, seed: opts.seed };
  const input = details.counterexample?.[0] as T | undefined;
  const failure = input === undefined ? `failed: ${String(details.errorInstance)}` : (describe(input) ?? 'failed, then passed when run again (does it keep state between decoders?)');
  return { name, ok: false, runs: details.numRuns, seed: opts.seed, failure: `${failure}\n  (shrunk ${details.numShrinks} times; fast-check seed ${opts.seed})` };
}

/** Call `fn`; an exception becomes a description instead of a crash. */
export function attempt<T>(fn: () => T): { value: T } | { threw: string } {
  try {
    return { value: fn() };
  } catch (err) {
    return { threw: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

/** Bytes as a reader sees them: a JSON string (control bytes escaped) when ASCII or valid UTF-8, hex otherwise. */
export function show(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  if (b.every((c) => c < 0x80)) return JSON.stringify(b.toString('latin1'));
  const text = b.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(b)) return `${JSON.stringify(text)} (UTF-8, ${b.length} bytes)`;
  const hex = [...b.subarray(0, 48)].map((c) => c.toString(16).padStart(2, '0')).join(' ');
  return `<${b.length} bytes: ${hex}${b.length > 48 ? ' …' : ''}>`;
}

export const showList = (list: Uint8Array[]) => `[${list.map(show).join(', ')}]`;

/** Cut `data` into chunks whose sizes cycle through `sizes` (each ≥ 1): one arbitrary way TCP might deliver it. */
export function cut(data: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    chunks.push(data.subarray(at, at + n));
    at += n;
  }
  return chunks;
}

/** Chunk sizes: shrinks towards [1], one byte per 'data' event, the harshest split. */
export const chunkSizes = (max = 80) => fc.array(fc.integer({ min: 1, max }), { minLength: 1, maxLength: 12 });

export const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

// Runs one fast-check property on the grader's side and turns the result into
// a verdict a graded test can print: the shrunk counterexample, shown the way
// a student can read it, and what the code under test did with it. The code
// under test runs elsewhere (target.ts): the inputs and the verdict are made here.
import fc from 'fast-check';
import { TargetGone } from './target.ts';

export interface PropertyOptions {
  runs: number;
  seed: number;
  /** Run just this property (a graded test checks one; the others are skipped). */
  only?: string;
}

export interface Verdict {
  name: string;
  ok: boolean;
  /** Not run this time (PropertyOptions.only named another). */
  skipped?: boolean;
  runs: number;
  seed: number;
  /** What went wrong on the smallest failing input, ready to print. */
  failure?: string;
}

/** A check returns null when the code behaved, or a description of what it did wrong. */
export type Check<T> = (input: T) => Promise<string | null>;

/**
 * Run a check as a property; on failure, describe the shrunk counterexample.
 * Code that hangs or dies fails at once on the input that did it (no shrinking:
 * each try would cost a time-out).
 */
export async function property<T>(name: string, arb: fc.Arbitrary<T>, check: Check<T>, opts: PropertyOptions): Promise<Verdict> {
  if (opts.only && opts.only !== name) return { name, ok: true, runs: 0, seed: opts.seed, skipped: true };
  let gone: { input: T; why: string } | undefined;
  const describe = async (input: T): Promise<string | null> => {
    try {
      return await check(input);
    } catch (e) {
      if (!(e instanceof TargetGone)) throw e;
      gone ??= { input, why: e.message };
      return e.message;
    }
  };
  const details = await fc.check(
    fc.asyncProperty(arb, async (input) => !gone && (await describe(input)) === null),
    { numRuns: opts.runs, seed: opts.seed, endOnFailure: false },
  );
  const tail = (shrinks: number) => `\n  (${shrinks ? `shrunk ${shrinks} times; ` : ''}fast-check seed ${opts.seed})`;
  if (!details.failed) return { name, ok: true, runs: details.numRuns, seed: opts.seed };
  if (gone) return { name, ok: false, runs: details.numRuns, seed: opts.seed, failure: `on the input ${fc.stringify(gone.input)}: ${gone.why}${tail(0)}` };
  const input = details.counterexample?.[0] as T | undefined;
  const failure = input === undefined ? `failed: ${String(details.errorInstance)}` : ((await describe(input)) ?? 'failed, then passed when run again (does it keep state between decoders?)');
  if (gone) return { name, ok: false, runs: details.numRuns, seed: opts.seed, failure: `on the input ${fc.stringify((gone as { input: T }).input)}: ${(gone as { why: string }).why}${tail(0)}` };
  return { name, ok: false, runs: details.numRuns, seed: opts.seed, failure: `${failure}${tail(details.numShrinks)}` };
}

/** Call `fn`; an exception becomes a description instead of a crash. */
export function attempt<T>(fn: () => T): { value: T } | { threw: string } {
  try {
    return { value: fn() };
  } catch (err) {
    return { threw: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

/** Bytes as a reader sees them: a JSON string (control bytes escaped) when ASCII or valid UTF-8, hex otherwise; anything else, as what it is. */
export function show(bytes: unknown): string {
  if (!(bytes instanceof Uint8Array)) return describeValue(bytes);
  const b = Buffer.from(bytes);
  if (b.every((c) => c < 0x80)) return JSON.stringify(b.toString('latin1'));
  const text = b.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(b)) return `${JSON.stringify(text)} (UTF-8, ${b.length} bytes)`;
  const hex = [...b.subarray(0, 48)].map((c) => c.toString(16).padStart(2, '0')).join(' ');
  return `<${b.length} bytes: ${hex}${b.length > 48 ? ' …' : ''}>`;
}

/** A value that should have been bytes, in words (the student returned a string, say). */
function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v && typeof v === 'object' && 'notData' in v) return String((v as { notData: string }).notData);
  const json = JSON.stringify(v) ?? String(v);
  return `${typeof v === 'string' ? 'the string ' : ''}${json.length > 120 ? `${json.slice(0, 120)}…` : json}`;
}

export const showList = (list: unknown) => (Array.isArray(list) ? `[${list.map(show).join(', ')}]` : describeValue(list));

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

/** Same bytes? A string is taken as its UTF-8 bytes (as Buffer.from would); anything else is not bytes. */
export const sameBytes = (a: unknown, b: Uint8Array) => (a instanceof Uint8Array || typeof a === 'string' ? Buffer.from(a as Uint8Array).equals(Buffer.from(b)) : false);

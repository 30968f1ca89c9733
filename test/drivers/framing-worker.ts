// The half of a property test that runs student code: it is bundled together
// with the student's module (framing-target.ts) and runs sandboxed. It decides
// nothing. It reads requests, one JSON line each on stdin (a list of operations
// on the module: create a decoder, push a chunk, call a function), runs them,
// and writes back what the student's code returned or threw, one line each:
//   @@socket-kit <id> <json>
// The grader (the trusted side) made the inputs and compares the outputs, so
// whatever this process prints, a verdict included, decides nothing.
// It imports Node's modules only: nothing of the kit is in the sandbox.
import { createInterface } from 'node:readline';

/** One operation; `new` makes the object later `call`s apply to. */
export type Op = { new: string; args?: unknown[] } | { call: string; args?: unknown[] } | { fn: string; args?: unknown[] } | { get: string };

/** What one operation gave: a value (`v`) or what it threw (`t`). */
export type Outcome = { v: unknown } | { t: string };

export const REPLY_MARK = '@@socket-kit';
/** A reply larger than this is refused: a decoder cannot make the grader buffer without end. */
const MAX_REPLY = 8 * 1024 * 1024;

/** Values on the wire: bytes as base64, undefined and other things named. */
export function encode(v: unknown, depth = 0): unknown {
  if (depth > 8) throw new Error('returned a value nested too deeply');
  if (v === undefined) return { $u: 1 };
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof Uint8Array) return { $b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) {
    if (v.length > 100_000) throw new Error(`returned an array of ${v.length} items`);
    return v.map((x) => encode(x, depth + 1));
  }
  if (typeof v === 'object') {
    // A plain object or an instance of the student's class ({ type, value } frames): its own fields.
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).slice(0, 100)) out[k] = encode((v as Record<string, unknown>)[k], depth + 1);
    return { $o: out };
  }
  return { $t: `a ${typeof v}` };
}

/** The inverse of encode (the grader's side): bytes come back as Buffers. */
export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$b' in o) return Buffer.from(String(o.$b), 'base64');
    if ('$u' in o) return undefined;
    if ('$o' in o) return Object.fromEntries(Object.entries(o.$o as object).map(([k, x]) => [k, decode(x)]));
    if ('$t' in o) return { notData: String(o.$t) };
  }
  return v;
}

const threw = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : `a thrown ${typeof err}: ${String(err)}`);

/** Run operations in order, stopping after the first that throws. */
export function execute(mod: Record<string, unknown>, ops: Op[]): Outcome[] {
  const out: Outcome[] = [];
  let current: Record<string, unknown> | undefined;
  for (const op of ops) {
    try {
      let value: unknown;
      const args = (('args' in op ? op.args : undefined) ?? []).map(decode);
      if ('new' in op) {
        const Class = mod[op.new] as new (...a: unknown[]) => Record<string, unknown>;
        if (typeof Class !== 'function') throw new TypeError(`the module exports no class ${op.new}`);
        current = new Class(...args);
        value = undefined;
      } else if ('call' in op) {
        const method = current?.[op.call];
        if (typeof method !== 'function') throw new TypeError(`${op.call} is not a method of the decoder`);
        value = (method as (...a: unknown[]) => unknown).apply(current, args);
      } else if ('fn' in op) {
        const fn = mod[op.fn];
        if (typeof fn !== 'function') throw new TypeError(`the module exports no function ${op.fn}`);
        value = (fn as (...a: unknown[]) => unknown)(...args);
      } else {
        value = mod[op.get];
      }
      out.push({ v: encode(value) });
    } catch (err) {
      out.push({ t: threw(err) });
      break;
    }
  }
  return out;
}

/** Serve requests on stdin until it closes. */
export function serve(mod: Record<string, unknown>): void {
  const write = (line: string) => process.stdout.write(`\n${line}\n`);
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let req: { id: number; ops: Op[] };
    try {
      req = JSON.parse(line);
    } catch {
      return;
    }
    let reply = JSON.stringify({ results: execute(mod, req.ops) });
    if (reply.length > MAX_REPLY) reply = JSON.stringify({ results: [{ t: `returned more than ${MAX_REPLY >> 20} MB for one request` }] });
    write(`${REPLY_MARK} ${req.id} ${reply}`);
  });
  lines.on('close', () => process.exit(0));
  write(`${REPLY_MARK} 0 {"ready":true}`);
}

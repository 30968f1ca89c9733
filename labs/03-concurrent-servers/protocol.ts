// Lab 03 — the job protocol, shared by every server of this lab (given: nothing to write here).
//
// One request per connection: the request is every byte the client sends
// before its FIN (lab 02's half-close), the reply is one line,
// then the server closes. Two kinds of request:
//
//   C: echo hello there              S: hello there
//   C: crack 7f3a 5d41...(64 hex) 3000000
//                                    S: 2999417      (or "not found")
//
// "crack SALT HASH LIMIT" asks for the number n, 0 <= n < LIMIT, whose SHA-256
// of SALT followed by n (in decimal) is HASH: a brute-force search, up to
// LIMIT hashes of pure CPU work (about a second per million on a laptop).
// Anything else gets "error: ..." as its reply.
import { createHash } from 'node:crypto';

/** Bytes a request may have: more is not a request of this protocol. */
export const MAX_REQUEST = 1024;
/** The largest LIMIT a crack job may ask for (about a minute of CPU). */
export const MAX_LIMIT = 50_000_000;

export interface CrackJob {
  salt: string;
  /** 64 lower-case hex digits. */
  hash: string;
  limit: number;
}

export type Request = { kind: 'echo'; text: string } | ({ kind: 'crack' } & CrackJob) | { kind: 'bad'; why: string };

/** The request in the bytes a client sent before its FIN. */
export function parseRequest(bytes: Buffer): Request {
  const text = bytes.toString('utf8').replace(/\r?\n$/, ''); // `nc` and `npm run talk` end what you type with a line end
  const space = text.indexOf(' ');
  const verb = space < 0 ? text : text.slice(0, space);
  const rest = space < 0 ? '' : text.slice(space + 1);
  if (verb === 'echo') return { kind: 'echo', text: rest };
  if (verb === 'crack') {
    const m = /^(\S{1,64}) ([0-9a-f]{64}) (\d{1,9})$/.exec(rest);
    if (!m) return { kind: 'bad', why: 'usage: crack SALT HASH LIMIT (HASH is 64 hex digits)' };
    const limit = Number(m[3]);
    if (limit > MAX_LIMIT) return { kind: 'bad', why: `LIMIT may be at most ${MAX_LIMIT}` };
    return { kind: 'crack', salt: m[1]!, hash: m[2]!, limit };
  }
  return { kind: 'bad', why: `unknown request ${JSON.stringify(verb.slice(0, 20))}: send "echo TEXT" or "crack SALT HASH LIMIT"` };
}

/**
 * The CPU-heavy part: try n = 0, 1, 2, ... until SHA-256(salt + n) is `hash`.
 * It never waits for anything and never yields: while it runs, the thread that
 * called it does nothing else. That is the point of this lab.
 */
export function crack(job: CrackJob): number | undefined {
  const want = Buffer.from(job.hash, 'hex');
  for (let n = 0; n < job.limit; n++) {
    if (createHash('sha256').update(job.salt + n).digest().equals(want)) return n;
  }
  return undefined;
}

/** The reply line to a crack job (without its line end). */
export const crackReply = (n: number | undefined) => (n === undefined ? 'not found' : String(n));

/** The reply line to a request that is not one. */
export const errorReply = (why: string) => `error: ${why}`;

// Time budgets. Every wait in the harness is a budget in milliseconds, written
// for a quiet machine and stretched by scaled():
//
//   budget × slowness (measured: lib/harness/calibrate.ts) × SOCKET_KIT_TIMEOUT_SCALE (set by a person)
//
// A budget is only ever the last word on a wait: a program that crashed, sits
// idle with nothing pending, or spins at 100 % CPU is caught before its budget
// runs out (lib/harness/observe.ts), and a graded test that fails because a
// budget ran out is run again, alone, before it is reported (lab-test.ts).
// For that, each wait that runs out is written in the running test's log here.
import { AsyncLocalStorage } from 'node:async_hooks';

let slowness = 1;

/** How much slower than a quiet machine this one is right now (≥ 1), as last measured. */
export const currentSlowness = () => slowness;

export function setSlowness(k: number): void {
  if (Number.isFinite(k) && k >= 1) slowness = Math.min(k, MAX_SLOWNESS);
}

/** Beyond this, the machine is too busy to grade fairly at all; waits stop growing. */
export const MAX_SLOWNESS = 20;

/** SOCKET_KIT_TIMEOUT_SCALE: a person's own stretch (a very slow laptop, a debugger). */
export function userScale(): number {
  const k = Number(process.env.SOCKET_KIT_TIMEOUT_SCALE ?? '1');
  return Number.isFinite(k) && k > 0 ? k : 1;
}

/** A wait's budget on this machine, now. */
export function scaled(ms: number): number {
  return Math.round(ms * slowness * userScale());
}

/** The waits that ran out during one graded test. */
export interface WaitLog {
  expired: string[];
}

const running = new AsyncLocalStorage<WaitLog>();

/** Run `fn` with a fresh log of the waits that run out inside it. */
export async function logWaits<T>(fn: () => Promise<T>): Promise<{ log: WaitLog; result: PromiseSettledResult<T> }> {
  const log: WaitLog = { expired: [] };
  const result = await running.run(log, () => fn().then(
    (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
    (reason): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
  ));
  return { log, result };
}

/** Call when a wait's budget runs out (not when silence was what the test hoped for). */
export function waitExpired(what: string): void {
  running.getStore()?.expired.push(what);
}

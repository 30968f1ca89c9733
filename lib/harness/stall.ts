// Why a program has not answered yet, decided while a test waits for it:
//
//   idle:  every thread asleep with no timer pending, and the test has nothing
//          more on the way to it: the answer will never come. Certain, however
//          busy the machine is, so the wait fails at once.
//   stuck: it has burnt STUCK_CPU_MS of CPU since the wait began (or since its
//          last byte) without producing anything: an endless loop. CPU time,
//          not wall time, so a loaded machine does not make a program "stuck".
//
// Otherwise (working, a timer pending, or nothing can be observed here) the
// wait goes on until its budget runs out.
import { seconds } from './failure.ts';
import { settled, snapshot, type Activity } from './observe.ts';

/** CPU a program may burn without producing anything before it counts as stuck. A lab program needs milliseconds. */
export const STUCK_CPU_MS = 2000;
/** How often a waiting test looks at the program. */
export const CHECK_EVERY_MS = 100;

export type Stall = { kind: 'idle' } | { kind: 'stuck'; cpuMs: number };

export class StallWatch {
  private cpuAtProgress = 0;
  private cpuKnown = false;
  /** The first look comes a little after the wait begins: most replies are in by then, and a look costs a pause. */
  private nextCheck: number;

  /**
   * `pidOf`: the program's process (its descendants are watched too), asked at
   * each look: under the sandbox it is known only once bwrap has started it.
   */
  constructor(
    private readonly pidOf: () => number | undefined,
    private readonly stuckCpuMs = STUCK_CPU_MS,
    firstLookMs = CHECK_EVERY_MS,
  ) {
    this.nextCheck = Date.now() + firstLookMs;
    this.progress();
  }

  /** How long until the next look is due (a wait naps no longer than this). */
  msUntilLook(): number {
    return Math.max(1, this.nextCheck - Date.now());
  }

  /** The program produced something: it is not stuck, whatever it has used so far. */
  progress(): void {
    const pid = this.pidOf();
    this.cpuKnown = pid !== undefined;
    this.cpuAtProgress = pid === undefined ? 0 : snapshot(pid).cpuNs;
  }

  /**
   * Look, at most every CHECK_EVERY_MS. `quiet()` says the test has nothing in
   * flight to the program (no write pending, no piece of a chaos write to come);
   * without it, an idle program may just be waiting for those bytes.
   */
  async check(quiet: () => boolean): Promise<Stall | undefined> {
    const pid = this.pidOf();
    if (pid === undefined || Date.now() < this.nextCheck) return undefined;
    this.nextCheck = Date.now() + CHECK_EVERY_MS;
    if (!this.cpuKnown) this.progress(); // its pid just became known: count CPU from here
    const s = snapshot(pid);
    if (s.activity === 'busy') {
      const cpuMs = (s.cpuNs - this.cpuAtProgress) / 1e6;
      return cpuMs >= this.stuckCpuMs ? { kind: 'stuck', cpuMs } : undefined;
    }
    if (s.activity !== 'idle' || !quiet()) return undefined;
    return (await settled(pid)) && quiet() ? { kind: 'idle' } : undefined;
  }
}

/** A stall in words, for a failure message: the cause, before the symptom. "… is waiting for input …" / "… is stuck: …". */
export function describeStall(s: Stall, who = 'the server'): string {
  return s.kind === 'idle'
    ? `${who} is waiting for input (asleep, with no timer set) and has nothing more to send`
    : `${who} is stuck: it used ${seconds(s.cpuMs)} of CPU without sending anything (an endless loop, running at 100 % CPU)`;
}

/** The first sentence of a failure caused by a stall: what is wrong, then what the test was waiting for. */
export function stallSentence(s: Stall, waitingFor: string, who = 'the server'): string {
  const cause = describeStall(s, who);
  const lead = s.kind === 'idle' ? `${cap(who)} is not going to answer: ${cause.replace(`${who} is `, 'it is ')}.` : `${cap(cause)}.`;
  return `${lead} The test was waiting for ${waitingFor}.`;
}

const cap = (t: string) => t[0]!.toUpperCase() + t.slice(1);

/**
 * Are a client and the server it talks to both just waiting: the server
 * settled idle (no timer, nothing in flight) and the client asleep the whole
 * while, without running? Then nothing will happen until one of the client's
 * own timeouts fires. (For clients whose timers only ever give up.)
 */
export async function bothWaiting(clientPid: number, serverPid: number): Promise<boolean> {
  const asleep = (a: Activity) => a === 'idle' || a === 'timer';
  const before = snapshot(clientPid);
  if (!asleep(before.activity) || !(await settled(serverPid))) return false;
  const after = snapshot(clientPid);
  return asleep(after.activity) && after.cpuNs === before.cpuNs;
}

// Which graded tests may run at the same time, across every test worker of one
// run (vitest runs test files in several processes, and the tests of a
// `concurrent` file at once):
//
//   normal     runs beside anything but a test running alone
//   heavy      moves a lot of bytes or opens many connections (10 MB echo, 64 MB of backpressure):
//              never beside another heavy test or a timing-sensitive one
//   sensitive  its verdict depends on timing (a timer in the program under test)
//   busy       a kit test that loads the machine with a grading run of its own (the
//              mutants, the starters): never beside a timing-sensitive test or one re-run alone
//   alone      a test re-run because a wait ran out: nothing else runs meanwhile
//
// The gate is a folder of small files, one per test waiting or running, named
// so that they sort in the order they asked. A test enters when nothing running
// clashes with it and no earlier waiter does; two that enter at the same instant
// both look again, and the later one steps back. Entries of processes that died
// are swept. Without a folder (SOCKET_KIT_GATE unset: vitest's globalSetup and
// the grader set it), or where it cannot be used, the gate is open.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from './observe.ts';

export type GateMode = 'normal' | 'heavy' | 'sensitive' | 'busy' | 'alone';

const MODES: GateMode[] = ['normal', 'heavy', 'sensitive', 'busy', 'alone'];

export function clash(a: GateMode, b: GateMode): boolean {
  if (a === 'alone' || b === 'alone') return true;
  const pair = (x: GateMode, y: GateMode) => (a === x && b === y) || (a === y && b === x);
  return pair('heavy', 'heavy') || pair('heavy', 'sensitive') || pair('busy', 'sensitive');
}

/** The gate folder of this run (lib/harness/gate-setup.ts, lib/grader/run-tests.ts), if any. */
export const gateDir = (): string | undefined => process.env.SOCKET_KIT_GATE || undefined;

interface Entry {
  name: string;
  holding: boolean;
  order: string;
  pid: number;
  mode: GateMode;
}

function parse(name: string): Entry | undefined {
  const m = /^([qh])-(\d{15}-\d{7}-\d{6})-(\d+)-(\w+)$/.exec(name);
  if (!m || !MODES.includes(m[4] as GateMode)) return undefined;
  return { name, holding: m[1] === 'h', order: m[2]!, pid: Number(m[3]), mode: m[4] as GateMode };
}


let counter = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A place in the gate: `enter()` resolves once the test may run; `leave()` always. */
export class GatePass {
  private name: string | undefined;
  private readonly order: string;

  constructor(
    readonly mode: GateMode,
    private readonly dir: string | undefined = gateDir(),
  ) {
    const n = (counter = (counter + 1) % 1_000_000);
    this.order = `${String(Date.now()).padStart(15, '0')}-${String(process.pid % 10_000_000).padStart(7, '0')}-${String(n).padStart(6, '0')}`;
  }

  private others(dir: string): Entry[] | undefined {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return undefined;
    }
    const out: Entry[] = [];
    for (const name of names) {
      const e = parse(name);
      if (!e || name.endsWith(`${this.order}-${process.pid}-${this.mode}`)) continue;
      if (!processAlive(e.pid)) {
        rmSync(path.join(dir, name), { force: true }); // left by a worker that died
        continue;
      }
      out.push(e);
    }
    return out;
  }

  /** May this pass run now? Nothing running clashes, and no earlier waiter does. `strict`: only earlier holders count (the second look). */
  private clear(others: Entry[], strict: boolean): boolean {
    return others.every((e) => !clash(this.mode, e.mode) || (e.order > this.order && (strict || !e.holding)));
  }

  /** Wait for a turn, at most `maxWaitMs` (then run anyway: a gate must never be why a test fails). */
  async enter(maxWaitMs = 10 * 60_000): Promise<void> {
    const dir = this.dir;
    if (!dir) return;
    try {
      mkdirSync(dir, { recursive: true });
      this.name = `q-${this.order}-${process.pid}-${this.mode}`;
      writeFileSync(path.join(dir, this.name), '');
    } catch {
      this.name = undefined; // no gate here: run
      return;
    }
    const until = Date.now() + maxWaitMs;
    for (let wait = 5; Date.now() < until; wait = Math.min(wait * 2, 50)) {
      const before = this.others(dir);
      if (!before) return;
      if (this.clear(before, false)) {
        const held = `h-${this.order}-${process.pid}-${this.mode}`;
        try {
          renameSync(path.join(dir, this.name), path.join(dir, held));
        } catch {
          return;
        }
        this.name = held;
        // Someone may have entered between our look and our rename: the later of the two steps back.
        const after = this.others(dir);
        if (!after || this.clear(after, true)) return;
        const back = `q-${this.order}-${process.pid}-${this.mode}`;
        renameSync(path.join(dir, held), path.join(dir, back));
        this.name = back;
      }
      await sleep(wait);
    }
  }

  leave(): void {
    if (this.name && this.dir) rmSync(path.join(this.dir, this.name), { force: true });
    this.name = undefined;
  }
}

/** Run `fn` once the gate lets a test of this mode through. */
export async function throughGate<T>(mode: GateMode, fn: () => Promise<T>): Promise<T> {
  const pass = new GatePass(mode);
  await pass.enter();
  try {
    return await fn();
  } finally {
    pass.leave();
  }
}

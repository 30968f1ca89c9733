// How a graded test is written:
//
//   const { graded } = labTest('01-udp-echo');
//   graded('echoes a datagram byte for byte', 2, async (t) => { ... }, { hint: 'echo-sender' });
//
// The points live here, in the test's title ("[2 pts]"), and nowhere else: the
// grader reads them back from the results. Every process and socket a test
// opens through `t` is closed after it, pass or fail.
//
// A test that fails only because a wait ran out (budget.ts) is run once more,
// alone (gate.ts), with the machine's slowness measured again, before its
// failure counts; its result says so (meta.retried). Heavy tests and
// timing-sensitive ones never run at the same time.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { findLab, labDir, labName, type Lab } from '../course.ts';
import { kitPath, shownPath } from '../paths.ts';
import { logWaits, scaled, waitExpired } from './budget.ts';
import { calibrate } from './calibrate.ts';
import { chaosSeed } from './chaos.ts';
import { LabFailure, seconds } from './failure.ts';
import { throughGate, type GateMode } from './gate.ts';
import { crashSummary, runProgram, startServer, type RunOptions, type RunResult, type ServerProcess, type SpawnOptions } from './program.ts';
import { TcpClient, type ClientOptions } from './tcp-client.ts';
import { Transcript, wireTrailer } from './transcript.ts';
import { UdpClient } from './udp-client.ts';

/** The folder being graded, laid out like labs/: SOCKET_KIT_TARGET, else solutions/ (the kit's own run). */
export function targetRoot(): string {
  const env = process.env.SOCKET_KIT_TARGET;
  if (env) return path.resolve(env);
  return existsSync(kitPath('solutions')) ? kitPath('solutions') : kitPath('labs');
}

/**
 * Several folders graded in one run, by name (SOCKET_KIT_TARGETS, JSON
 * {"name": "/folder"}): each lab's tests are defined once per folder that
 * holds the lab, in a describe block named after it. The mutants' kit test
 * grades many wrong programs this way, with one vitest start-up for all.
 */
export function namedTargets(): Record<string, string> | undefined {
  const env = process.env.SOCKET_KIT_TARGETS;
  return env ? (JSON.parse(env) as Record<string, string>) : undefined;
}

export const POINTS_RE = /\s\[(\d+) pts?\]$/;

/** What a graded test leaves in vitest's task meta for the grader (run-tests.ts). */
export interface GradedMeta {
  /** The course.json hint for this failure; the grader decides how much of it to show. */
  hint?: string;
  /** Set when the first run failed because a wait ran out and the test was run again, alone. */
  retried?: { firstFailure: string; waits: string[]; passedAlone: boolean };
}

export function titleWithPoints(name: string, points: number): string {
  if (!Number.isInteger(points) || points < 1) throw new Error(`points must be a whole number ≥ 1 (test '${name}')`);
  return `${name} [${points} pt${points === 1 ? '' : 's'}]`;
}

/** What a graded test gets: ways to start the lab's programs and talk to them, all cleaned up after. */
export class LabContext {
  private servers: ServerProcess[] = [];
  private closers: (() => void)[] = [];
  /** Set once cleaned up: a test body still running past its limit may start nothing more. */
  private closed = false;
  seedUsed: number | undefined;
  readonly transcript = new Transcript();

  constructor(
    readonly lab: Lab,
    readonly dir: string,
  ) {}

  /** Absolute path of a file in the lab folder under test. */
  file(name: string): string {
    return path.join(this.dir, name);
  }

  private open(): void {
    if (this.closed) throw new LabFailure('the test ran past its time limit and was stopped.');
  }

  /** Start the lab's server with --host 127.0.0.1 --port 0 (plus args) and wait until it listens. */
  async start(file = 'server.ts', opts: SpawnOptions & { readyMs?: number } = {}): Promise<ServerProcess> {
    this.open();
    const server = await startServer(this.file(file), opts);
    this.servers.push(server);
    if (this.closed) await server.stop();
    return server;
  }

  /**
   * Run one of the lab's programs to completion (a client, say). A lab program
   * that spins for LAB_STUCK_CPU_MS of CPU is stopped as stuck; pass
   * `hangWhenIdle` when the test side answers at once (see RunOptions).
   */
  run(file: string, opts: RunOptions = {}): Promise<RunResult> {
    this.open();
    return runProgram(this.file(file), { stuckCpuMs: LAB_STUCK_CPU_MS, ...opts });
  }

  /** A TCP client connected to a server (or a port). Shares this test's transcript unless given one. */
  async tcp(to: ServerProcess | number, opts: ClientOptions = {}): Promise<TcpClient> {
    this.open();
    const server = typeof to === 'number' ? undefined : to;
    const port = typeof to === 'number' ? to : to.port;
    const c = await TcpClient.connect(port, { server, transcript: this.transcript, ...opts });
    this.closers.push(() => c.close());
    return c;
  }

  async udp(server?: ServerProcess): Promise<UdpClient> {
    this.open();
    const c = await UdpClient.open({ server, transcript: this.transcript });
    this.closers.push(() => c.close());
    return c;
  }

  /** Register anything else to close after the test (a test-side server, say). */
  onCleanup(fn: () => void): void {
    this.closers.push(fn);
  }

  /** A chaos seed for this test, printed with any failure so it can be replayed. */
  seed(): number {
    this.seedUsed ??= chaosSeed();
    return this.seedUsed;
  }

  /** Servers this test started, for failure reports. */
  get startedServers(): readonly ServerProcess[] {
    return this.servers;
  }

  async cleanup(): Promise<void> {
    this.closed = true;
    for (const close of this.closers.splice(0)) {
      try {
        close();
      } catch {
        /* best effort */
      }
    }
    await Promise.all(this.servers.splice(0).map((s) => s.stop()));
  }
}

/** CPU a lab program run to completion (a client) may burn before it counts as stuck. */
export const LAB_STUCK_CPU_MS = 3000;

/**
 * A failure that happened because the server crashed should say so, first:
 * "got back 0 bytes" is true but useless when the real news is the server's error.
 */
async function withCrashNote(err: unknown, ctx: LabContext): Promise<unknown> {
  if (!(err instanceof LabFailure) || /the server (exited|was killed|printed more)/.test(err.message)) return err;
  for (const s of ctx.startedServers) {
    await s.waitExit(150);
    if (s.exit && !(s.exit.code === 0 && !s.exit.signal)) {
      return new LabFailure(`The server ${s.howItEnded()} during the test:\n${crashSummary(s.output())}\n\nWhat the test saw: ${err.message}`);
    }
  }
  return err;
}

/** Add the replay seed to a failure, and drop harness stack frames from it. */
function explain(err: unknown, lab: Lab, ctx: LabContext): Error {
  if (!(err instanceof LabFailure)) return err as Error;
  let message = err.message;
  if (ctx.seedUsed !== undefined) {
    message += `\n\nChaos seed ${ctx.seedUsed}: replay with SOCKET_KIT_SEED=${ctx.seedUsed} npm run grade -- ${labName(lab)}`;
  }
  message += wireTrailer(ctx.transcript, ctx.startedServers.map((s) => s.exit)); // for the site's picture; the grader takes it off
  const out = new LabFailure(message);
  out.stack = `LabFailure: ${message}`;
  return out;
}

export interface GradedOptions {
  /** The id of the hint in course.json that helps with this failure. */
  hint?: string;
  /** The test's own limit on a quiet machine (scaled like every budget); every wait inside has a shorter one. */
  timeout?: number;
  /**
   * 'heavy': moves many megabytes or opens many connections; 'sensitive': its
   * verdict depends on a timer in the program. The two never run at once (gate.ts).
   */
  load?: 'heavy' | 'sensitive';
}

export interface LabTestOptions {
  /**
   * Run this file's tests at the same time. Right when every test starts its
   * own server (they wait on the network far more than they use the CPU).
   */
  concurrent?: boolean;
}

/** The first line of a failure, for a note that a test was re-run. */
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);

/** vitest's own limit per test: only a backstop, far past the harness's own (graded() keeps those). */
const VITEST_LIMIT_MS = 30 * 60_000;

/** The graded tests of one lab, found by name ('udp-echo') or slug, run against its folder in each target. */
export function labTest(name: string, fileOpts: LabTestOptions = {}) {
  const lab = findLab(name);
  const named = namedTargets();
  const targets = named
    ? Object.entries(named).map(([name, root]) => ({ name, dir: labDir(root, lab) })).filter((x) => existsSync(x.dir))
    : [{ name: undefined, dir: labDir(targetRoot(), lab) }];
  const live = new Set<LabContext>();
  // How slow is the machine now? Every wait of this file's tests is stretched by it.
  beforeAll(() => calibrate().then(() => undefined), 120_000);
  afterAll(async () => {
    // A test that ran past vitest's own timeout still gets its processes killed.
    await Promise.all([...live].map((t) => t.cleanup()));
  });
  // Many folders at once (the mutants): their tests run side by side; the gate still keeps heavy ones apart.
  const define = fileOpts.concurrent || named ? test.concurrent : test;

  /** One run of a test body, through the gate, within its limit. */
  async function attempt(dir: string, fn: (t: LabContext) => Promise<void>, mode: GateMode, opts: GradedOptions): Promise<{ error?: Error; expired: string[] }> {
    return throughGate(mode, async () => {
      const t = new LabContext(lab, dir);
      live.add(t);
      const limit = scaled(opts.timeout ?? 30_000);
      let timer: NodeJS.Timeout | undefined;
      try {
        const { log, result } = await logWaits(() =>
          Promise.race([
            fn(t),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                waitExpired('the whole test');
                reject(new LabFailure(`the test did not finish within ${seconds(limit)}. Something waited for a reply that never came: look for a missing write, a missing end(), or a loop that never returns.`));
              }, limit);
            }),
          ]),
        );
        if (result.status === 'fulfilled') return { expired: log.expired };
        return { error: explain(await withCrashNote(result.reason, t), lab, t), expired: log.expired };
      } finally {
        clearTimeout(timer);
        await t.cleanup();
        live.delete(t);
      }
    });
  }

  function define1(dir: string, name: string, points: number, fn: (t: LabContext) => Promise<void>, opts: GradedOptions): void {
    define(titleWithPoints(name, points), { timeout: VITEST_LIMIT_MS }, async (context) => {
      if (!existsSync(dir)) throw new LabFailure(`there is no lab folder ${shownPath(dir)} to grade.`);
      const meta = context.task.meta as GradedMeta;
      if (opts.hint) meta.hint = opts.hint;
      const first = await attempt(dir, fn, opts.load ?? 'normal', opts);
      if (!first.error) return;
      // A certain failure (wrong bytes, a crash, a server idle or stuck) is reported as it is.
      if (first.expired.length === 0 || !(first.error instanceof LabFailure)) throw first.error;
      // A wait ran out: the machine may just have been busy. Measure it again and run the test alone.
      await calibrate(0);
      const second = await attempt(dir, fn, 'alone', opts);
      meta.retried = { firstFailure: firstLine(first.error), waits: first.expired, passedAlone: !second.error };
      if (!second.error) return;
      const again = new LabFailure(`${second.error.message}\n\n(A wait ran out, so this test was run a second time, alone on the machine, and failed again.)`);
      again.stack = `LabFailure: ${again.message}`;
      throw again;
    });
  }

  /** A graded test: its title carries its points. Everything it opens through `t` is closed after it. */
  function graded(name: string, points: number, fn: (t: LabContext) => Promise<void>, opts: GradedOptions = {}): void {
    for (const target of targets) {
      if (target.name === undefined) define1(target.dir, name, points, fn, opts);
      else describe(target.name, () => define1(target.dir, name, points, fn, opts));
    }
  }

  /** The lab folder under test (the first, when SOCKET_KIT_TARGETS names several: a test body should use `t.dir`). */
  const dir = targets[0]?.dir ?? labDir(targetRoot(), lab);
  return { lab, dir, graded };
}

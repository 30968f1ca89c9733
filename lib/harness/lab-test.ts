// How a graded test is written:
//
//   const { graded } = labTest('01-udp-echo');
//   graded('echoes a datagram byte for byte', 2, async (t) => { ... }, { hint: 'echo-sender' });
//
// The points live here, in the test's title ("[2 pts]"), and nowhere else: the
// grader reads them back from the results. Every process and socket a test
// opens through `t` is closed after it, pass or fail.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, test } from 'vitest';
import { findLab, labDir, type Lab } from '../course.ts';
import { kitPath, shownPath } from '../paths.ts';
import { chaosSeed } from './chaos.ts';
import { failureHint } from '../tools/hints.ts';
import { LabFailure } from './failure.ts';
import { runProgram, startServer, type RunResult, type ServerProcess, type SpawnOptions } from './program.ts';
import { TcpClient, type ClientOptions } from './tcp-client.ts';
import { Transcript, wireTrailer } from './transcript.ts';
import { UdpClient } from './udp-client.ts';

/** The folder being graded, laid out like labs/: SOCKET_KIT_TARGET, else solutions/ (the kit's own run). */
export function targetRoot(): string {
  const env = process.env.SOCKET_KIT_TARGET;
  if (env) return path.resolve(env);
  return existsSync(kitPath('solutions')) ? kitPath('solutions') : kitPath('labs');
}

export const POINTS_RE = /\s\[(\d+) pts?\]$/;

export function titleWithPoints(name: string, points: number): string {
  if (!Number.isInteger(points) || points < 1) throw new Error(`points must be a whole number ≥ 1 (test '${name}')`);
  return `${name} [${points} pt${points === 1 ? '' : 's'}]`;
}

/** What a graded test gets: ways to start the lab's programs and talk to them, all cleaned up after. */
export class LabContext {
  private servers: ServerProcess[] = [];
  private closers: (() => void)[] = [];
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

  /** Start the lab's server with --host 127.0.0.1 --port 0 (plus args) and wait until it listens. */
  async start(file = 'server.ts', opts: SpawnOptions & { readyMs?: number } = {}): Promise<ServerProcess> {
    const server = await startServer(this.file(file), opts);
    this.servers.push(server);
    return server;
  }

  /** Run one of the lab's programs to completion (a client, say). */
  run(file: string, opts: SpawnOptions & { stdin?: Buffer | string; timeoutMs?: number; keepStdout?: number } = {}): Promise<RunResult> {
    return runProgram(this.file(file), opts);
  }

  /** A TCP client connected to a server (or a port). Shares this test's transcript unless given one. */
  async tcp(to: ServerProcess | number, opts: ClientOptions = {}): Promise<TcpClient> {
    const server = typeof to === 'number' ? undefined : to;
    const port = typeof to === 'number' ? to : to.port;
    const c = await TcpClient.connect(port, { server, transcript: this.transcript, ...opts });
    this.closers.push(() => c.close());
    return c;
  }

  async udp(server?: ServerProcess): Promise<UdpClient> {
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

/**
 * A failure that happened because the server crashed should say so: "got back
 * 0 bytes" is true but useless when the real news is the server's error.
 */
async function withCrashNote(err: unknown, ctx: LabContext): Promise<unknown> {
  if (!(err instanceof LabFailure) || /the server (exited|was killed)/.test(err.message)) return err;
  for (const s of ctx.startedServers) {
    await s.waitExit(150);
    if (s.exit && !(s.exit.code === 0 && !s.exit.signal)) {
      try {
        s.assertAlive('the test ran');
      } catch (crash) {
        return new LabFailure(`${err.message}\n\nMeanwhile, ${(crash as Error).message}`);
      }
    }
  }
  return err;
}

/** Add the hint and replay seed to a failure, and drop harness stack frames from it. */
function explain(err: unknown, lab: Lab, ctx: LabContext, hintId?: string): Error {
  if (!(err instanceof LabFailure)) return err as Error;
  let message = err.message;
  if (ctx.seedUsed !== undefined) {
    message += `\n\nChaos seed ${ctx.seedUsed}: replay with SOCKET_KIT_SEED=${ctx.seedUsed} npm run grade -- ${lab.slug.slice(0, 2)}`;
  }
  // The hint that fits this failure. It is not marked seen: `npm run hint` walks the
  // hints from a nudge upwards on its own, and one grade of a starter shows them all.
  if (hintId) message += `\n\n${failureHint(lab, hintId, false)}`;
  message += wireTrailer(ctx.transcript, ctx.startedServers.map((s) => s.exit)); // for the site's picture; the grader takes it off
  const out = new LabFailure(message);
  out.stack = `LabFailure: ${message}`;
  return out;
}

export interface GradedOptions {
  /** The id of the hint in course.json that helps with this failure. */
  hint?: string;
  /** The test's own limit; every wait inside has a shorter one. */
  timeout?: number;
}

export interface LabTestOptions {
  /**
   * Run this file's tests at the same time. Right when every test starts its
   * own server (they wait on the network far more than they use the CPU).
   */
  concurrent?: boolean;
}

/** The graded tests of one lab, found by name ('udp-echo') or slug, run against its folder in the target. */
export function labTest(name: string, fileOpts: LabTestOptions = {}) {
  const lab = findLab(name);
  const dir = labDir(targetRoot(), lab);
  const live = new Set<LabContext>();
  afterAll(async () => {
    // A test that ran past vitest's own timeout still gets its processes killed.
    await Promise.all([...live].map((t) => t.cleanup()));
  });
  const define = fileOpts.concurrent ? test.concurrent : test;

  function graded(name: string, points: number, fn: (t: LabContext) => Promise<void>, opts: GradedOptions = {}): void {
    define(titleWithPoints(name, points), { timeout: opts.timeout ?? 30_000 }, async () => {
      if (!existsSync(dir)) throw new LabFailure(`there is no lab folder ${shownPath(dir)} to grade.`);
      const t = new LabContext(lab, dir);
      live.add(t);
      try {
        await fn(t);
      } catch (err) {
        throw explain(await withCrashNote(err, t), lab, t, opts.hint);
      } finally {
        await t.cleanup();
        live.delete(t);
      }
    });
  }

  return { lab, dir, graded };
}

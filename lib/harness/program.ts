// Runs a student's program out of process, in its own process group, so that a
// crash, a busy loop, process.exit() or a fork costs one test and nothing more.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { KIT_ROOT, TSX_LOADER, shownPath } from '../paths.ts';
import { LabFailure, seconds } from './failure.ts';
import { scaled, waitExpired } from './budget.ts';
import { bundledEntry, sourceExcerpt } from './bundle.ts';
import { pausedOnInput, settled as asleep, snapshot } from './observe.ts';
import { confine, sandboxEnabled, type Confinement } from './sandbox.ts';
import { bothWaiting, describeStall, StallWatch, STUCK_CPU_MS, type Stall } from './stall.ts';
import { writesInFlight } from './chaos.ts';

const OUTPUT_CAP = 64 * 1024; // bytes of output kept per stream; the rest is counted, not kept
/** Past this much output a program is stopped: it is flooding, and each byte costs the grader CPU. */
export const FLOOD_LIMIT = 32 * 1024 * 1024;
const FLOODED = `printed more than ${FLOOD_LIMIT >> 20} MB of output and was stopped`;
const READY_RE = /listening on (\S+):(\d+)/;

/** Marks every process the harness starts, so stray ones can be found (test/kit). */
export const RUN_MARK = 'SOCKET_KIT_RUN';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the sandbox stopped it, when it did ("used more than 768 MB of memory"). */
  reason?: string;
  /** A sandbox limit it met ("reached the limit of 96 processes and threads"). */
  note?: string;
}

/** Output of a stream, bounded: the first OUTPUT_CAP bytes and a count of the rest. */
class Captured {
  private chunks: Buffer[] = [];
  private kept = 0;
  total = 0;
  constructor(
    private readonly cap = OUTPUT_CAP,
    private readonly onFlood?: () => void,
  ) {}
  add(chunk: Buffer): void {
    const before = this.total;
    this.total += chunk.length;
    if (before <= FLOOD_LIMIT && this.total > FLOOD_LIMIT) this.onFlood?.();
    if (this.kept < this.cap) {
      const part = chunk.subarray(0, this.cap - this.kept);
      this.chunks.push(part);
      this.kept += part.length;
    }
  }
  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return this.total > this.kept ? `${s}\n… (${this.total - this.kept} more bytes not kept)` : s;
  }
}

function describeExit(e: Exit): string {
  const how = e.reason ? `was stopped by the grader's sandbox: it ${e.reason}` : e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
  return e.note ? `${how} (it ${e.note})` : how;
}

/** The last lines of some output, indented, for a failure message. */
export function tail(text: string, lines = 12): string {
  const all = text.trimEnd().split('\n');
  const shown = all.slice(-lines).map((l) => `    | ${l.length > 200 ? l.slice(0, 200) + '…' : l}`);
  if (all.length > lines) shown.unshift(`    | … (${all.length - lines} earlier lines)`);
  return all.length === 1 && all[0] === '' ? '    (no output)' : shown.join('\n');
}

/**
 * What a crash says, in two lines: the error and the first frame in the
 * student's own code. A compile error (esbuild, through tsx) says where it is
 * on the lines after "Transform failed": those are kept, with the source line.
 * Falls back to the output's last lines.
 */
export function crashSummary(text: string): string {
  const lines = text.split('\n');
  const located = lines.filter((l) => /^\S.*:\d+:\d+: ERROR: /.test(l)).slice(0, 5);
  if (located.length) {
    return located
      .map((l) => {
        const m = /^(.*):(\d+):(\d+): ERROR: (.*)$/.exec(l)!;
        const excerpt = sourceExcerpt(m[1]!, Number(m[2]), Number(m[3]));
        return `    | ${shownPath(m[1]!)}:${m[2]}:${m[3]}: ${m[4]}${excerpt ? '\n' + excerpt.split('\n').map((x) => `    | ${x}`).join('\n') : ''}`;
      })
      .join('\n');
  }
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^(\w*Error|\w+Exception)\b[^:]*:|^Error \[/.test(lines[i]!)) {
      at = i;
      break;
    }
  }
  if (at < 0) return tail(text);
  const frame = lines.slice(at + 1).find((l) => /^\s+at /.test(l) && !l.includes('node:') && !l.includes('node_modules'));
  const where = frame ? frame.trim().replace(/^at /, 'at ').replace('file://', '').split(KIT_ROOT + '/').join('') : '';
  return `    | ${lines[at]}${where ? `\n    |     ${where}` : ''}`;
}

/** Kill a whole process group: TERM, a grace period, then KILL. Never throws. */
export async function killGroup(child: ChildProcess, graceMs = 300): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  if (child.exitCode === null && child.signalCode === null) {
    signal('SIGTERM');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  // The leader may have exited and left children behind in its group.
  signal('SIGKILL');
}

/** Pids still alive (not zombies) in a process group, read from /proc. */
export function livePidsInGroup(pgid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) found.push(Number(name));
    } catch {
      /* exited while we looked */
    }
  }
  return found;
}

/** Live processes whose environment carries RUN_MARK=mark: what a run left behind. */
export function processesMarked(mark: string): number[] {
  const needle = `${RUN_MARK}=${mark}\0`;
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'latin1').includes(needle)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z') found.push(Number(name));
    } catch {
      /* exited, or not ours to read */
    }
  }
  return found;
}

export interface SpawnOptions {
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** The sandbox around each child (lib/harness/sandbox.ts): how to signal it, and how it really ended. */
const confinements = new WeakMap<ChildProcess, Confinement>();

/** How a child ended, as its program would have without a sandbox, with the sandbox's reason if it stopped it. */
export function exitOf(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): Exit {
  return confinements.get(child)?.ended(code, signal) ?? { code, signal };
}

/** The program's own pid (under the sandbox: bwrap's child, once it has started it). */
const programPid = (child: ChildProcess) => (confinements.has(child) ? confinements.get(child)!.programPid() : child.pid);

/** Resolves once whatever the program left running is gone (its cgroups emptied). */
const leftoversGone = (child: ChildProcess) => confinements.get(child)?.settled() ?? Promise.resolve();

/**
 * Start a program as the leader of a new process group: `node --import tsx
 * FILE ARGS` (or its cached bundle), or, under the instructor's sandbox, its
 * bundle confined (sandbox.ts). A .mjs file is a bundle already and runs as is.
 */
function spawnTs(relFile: string, opts: SpawnOptions): ChildProcess {
  const file = path.resolve(relFile); // the child runs in the lab folder, so no relative paths
  if (!existsSync(file)) throw new LabFailure(`${shownPath(file)} does not exist. Is the lab folder complete?`);
  // The instructor's sandbox bundles its private copies itself (and keeps the
  // reference solutions' bundles out of a place a student program could read).
  const bundle = sandboxEnabled() || file.endsWith('.mjs') ? undefined : bundledEntry(file);
  const entry = file.endsWith('.mjs') ? file : bundle;
  // --no-memory-reducer: V8 would otherwise set itself a timer after each burst of
  // work, and a program with a timer pending cannot be seen to be idle (observe.ts).
  const nodeFlags = ['--no-memory-reducer'];
  // A file that does not compile throws a BundleError (a LabFailure naming file:line:column).
  const launch = confine({
    file,
    cwd: opts.cwd ?? path.dirname(file),
    programArgs: opts.args ?? [],
    nodeFlags,
    command: process.execPath,
    args: entry ? [...nodeFlags, '--enable-source-maps', entry, ...(opts.args ?? [])] : [...nodeFlags, '--import', TSX_LOADER, file, ...(opts.args ?? [])],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      NODE_NO_WARNINGS: '1',
      [RUN_MARK]: process.env[RUN_MARK] ?? '1',
      ...opts.env,
    },
  });
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    detached: true, // its own process group, killed as a whole
    stdio: ['pipe', 'pipe', 'pipe', ...launch.extraStdio],
    env: launch.env, // scrubbed: a student program sees no grader secrets
  });
  confinements.set(child, launch.attach(child));
  return child;
}

/** A server the harness started and will stop. */
export class ServerProcess {
  /** Set when it printed past FLOOD_LIMIT and was stopped for it. */
  flooded = false;
  private readonly flood = () => {
    this.flooded = true;
    void killGroup(this.child, 0);
  };
  readonly stdout = new Captured(OUTPUT_CAP, this.flood);
  readonly stderr = new Captured(OUTPUT_CAP, this.flood);
  host = '';
  port = 0;
  exit: Exit | null = null;
  private exited: Promise<Exit>;

  constructor(
    readonly child: ChildProcess,
    readonly file: string,
  ) {
    child.stdout!.on('data', (c: Buffer) => this.stdout.add(c));
    child.stderr!.on('data', (c: Buffer) => this.stderr.add(c));
    child.stdin!.on('error', () => {}); // a server that closes stdin is not our problem
    child.setMaxListeners(0); // every client of a test listens for its exit
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = exitOf(child, code, signal);
        resolve(this.exit);
      });
    });
  }

  /** The program's own pid (under the sandbox: not bwrap's, which starts it). */
  get pid(): number {
    return programPid(this.child) ?? this.child.pid!;
  }

  /** Its process group: the program, and everything it started that did not leave the group. */
  get group(): number {
    return this.child.pid!;
  }

  /** Everything it printed, for failure messages. */
  output(): string {
    return [this.stdout.text(), this.stderr.text()].filter((s) => s.trim()).join('\n');
  }

  /** Throw a clear failure if the server has died. Call it when a reply does not come. */
  assertAlive(doing: string): void {
    if (this.exit) {
      throw new LabFailure(
        `the server ${this.howItEnded()} while ${doing}:\n${crashSummary(this.output())}`,
      );
    }
  }

  /** How it ended, in words: exited, killed, or stopped for flooding. */
  howItEnded(): string {
    return this.flooded ? FLOODED : this.exit ? describeExit(this.exit) : 'is still running';
  }

  /** Call `fn` once the server exits (at once if it has). */
  onExit(fn: () => void): void {
    if (this.exit) fn();
    else this.child.once('exit', fn);
  }

  /** Resolves with the exit, or null if it is still running after `ms`. */
  async waitExit(ms: number): Promise<Exit | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)));
    const r = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return r;
  }

  /** CPU it may burn without producing anything before it counts as stuck (stall.ts). */
  stuckCpuMs = STUCK_CPU_MS;

  /** A watch on why it is not answering (idle or stuck), for one wait. */
  stallWatch(stuckCpuMs = this.stuckCpuMs, firstLookMs?: number): StallWatch {
    return new StallWatch(() => (this.exit ? undefined : this.pid), stuckCpuMs, firstLookMs);
  }

  /** Resident memory of all its processes, in bytes (0 where it cannot be read). */
  memory(): number {
    return snapshot(this.pid).rssBytes;
  }

  /** Resolves true once the server is settled asleep with no timer (it has done all it will do unprompted); false if it cannot be seen. */
  async settle(maxMs = scaled(5000)): Promise<boolean> {
    const until = Date.now() + maxMs;
    while (Date.now() < until && !this.exit) {
      const a = snapshot(this.pid).activity;
      if (a === 'unknown' || a === 'gone') return false;
      if (await asleep(this.pid)) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    return false;
  }

  /** Has it stopped reading while bytes wait for it (observe.ts)? False where programs cannot be observed. */
  pausedOnInput(): Promise<boolean> {
    return this.exit ? Promise.resolve(false) : pausedOnInput(this.pid);
  }

  /** Signal the program itself (under the sandbox: not bwrap, which forwards no signal). */
  signal(sig: NodeJS.Signals): void {
    const c = confinements.get(this.child);
    if (c) return c.signal(sig);
    try {
      this.child.kill(sig);
    } catch {
      /* gone */
    }
  }

  /** Stop it and everything it started. */
  async stop(): Promise<void> {
    await killGroup(this.child);
    await leftoversGone(this.child);
  }
}

/**
 * Start a program that talks over its stdin and stdout (a test driver) and
 * return at once: no readiness line is awaited. Stop it with stop().
 */
export function startProgram(file: string, opts: SpawnOptions = {}): ServerProcess {
  return new ServerProcess(spawnTs(file, opts), file);
}

/**
 * Start-up failures that are certain (it exited, it sat idle without the line,
 * it spun at 100 % CPU), per program and arguments, for the life of this test
 * process: the next test that starts the same program fails at once with the
 * same cause instead of finding it out again. Keyed by the sizes and times of
 * the files in its folder, so an edited program is started afresh.
 */
const startFailures = new Map<string, string>();

function startKey(file: string, args: string[], env: Record<string, string> | undefined): string {
  const dir = path.dirname(file);
  let stamp = '';
  try {
    for (const f of readdirSync(dir).sort()) {
      const s = statSync(path.join(dir, f));
      if (s.isFile()) stamp += `${f}:${s.size}:${s.mtimeMs};`;
    }
  } catch {
    /* reported when it is started */
  }
  return JSON.stringify([file, args, env ?? {}, stamp]);
}

/**
 * Start a server and wait for its `listening on HOST:PORT` line.
 * Fails clearly, and as soon as the cause is certain, if it exits first, sits
 * idle without printing the line, spins at 100 % CPU, or floods its output.
 */
export async function startServer(file: string, opts: SpawnOptions & { readyMs?: number; stuckCpuMs?: number } = {}): Promise<ServerProcess> {
  const readyMs = scaled(opts.readyMs ?? 8000);
  const args = ['--host', '127.0.0.1', '--port', '0', ...(opts.args ?? [])];
  const cmd = `tsx ${shownPath(file)} ${args.join(' ')}`;
  const key = startKey(file, args, opts.env);
  const known = startFailures.get(key);
  if (known) throw new LabFailure(known); // word for word: an instructor's feedback writes a repeated failure once
  const server = new ServerProcess(spawnTs(file, { ...opts, args }), file);
  if (opts.stuckCpuMs !== undefined) server.stuckCpuMs = opts.stuckCpuMs;
  let seen = '';
  let ready = false;
  const certain = (message: string) => {
    startFailures.set(key, message);
    return new LabFailure(message);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = (err?: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => {
        waitExpired(`the readiness line of ${shownPath(file)}`);
        finish(
          new LabFailure(
            `started \`${cmd}\` but it did not print 'listening on HOST:PORT' within ${seconds(readyMs)}. ` +
              `A server must print that line once it accepts connections. It printed:\n${tail(server.output())}`,
          ),
        );
      }, readyMs);
      const onData = (chunk: Buffer) => {
        seen = (seen + chunk.toString('utf8')).slice(-4096); // a flood must not grow this
        const m = READY_RE.exec(seen);
        if (m) {
          ready = true;
          server.host = m[1]!;
          server.port = Number(m[2]);
          finish();
        }
      };
      server.child.stdout!.on('data', onData);
      server.child.once('exit', () => {
        if (done) return; // stopped after it became ready: not a start-up failure
        const exit = server.exit ?? exitOf(server.child, server.child.exitCode, server.child.signalCode);
        const how = server.flooded ? FLOODED : describeExit(exit);
        const message = `started \`${cmd}\` but it ${how} before printing 'listening on HOST:PORT':\n${crashSummary(server.output())}`;
        // Killed by a signal it did not bring on itself (no sandbox reason, no output): not certain to
        // be the program's doing, so not remembered for the next test, and the test is re-run alone.
        const fromOutside = exit.signal === 'SIGKILL' && !exit.reason && server.output().trim() === '';
        if (fromOutside) waitExpired(`${shownPath(file)} to start (it was killed by SIGKILL)`);
        finish(server.flooded || fromOutside ? new LabFailure(message) : certain(message));
      });
      // Meanwhile, look at what it is doing: asleep without having printed the line, or spinning.
      const watch = server.stallWatch();
      const look = async () => {
        while (!done) {
          await new Promise((r) => setTimeout(r, 50));
          if (done) return;
          const stall = await watch.check(() => true);
          if (done || !stall) continue;
          const printed = `It printed:\n${tail(server.output())}`;
          finish(
            certain(
              stall.kind === 'idle'
                ? `started \`${cmd}\`; it is now waiting for connections or input (asleep, no timer set) but never printed 'listening on HOST:PORT'. ` +
                    `A server must print that line, with the port it got, once it accepts connections. ${printed}`
                : `started \`${cmd}\`; it is stuck: it used ${seconds(stall.cpuMs)} of CPU without printing 'listening on HOST:PORT' (an endless loop before listen()?). ${printed}`,
            ),
          );
        }
      };
      void look();
    });
  } catch (err) {
    await server.stop();
    throw err;
  }
  if (!ready || !(server.port > 0 && server.port < 65536)) {
    await server.stop();
    throw certain(`\`${cmd}\` printed '${READY_RE.exec(seen)?.[0]}', which names no usable port. Print the port the OS chose (server.address().port), not 0.`);
  }
  return server;
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
  /** It did not exit by itself: its time ran out, or it was stopped as stalled (see `stalled`). */
  timedOut: boolean;
  /** Why it was stopped early: asleep with nothing to wait for, spinning, sitting on a timer when it should have exited, or the test saw enough. */
  stalled?: Stall | { kind: 'waiting'; forMs: number } | { kind: 'aborted'; why: string } | { kind: 'both-waiting' };
  /** It printed past FLOOD_LIMIT and was stopped. */
  flooded: boolean;
  ms: number;
  pid: number;
  /** What to show a student: the command, how it ended and its output. */
  describe(): string;
}

export interface RunOptions extends SpawnOptions {
  stdin?: Buffer | string;
  timeoutMs?: number;
  keepStdout?: number;
  /**
   * Stop it as soon as it is idle (asleep, no timer set, its stdin read) and the
   * test has no bytes in flight to it: it is waiting for something that will not
   * come. Only when the test side answers at once, with no pauses of its own.
   */
  hangWhenIdle?: boolean;
  /** Stop it once it has sat asleep (idle or on a timer) this long: for a program that should exit at once. */
  waitingMs?: number;
  /** Stop it once it has burnt this much CPU (an endless loop). Off by default: the kit's own drivers compute a lot. */
  stuckCpuMs?: number;
  /** Stop it when this fires: the test has seen enough to decide (a fourth datagram where three were allowed). The reason is the signal's. */
  signal?: AbortSignal;
  /**
   * The lab's server it talks to: once both just wait (the server idle with
   * nothing to send, this program asleep), it is stopped rather than left to
   * its own timeouts. Noted as a wait that ran out: the test is run once more, alone.
   */
  waitingOn?: ServerProcess;
}

/** Run a program to completion with a time limit (a client, say). The group is always killed. */
export async function runProgram(file: string, opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = scaled(opts.timeoutMs ?? 8000);
  const child = spawnTs(file, opts);
  let flooded = false;
  const flood = () => {
    flooded = true;
    void killGroup(child, 0);
  };
  const out = new Captured(opts.keepStdout, flood); // a test that compares big output keeps more of it
  const err = new Captured(OUTPUT_CAP, flood);
  child.stdout!.on('data', (c: Buffer) => out.add(c));
  child.stderr!.on('data', (c: Buffer) => err.add(c));
  child.stdin!.on('error', () => {});
  child.stdin!.end(opts.stdin ?? '');
  const started = Date.now();
  let timedOut = false;
  let stalled: RunResult['stalled'];
  let closed = false;
  const stop = (why?: RunResult['stalled']) => {
    if (closed || timedOut) return;
    timedOut = true;
    stalled = why;
    void killGroup(child, 100);
  };
  const watching = opts.hangWhenIdle || opts.waitingMs !== undefined || opts.stuckCpuMs !== undefined || opts.waitingOn !== undefined;
  const watch = async () => {
    const stall = new StallWatch(() => programPid(child), opts.stuckCpuMs ?? Infinity);
    let asleepSince: number | undefined;
    let looks = 0;
    while (!closed && !timedOut) {
      await new Promise((r) => setTimeout(r, 50));
      if (closed || timedOut) return;
      if (opts.waitingMs !== undefined) {
        const pid = programPid(child);
        const a = pid === undefined ? 'unknown' : snapshot(pid).activity;
        if (a === 'idle' || a === 'timer') {
          asleepSince ??= Date.now();
          if (Date.now() - asleepSince >= opts.waitingMs) return stop({ kind: 'waiting', forMs: Date.now() - asleepSince });
        } else asleepSince = undefined;
      }
      const s = await stall.check(() => writesInFlight() === 0 && (child.stdin!.writableLength ?? 0) === 0);
      if (s && !closed && (s.kind === 'stuck' || opts.hangWhenIdle)) return stop(s);
      const server = opts.waitingOn;
      const pid = programPid(child);
      // Every third look (a look at both costs a pause of its own).
      if (server && ++looks % 3 === 0 && !server.exit && pid !== undefined && (await bothWaiting(pid, server.pid)) && !closed) {
        waitExpired(`${shownPath(file)} and the server both waiting`);
        return stop({ kind: 'both-waiting' });
      }
    }
  };
  if (watching && child.pid !== undefined) void watch();
  const onAbort = () => stop({ kind: 'aborted', why: String(opts.signal?.reason ?? 'the test stopped it') });
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const exit = await new Promise<Exit>((resolve) => {
    const timer = setTimeout(() => {
      waitExpired(`${shownPath(file)} to finish`);
      stop();
    }, timeoutMs);
    child.once('close', (code, signal) => {
      closed = true;
      clearTimeout(timer);
      resolve(exitOf(child, code, signal));
    });
  });
  opts.signal?.removeEventListener('abort', onAbort);
  await killGroup(child, 0);
  await leftoversGone(child);
  const cmd = `tsx ${shownPath(file)} ${(opts.args ?? []).join(' ')}`.trim();
  const ms = Date.now() - started;
  const result: RunResult = {
    ...exit,
    stdout: out.text(),
    stderr: err.text(),
    timedOut,
    stalled,
    flooded,
    ms,
    pid: programPid(child) ?? child.pid ?? -1,
    describe() {
      const how = flooded
        ? FLOODED
        : stalled?.kind === 'waiting'
          ? `sat waiting (asleep, on a timer or for input) for ${seconds(stalled.forMs)} instead of finishing, and was stopped after ${seconds(ms)}`
          : stalled?.kind === 'both-waiting'
            ? `sat waiting for the server while the server sat waiting too (asleep, nothing left to send), and was stopped after ${seconds(ms)}`
          : stalled?.kind === 'aborted'
            ? `was stopped after ${seconds(ms)}: ${stalled.why}`
            : stalled
            ? `was stopped after ${seconds(ms)}: ${describeStall(stalled, 'it')}`
            : timedOut
              ? `was still running after ${seconds(timeoutMs)} and was stopped`
              : describeExit(exit);
      const err = exit.code !== 0 && !timedOut ? crashSummary(result.stderr) : tail(result.stderr);
      return `ran \`${cmd}\`: it ${how}.\n  stdout:\n${tail(result.stdout)}\n  stderr:\n${err}`;
    },
  };
  return result;
}

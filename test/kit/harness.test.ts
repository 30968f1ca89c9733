// The harness must survive whatever a student program does, say what happened,
// and leave no process behind.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { findLab } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { formatLab } from '../../lib/grader/report.ts';
import { runLabTests } from '../../lib/grader/run-tests.ts';
import { CHAOS_PAUSE_TOTAL_MS, chaosWrite, piecesNote } from '../../lib/harness/chaos.ts';
import { clash, GatePass, type GateMode } from '../../lib/harness/gate.ts';
import { livePidsInGroup, processesMarked, RUN_MARK, runProgram, startServer, type ServerProcess } from '../../lib/harness/program.ts';
import { LabFailure } from '../../lib/harness/failure.ts';
import { TcpClient } from '../../lib/harness/tcp-client.ts';

const fixture = (name: string) => kitPath('test/fixtures/programs', `${name}.ts`);

/**
 * Start a fixture that should fail to become ready; return the failure, after
 * checking nothing is left running. `readyMs` is short only for fixtures that
 * are meant to time out; one that crashes gets time to crash on a loaded machine.
 */
async function failedStart(name: string, readyMs = 15_000): Promise<{ err: LabFailure }> {
  const mark = `harness-${name}-${process.pid}-${Date.now()}`;
  let err: unknown;
  const before = Date.now();
  try {
    const s = await startServer(fixture(name), { readyMs, env: { [RUN_MARK]: mark } });
    await s.stop();
  } catch (e) {
    err = e;
  }
  expect(err, `${name} should not have become ready`).toBeInstanceOf(LabFailure);
  expect(Date.now() - before).toBeLessThan(readyMs + 5000);
  await new Promise((r) => setTimeout(r, 100));
  expect(processesMarked(mark), `processes left behind by ${name}`).toEqual([]);
  return { err: err as LabFailure };
}

describe.concurrent('starting a program that never becomes ready', () => {
  test('a busy loop: times out naming the missing line', async () => {
    const { err } = await failedStart('busy-loop', 1500);
    // 1.5 s, stretched on a busy machine; once stretched past 2 s, its 2 s of CPU make it "stuck" first. Either way the line is named.
    expect(err.message).toMatch(/did not print 'listening on HOST:PORT' within [\d.]+ s|it is stuck: it used [\d.]+ s of CPU without printing 'listening on HOST:PORT'/);
  });

  test('a crash: says it exited and shows the error line and where', async () => {
    const { err } = await failedStart('crash');
    expect(err.message).toMatch(/exited with code 1 before printing/);
    expect(err.message).toMatch(/Error: boom: the fixture crashed on purpose/);
    expect(err.message).toMatch(/crash\.ts:\d+/);
  });

  test('process.exit(0) before listening: says so', async () => {
    const { err } = await failedStart('exit-early');
    expect(err.message).toMatch(/exited with code 0 before printing 'listening on HOST:PORT'/);
  });

  test('an output flood: stopped once past the limit, says so, keeps a bounded part', async () => {
    const rssBefore = process.memoryUsage().rss;
    const { err } = await failedStart('flood');
    expect(err.message).toMatch(/printed more than 32 MB of output and was stopped before printing 'listening on HOST:PORT'/);
    expect(err.message.length).toBeLessThan(8 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
  });

  test('a readiness line with port 0: explains which port to print', async () => {
    const { err } = await failedStart('port-zero');
    expect(err.message).toMatch(/names no usable port/);
  });

  test('a missing file: says which', async () => {
    await expect(startServer(kitPath('labs/99-nothing/server.ts'))).rejects.toThrow(/labs\/99-nothing\/server\.ts does not exist/);
  });
});

test('a server that ignores SIGTERM and forks: stop() leaves no process in its group', async () => {
  const s: ServerProcess = await startServer(fixture('stubborn'));
  await new Promise((r) => setTimeout(r, 300)); // let it spawn its child
  expect(livePidsInGroup(s.group).length).toBeGreaterThanOrEqual(2);
  await s.stop();
  await new Promise((r) => setTimeout(r, 100));
  expect(livePidsInGroup(s.group)).toEqual([]);
});

test('runProgram stops a program that floods its output, and says so', async () => {
  const r = await runProgram(fixture('flood'), { timeoutMs: 30_000 });
  expect(r.flooded).toBe(true);
  expect(r.timedOut).toBe(false);
  expect(r.describe()).toMatch(/printed more than 32 MB of output and was stopped/);
  expect(r.stdout.length).toBeLessThan(128 * 1024);
});

test('runProgram stops a program that runs past its time limit, with its whole group', async () => {
  const r = await runProgram(fixture('stubborn'), { timeoutMs: 800 });
  expect(r.timedOut).toBe(true);
  expect(r.describe()).toMatch(/was still running after [\d.]+ s and was stopped/); // 0.8 s, stretched on a busy machine
  await new Promise((r) => setTimeout(r, 100));
  expect(livePidsInGroup(r.pid)).toEqual([]);
});

// ---- fail fast, with the cause: decided by what the program does, not by a clock ----

describe.concurrent('a wrong program is caught as soon as the cause is certain, however long its budget', () => {
  test('a server that prints its own words instead of the readiness line: caught once it sits idle, and the next start fails at once, the same way', async () => {
    const t0 = Date.now();
    const err = await startServer(fixture('wrong-line'), { readyMs: 60_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabFailure);
    expect((err as Error).message).toMatch(/waiting for connections or input \(asleep, no timer set\) but never printed 'listening on HOST:PORT'/);
    expect((err as Error).message).toMatch(/Server started at port \d+/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    const t1 = Date.now();
    const again = await startServer(fixture('wrong-line'), { readyMs: 60_000 }).catch((e: unknown) => e);
    expect((again as Error).message).toBe((err as Error).message);
    expect(Date.now() - t1).toBeLessThan(1000); // not started again
  });

  test('a server that spins before listening: named stuck, by the CPU it burnt', async () => {
    const err = await startServer(fixture('busy-loop'), { readyMs: 120_000, stuckCpuMs: 400 }).catch((e: unknown) => e); // 2 s of CPU by default
    expect((err as Error).message).toMatch(/it is stuck: it used \d+(\.\d)? s of CPU without printing 'listening on HOST:PORT'/);
  });

  test('a silent server: the wait fails when the server sits idle, not when the budget runs out', async () => {
    const s = await startServer(fixture('silent'));
    try {
      const c = await TcpClient.connect(s.port, { server: s, timeoutMs: 60_000 });
      c.send('hello');
      const t0 = Date.now();
      const err = await c.expect('hello').catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/^The server is not going to answer: it is waiting for input \(asleep, with no timer set\) and has nothing more to send\. The test was waiting for/);
      expect((err as Error).message).toContain('C: hello');
      expect(Date.now() - t0).toBeLessThan(15_000);
      c.close();
    } finally {
      await s.stop();
    }
  });

  test('a server that spins on its input: the wait fails naming it stuck at 100 % CPU', async () => {
    const s = await startServer(fixture('spins-on-data'), { stuckCpuMs: 400 }); // 2 s of CPU by default
    try {
      const c = await TcpClient.connect(s.port, { server: s, timeoutMs: 120_000 });
      c.send('hello');
      const err = await c.expect('hello').catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/^The server is stuck: it used \d+(\.\d)? s of CPU without sending anything \(an endless loop, running at 100 % CPU\)/);
      c.close();
    } finally {
      await s.stop();
    }
  });

  test('runProgram: a program idle for good, or sitting on a timer, or the test saying stop: stopped early, and says why', async () => {
    const idle = await runProgram(fixture('sits'), { timeoutMs: 60_000, hangWhenIdle: true });
    expect(idle.timedOut).toBe(true);
    expect(idle.ms).toBeLessThan(15_000);
    expect(idle.describe()).toMatch(/it is waiting for input \(asleep, with no timer set\)/);
    const waiting = await runProgram(fixture('sits'), { args: ['--timer'], timeoutMs: 60_000, waitingMs: 500 });
    expect(waiting.timedOut).toBe(true);
    expect(waiting.describe()).toMatch(/sat waiting \(asleep, on a timer or for input\)/);
    const enough = new AbortController();
    setTimeout(() => enough.abort('the test had seen enough'), 300);
    const aborted = await runProgram(fixture('sits'), { args: ['--timer'], timeoutMs: 60_000, signal: enough.signal });
    expect(aborted.describe()).toMatch(/was stopped after [\d.]+ s: the test had seen enough/);
  });
});

test('a chaos write of 2,490 bytes in pieces of 1-7 bytes pauses 150 ms at most in all, however coarse the timers', async () => {
  const s = await startServer(fixture('silent'));
  try {
    const c = await TcpClient.connect(s.port);
    const data = Buffer.from(Array.from({ length: 200 }, (_, i) => `message ${i}\r\n`).join(''));
    const t0 = performance.now();
    const sizes = await chaosWrite(c.socket, data, 12345);
    const ms = performance.now() - t0;
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(data.length);
    expect(sizes.length).toBeGreaterThan(300);
    expect(ms).toBeLessThan(CHAOS_PAUSE_TOTAL_MS + 3000);
    expect(piecesNote([3, 1, 7])).toBe('(written in 3 pieces: 3+1+7 bytes)');
    c.close();
  } finally {
    await s.stop();
  }
});

test('the gate: heavy and timing-sensitive tests never overlap, nor a busy kit test and a sensitive one, and a test re-run alone runs alone', async () => {
  expect(clash('heavy', 'sensitive') && clash('sensitive', 'busy') && clash('heavy', 'heavy') && clash('normal', 'alone')).toBe(true);
  expect(clash('heavy', 'busy') || clash('normal', 'heavy') || clash('busy', 'busy') || clash('normal', 'sensitive')).toBe(false);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-gate-test-'));
  try {
    const running = new Map<string, GateMode>();
    const clashes: string[] = [];
    const run = async (name: string, mode: GateMode, ms: number) => {
      const pass = new GatePass(mode, dir);
      await pass.enter();
      for (const [other, m] of running) if (clash(mode, m)) clashes.push(`${name} (${mode}) beside ${other} (${m})`);
      running.set(name, mode);
      await new Promise((r) => setTimeout(r, ms));
      running.delete(name);
      pass.leave();
    };
    const modes: GateMode[] = ['normal', 'heavy', 'sensitive', 'busy', 'normal', 'alone', 'heavy', 'busy', 'normal', 'sensitive', 'alone', 'normal'];
    await Promise.all(modes.map((m, i) => run(`t${i}`, m, 20 + (i % 3) * 15)));
    expect(clashes).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a graded test that fails because a wait ran out is run again, alone, and the result says so; a certain failure is not', async () => {
  const state = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-retry-'));
  try {
    const [r] = await runLabTests([findLab('01-udp-echo')], {
      target: kitPath('solutions'),
      extraTests: () => [kitPath('test', 'fixtures', 'harness', 'retry.fixture.test.ts')],
      env: { SOCKET_KIT_FIXTURE_TESTS: '1', SOCKET_KIT_FIXTURE_STATE: state },
    });
    const byName = (n: string) => r!.tests.find((t) => t.name === n)!;
    const attempts = readFileSync(path.join(state, 'attempts'), 'utf8').trim().split('\n');
    expect(byName('runs out of time once, then passes')).toMatchObject({ passed: true, retried: { passedAlone: true, firstFailure: 'nothing within 0.1 s (on purpose)' } });
    expect(byName('runs out of time every time')).toMatchObject({ passed: false, retried: { passedAlone: false } });
    expect(byName('runs out of time every time').message).toMatch(/run a second time, alone on the machine, and failed again/);
    expect(byName('fails for certain: not re-run')).toMatchObject({ passed: false });
    expect(byName('fails for certain: not re-run').retried).toBeUndefined();
    expect(attempts.filter((a) => a === 'once')).toHaveLength(2);
    expect(attempts.filter((a) => a === 'always')).toHaveLength(2);
    expect(attempts.filter((a) => a === 'certain')).toHaveLength(1);
    const report = formatLab(r!);
    expect(report).toMatch(/✓ runs out of time once, then passes\s+1\/1 {2}\(passed when re-run alone\)/);
    expect(report).toMatch(/Re-run alone: 2 tests ran out of time waiting the first time/);
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}, 120_000);

// The harness must survive whatever a student program does, say what happened,
// and leave no process behind.
import { describe, expect, test } from 'vitest';
import { kitPath } from '../../lib/paths.ts';
import { livePidsInGroup, processesMarked, RUN_MARK, runProgram, startServer, type ServerProcess } from '../../lib/harness/program.ts';
import { LabFailure } from '../../lib/harness/failure.ts';

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
    expect(err.message).toMatch(/did not print 'listening on HOST:PORT' within 1\.5 s/);
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
  expect(r.describe()).toMatch(/was still running after 0\.8 s and was stopped/);
  await new Promise((r) => setTimeout(r, 100));
  expect(livePidsInGroup(r.pid)).toEqual([]);
});

// Every starter in labs/ must compile, start, and fail every graded test with a
// clear message, quickly, leaving nothing running: rustlings' "dev check" idea.
// (Compiling is checked by `tsc` in npm test; this grades the starters for real.)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { labDir, labs } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { runLabTests } from '../../lib/grader/run-tests.ts';
import { maxScore, score, type LabResult } from '../../lib/grader/results.ts';
import { throughGate } from '../../lib/harness/gate.ts';
import { processesMarked, RUN_MARK } from '../../lib/harness/program.ts';

const starters = labs().filter((l) => existsSync(labDir(kitPath('labs'), l)));
const mark = `starters-${process.pid}-${Date.now()}`;
// Its own state folder: grading the starters must not touch a student's remembered grades or hints.
const state = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-starters-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));
let results: LabResult[] = [];

beforeAll(async () => {
  // A grading run of its own loads the machine: not beside a timing-sensitive test of this run, nor one re-run alone.
  results = await throughGate('busy', () => runLabTests(starters, { target: kitPath('labs'), timeoutMs: 540_000, env: { [RUN_MARK]: mark, SOCKET_KIT_STATE: state } }));
}, 600_000);

test('grading every starter leaves no process behind', async () => {
  await new Promise((r) => setTimeout(r, 200));
  expect(processesMarked(mark)).toEqual([]);
});

test('no starter test waits out a time budget: each fails for a cause found at once (a crash, an idle or stuck program)', () => {
  const waited = results.flatMap((r) => r.tests.filter((t) => t.retried).map((t) => `${r.slug}: ${t.name} (${t.retried!.firstFailure})`));
  expect(waited).toEqual([]);
});

describe.each(starters.map((l) => [l.slug]))('starter %s', (slug) => {
  const result = () => results.find((r) => r.slug === slug)!;

  test('is graded: its tests ran', () => {
    expect(result().error).toBeUndefined();
    expect(result().tests.length).toBeGreaterThan(0);
    expect(maxScore(result())).toBeGreaterThan(0);
  });

  test('scores 0 points', () => {
    const passed = result().tests.filter((t) => t.passed).map((t) => t.name);
    expect(passed, 'tests the untouched starter passes (they test nothing the student wrote)').toEqual([]);
    expect(score(result())).toBe(0);
  });

  test('fails every test with a message a student can act on', () => {
    for (const t of result().tests) {
      expect(t.message, t.name).toBeTruthy();
      expect(t.message, t.name).not.toMatch(/Test timed out|the test was skipped|undefined|\[object Object\]/);
      expect(t.message!.length, t.name).toBeGreaterThan(40);
    }
  });
});

// Hints come in course.json order, one at a time, and are remembered per lab;
// a failing graded test names its hint as "Hint n of m" and marks it seen.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { findLab } from '../../lib/course.ts';
import { KIT_ROOT, TSX_LOADER } from '../../lib/paths.ts';
import { failureHint, forgetHints, nextUnseen, seenHints, takeNextHint } from '../../lib/tools/hints.ts';

let state: string;
beforeEach(() => {
  state = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-hints-'));
  process.env.SOCKET_KIT_STATE = state;
});
afterEach(() => {
  delete process.env.SOCKET_KIT_STATE;
  rmSync(state, { recursive: true, force: true });
});

const lab = findLab('01-udp-echo');

test('each call shows the next hint in order, then says all were seen', () => {
  const shown = lab.hints.map(() => takeNextHint(lab));
  shown.forEach((text, i) => {
    expect(text).toContain(`Hint ${i + 1} of ${lab.hints.length} for lab 01 — UDP echo:`);
    expect(text).toContain(lab.hints[i]!.text);
  });
  expect(shown.at(-1)).toContain('That was the last hint');
  expect(takeNextHint(lab)).toContain(`You have seen all ${lab.hints.length} hints for lab 01`);
});

test('hints are remembered per lab, and --reset forgets only that lab', () => {
  const other = findLab('02-tcp-echo');
  takeNextHint(lab);
  takeNextHint(other);
  expect(nextUnseen(lab)?.n).toBe(2);
  forgetHints(lab);
  expect(nextUnseen(lab)?.n).toBe(1);
  expect(nextUnseen(other)?.n).toBe(2);
});

test('a failure shows which hint it is and marks it seen; the next `hint` skips it', () => {
  const line = failureHint(lab, lab.hints[0]!.id, true);
  const n = lab.hints.length;
  expect(line).toBe(`Hint 1 of ${n}: ${lab.hints[0]!.text}\n(more hints: npm run hint -- 01)`);
  expect(takeNextHint(lab)).toContain(`Hint 2 of ${n}`);
  // An instructor's batch or the kit's own run does not touch a student's hints.
  failureHint(lab, lab.hints.at(-1)!.id, false);
  expect(seenHints(lab).has(lab.hints.at(-1)!.id)).toBe(false);
  expect(() => failureHint(lab, 'no-such-hint', false)).toThrow(/does not list/);
});

test('npm run hint -- 01 prints the next hint and remembers it across runs', () => {
  const run = () =>
    spawnSync(process.execPath, ['--import', TSX_LOADER, path.join(KIT_ROOT, 'lib/cli/hint.ts'), '01'], {
      env: { ...process.env, SOCKET_KIT_STATE: state, NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
  const first = run();
  expect(first.status).toBe(0);
  expect(first.stdout).toContain(`Hint 1 of ${lab.hints.length}`);
  expect(run().stdout).toContain(`Hint 2 of ${lab.hints.length}`);
});

// Hints come in course.json order, one at a time, and are remembered per lab;
// a failing graded test names its hint as "Hint n of m" and marks it seen.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { findLab } from '../../lib/course.ts';
import { KIT_ROOT, TSX_LOADER } from '../../lib/paths.ts';
import { failureHint, forgetHints, HintLevels, levelsOf, nextUnseen, seenHints, seenList, takeNextHint } from '../../lib/tools/hints.ts';

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

test('a failing test shows its hint one level at a time: the nudge first, all of it when it fails again; --all shows what was shown', () => {
  const hint = lab.hints[3]!; // client-retry: several sentences
  const [nudge] = levelsOf(hint);
  expect(levelsOf(hint).length).toBe(2);
  const first = new HintLevels().show(lab, hint.id);
  expect(first).toContain(`Hint 4 of ${lab.hints.length}, a first nudge: ${nudge}`);
  expect(first).not.toContain(hint.text);
  expect(seenList(lab)).toContain(`Hint 4 of ${lab.hints.length} for lab 01 — UDP echo (the nudge; the rest: npm run hint -- 01):\n  ${nudge}`);
  expect(seenList(lab)).not.toContain(hint.text);
  // One grade shows a hint at one level, however many failing tests name it.
  const grade = new HintLevels();
  const again = grade.show(lab, hint.id);
  expect(grade.show(lab, hint.id)).toBe(again);
  expect(again).toBe(`Hint 4 of ${lab.hints.length}: ${hint.text}\n(more hints: npm run hint -- 01)`);
  expect(seenList(lab)).toContain(hint.text);
  // `npm run hint` walks from the first hint; one seen in full is skipped.
  expect(takeNextHint(lab)).toContain(`Hint 1 of ${lab.hints.length}`);
  // An instructor's run shows whole hints and remembers nothing.
  expect(failureHint(lab, lab.hints.at(-1)!.id)).toContain(lab.hints.at(-1)!.text);
  new HintLevels(false).show(lab, lab.hints[1]!.id);
  expect(seenHints(lab).has(lab.hints[1]!.id)).toBe(false);
  expect(() => failureHint(lab, 'no-such-hint')).toThrow(/does not list/);
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

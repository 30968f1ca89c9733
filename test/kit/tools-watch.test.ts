// Watch mode re-grades a lab when a file in it changes, and moves on at full
// marks. Driven programmatically against a temp copy of a lab, never labs/.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { findLab, type Lab } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { maxScore, score, type LabResult } from '../../lib/grader/results.ts';
import { LabWatcher, type GradeFn } from '../../lib/tools/watch.ts';
import { seenLevels } from '../../lib/tools/hints.ts';
import { loadGrades } from '../../lib/grader/store.ts';

let tmp: string;
let watcher: LabWatcher | undefined;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-watch-'));
  process.env.SOCKET_KIT_STATE = path.join(tmp, 'state');
});
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  delete process.env.SOCKET_KIT_STATE;
  rmSync(tmp, { recursive: true, force: true });
});

/** The next 'graded' event, bounded. */
async function nextGrade(w: LabWatcher, ms: number): Promise<[LabResult, Lab]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  try {
    return (await once(w, 'graded', { signal: ac.signal })) as [LabResult, Lab];
  } catch {
    throw new Error(`watch mode did not grade within ${ms} ms`);
  } finally {
    clearTimeout(timer);
  }
}

test('re-grades lab 01 when a file changes, even with fs.watch off (polling alone): "grading…" at once, each test as it finishes, then the first failure with its hint, one level at a time', async () => {
  const target = path.join(tmp, 'labs');
  cpSync(kitPath('labs', '01-udp-echo'), path.join(target, '01-udp-echo'), { recursive: true });
  const screens: string[] = [];
  const lab = findLab('01-udp-echo');
  watcher = new LabWatcher({ target, lab, save: true, fsWatch: false, pollMs: 100, debounceMs: 50, clear: true, typecheck: false, print: (s) => screens.push(s) });
  watcher.start();

  const [starter] = await nextGrade(watcher, 240_000);
  expect(score(starter)).toBe(0);
  expect(maxScore(starter)).toBeGreaterThan(0);
  // Before the grade: a visible "grading…" screen, then one more with each test as it finished.
  const grading = screens.filter((s) => s.includes('grading…'));
  expect(grading.length).toBeGreaterThanOrEqual(starter.tests.length);
  expect(grading.at(-1)).toContain(`${starter.tests.length} tests done`);
  expect(screens.at(-1)).toMatch(/Watching lab 01 — UDP echo/);
  expect(screens.at(-1)).toContain(`First failing test: ${starter.tests[0]!.name}`);
  expect(screens.at(-1)).toContain(`(${starter.tests.length - 1} more failing; npm run grade -- 01 shows them all)`);
  // The hint of the failure on screen, as its first nudge; remembered as exactly that.
  const shown = /Hint (\d+) of (\d+), a first nudge: /.exec(screens.at(-1)!);
  expect(Number(shown?.[2])).toBe(lab.hints.length);
  const hint = lab.hints[Number(shown![1]) - 1]!;
  expect(screens.at(-1)).not.toContain(hint.text);
  expect(score(loadGrades()['01-udp-echo']!)).toBe(0);
  expect([...seenLevels(lab)]).toEqual([[hint.id, 1]]);

  // Saved again, still failing the same way: the whole hint this time.
  writeFileSync(path.join(target, '01-udp-echo', 'client.ts'), readFileSync(path.join(target, '01-udp-echo', 'client.ts'), 'utf8') + '\n');
  await nextGrade(watcher, 240_000);
  expect(screens.at(-1)).toContain(hint.text);
  expect(seenLevels(lab).get(hint.id)).toBe(2);

  // The student finishes the server: the grade goes up, the client's tests still fail.
  cpSync(kitPath('solutions', '01-udp-echo', 'server.ts'), path.join(target, '01-udp-echo', 'server.ts'));
  const [better] = await nextGrade(watcher, 240_000);
  expect(score(better)).toBeGreaterThan(0);
  expect(score(better)).toBeLessThan(maxScore(better));
  expect(screens.at(-1)).toMatch(/First failing test: client/);
  expect(screens.at(-1)).toMatch(new RegExp(`Score: ${score(better)}/${maxScore(better)}`));
}, 900_000);

describe('moving on (with a stand-in grader)', () => {
  const course = [findLab('01-udp-echo'), findLab('02-tcp-echo')];
  /** Full marks when the lab's server.ts says "done", else nothing: the watcher's logic, not the grader's. */
  const fakeGrade: GradeFn = async (lab, target) => {
    const { readFileSync } = await import('node:fs');
    const done = readFileSync(path.join(target, lab.slug, 'server.ts'), 'utf8').includes('done');
    return { slug: lab.slug, title: lab.title, target, gradedAt: '', tests: [{ name: 'works', points: 3, passed: done, message: done ? undefined : 'not yet', ms: 1 }] };
  };

  test('at full marks it says so, moves to the next lab and watches that folder (fs.watch)', async () => {
    const target = path.join(tmp, 'labs');
    for (const lab of course) {
      cpSync(kitPath('labs', lab.slug), path.join(target, lab.slug), { recursive: true });
      writeFileSync(path.join(target, lab.slug, 'server.ts'), '// todo\n');
    }
    const screens: string[] = [];
    watcher = new LabWatcher({ target, lab: course[0]!, course, grade: fakeGrade, pollMs: 60_000, debounceMs: 20, typecheck: false, print: (s) => screens.push(s) });
    watcher.start();
    expect(score((await nextGrade(watcher, 5000))[0])).toBe(0);
    expect(watcher.fsWatchLive).toBe(true);

    const advanced = once(watcher, 'advanced');
    writeFileSync(path.join(target, '01-udp-echo', 'server.ts'), '// done\n');
    const [full, fullLab] = await nextGrade(watcher, 5000);
    expect([fullLab.slug, score(full)]).toEqual(['01-udp-echo', 3]);
    const [, to] = (await advanced) as [Lab, Lab];
    expect(to.slug).toBe('02-tcp-echo');
    const [next, nextLab] = await nextGrade(watcher, 5000); // the next lab is graded at once
    expect([nextLab.slug, score(next)]).toEqual(['02-tcp-echo', 0]);
    expect(screens.at(-1)).toMatch(/Lab 01 — UDP echo: full marks\. Moving on to lab 02 — TCP echo/);

    // Its folder is the one watched now: a change in lab 02 grades lab 02, and the last lab's full marks finish.
    const finished = once(watcher, 'finished');
    writeFileSync(path.join(target, '02-tcp-echo', 'server.ts'), '// done\n');
    const [last, lastLab] = await nextGrade(watcher, 5000);
    expect([lastLab.slug, score(last)]).toEqual(['02-tcp-echo', 3]);
    await finished;
    expect(screens.at(-1)).toMatch(/Every lab is at full marks/);
  });

  test('type errors come after the grade: the same screen again, with them as warnings', async () => {
    const target = path.join(tmp, 'labs');
    cpSync(kitPath('solutions', '01-udp-echo'), path.join(target, '01-udp-echo'), { recursive: true });
    writeFileSync(path.join(target, '01-udp-echo', 'client.ts'), readFileSync(kitPath('solutions', '01-udp-echo', 'client.ts'), 'utf8') + "\nexport const triesInWords: number = 'three';\n");
    const screens: string[] = [];
    watcher = new LabWatcher({ target, lab: course[0]!, course, grade: fakeGrade, pollMs: 60_000, debounceMs: 20, print: (s) => screens.push(s) });
    watcher.start();
    // 'graded' comes once tsc is done too (minutes on a loaded machine: it runs at a low priority, for up to 5).
    await nextGrade(watcher, 330_000);
    const withTypes = screens.findIndex((s) => s.includes('Type errors'));
    expect(screens[withTypes]).toMatch(/Type errors \(not points\): \S*client\.ts:\d+:14 {2}Type 'string' is not assignable to type 'number'/);
    // The grade was on screen before, without them: tsc never holds up the grade.
    expect(screens.slice(0, withTypes).some((s) => /\d+\/\d+/.test(s) && !s.includes('Type errors'))).toBe(true);
  }, 400_000);

  test('a change that only touches an editor swap file does not re-grade', async () => {
    const target = path.join(tmp, 'labs');
    cpSync(kitPath('labs', '01-udp-echo'), path.join(target, '01-udp-echo'), { recursive: true });
    let grades = 0;
    const counting: GradeFn = async (lab, t) => (grades++, fakeGrade(lab, t));
    watcher = new LabWatcher({ target, lab: course[0]!, course, grade: counting, pollMs: 30, debounceMs: 10, typecheck: false });
    watcher.start();
    await nextGrade(watcher, 5000);
    writeFileSync(path.join(target, '01-udp-echo', '.server.ts.swp'), 'x');
    writeFileSync(path.join(target, '01-udp-echo', 'server.ts~'), 'x');
    await new Promise((r) => setTimeout(r, 300)); // ten poll periods
    expect(grades).toBe(1);
  });
});

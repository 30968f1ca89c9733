// The fixture class (test/fixtures/class: full marks, partial, broken, hostile,
// missing) graded on lab 01 by the instructor's grader, sandbox on. The expected
// gradebook is what real runs of these programs produce; feedback files carry the
// student's transcripts and never a hidden test's content.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { findLab } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { gradeClass, studentUid } from '../../lib/instructor/grade-class.ts';
import { parseCsv, readGradebook } from '../../lib/instructor/gradebook.ts';
import { sandboxComplete } from '../../lib/harness/sandbox.ts';

const CLASS = kitPath('test', 'fixtures', 'class');
const out = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-class-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Live processes (not zombies awaiting their reaper) owned by the uids this run lent its students. */
function sandboxProcesses(students: number): string[] {
  const uids = new Set(Array.from({ length: students }, (_, i) => studentUid(i)));
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
      if (uids.has(uid) && !/^State:\s+Z/m.test(status)) found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Namespace holders (bwrap … sleep infinity) whose grader is gone: each student's must go with their run. */
function orphanHolders(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
      if (ppid === 1 && path.basename(cmd[0]!) === 'bwrap' && cmd.includes('infinity')) found.push(pid);
    } catch {
      /* gone */
    }
  }
  return found;
}

test('the fixture class grades to the expected gradebook, row by row as students finish', async () => {
  const holdersBefore = new Set(orphanHolders());
  const seenRows: string[][] = [];
  const notes: string[] = [];
  const run = await gradeClass({
    submissions: CLASS,
    labs: [findLab('01-udp-echo')],
    outDir: out,
    jobs: 2,
    onNote: (s, n) => notes.push(`${s}: ${n}`),
    onGraded: (g) => {
      // Written the moment it is known: a later crash cannot lose it.
      const row = parseCsv(readFileSync(path.join(out, 'gradebook.csv'), 'utf8')).find((r) => r[0] === g.student);
      seenRows.push(row ?? [`(no row for ${g.student})`]);
    },
  });
  const expected = parseCsv(readFileSync(path.join(CLASS, 'expected-01.csv'), 'utf8'));
  const lost = run.grades.flatMap((g) => g.results.flatMap((r) => r.tests.filter((t) => !t.passed).map((t) => `${g.student}: ${t.name}: ${(t.message ?? '').split('\n').slice(0, 4).join(' | ')}`)));
  expect(parseCsv(readFileSync(run.gradebook, 'utf8')), lost.filter((l) => l.startsWith('ada-full')).join('\n')).toEqual(expected);
  expect(seenRows.sort()).toEqual(expected.slice(2).sort());
  expect(run.hidden.map((h) => h.slug)).toContain('01-udp-echo');
  // Said once, for the one student whose folder holds no lab folder at all (hal's is a link: below).
  expect(notes).toEqual(['gus-missing: gus-missing/ is empty; expected gus-missing/labs/01-udp-echo/ (a clone of the handout) or gus-missing/01-udp-echo/.']);
  // Each student's sandbox (its namespace holder included) goes with their run.
  expect(orphanHolders().filter((p) => !holdersBefore.has(p))).toEqual([]);
}, 120_000);

test('a lab folder that is a symbolic link (to a classmate\'s work) costs that student alone, with the reason', () => {
  const hal = readFileSync(path.join(out, 'feedback', 'hal-symlink.txt'), 'utf8');
  expect(hal).toMatch(/^Feedback for hal-symlink: 0\/19/);
  expect(hal).toMatch(/hal-symlink\/01-udp-echo is a symbolic link, which the grader does not follow/);
  expect(hal.match(/symbolic link/g)!.length).toBeLessThanOrEqual(3); // said in the summary and once in the details, not once per test
  const book = readGradebook(path.join(out, 'gradebook.csv')).rows;
  expect(book.find((r) => r.student === 'ada-full')!.total).toBe('19'); // the student it points at is graded as usual
});

test('each student gets a feedback file with the transcripts, and only a count of the hidden tests', () => {
  const files = readdirSync(path.join(out, 'feedback')).sort();
  const read = (s: string) => readFileSync(path.join(out, 'feedback', `${s}.txt`), 'utf8');
  expect(files).toEqual(readdirSync(CLASS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => `${d.name}.txt`).sort());
  // Each opens with the score and the failing tests, one line each; the details come after.
  const ben = read('ben-partial');
  expect(ben.split('\n').slice(0, 4).join('\n')).toMatch(/^Feedback for ben-partial: 12\/19\n\n01-udp-echo +12\/19 +\(hidden tests: \d of 3 passed/);
  expect(ben.indexOf('✗ 01-udp-echo: client retries when a datagram is lost (0/2): the test server ignored')).toBeGreaterThan(0);
  expect(ben.indexOf('Failing tests:')).toBeLessThan(ben.indexOf('Details:'));
  const hiddenSource = readFileSync(kitPath('test', 'hidden', '01-udp-echo.test.ts'), 'utf8');
  const hiddenNames = [...hiddenSource.matchAll(/graded\('([^']+)'/g)].map((m) => m[1]!);
  expect(hiddenNames.length).toBeGreaterThan(0);
  for (const f of files) {
    const text = readFileSync(path.join(out, 'feedback', f), 'utf8');
    for (const name of hiddenNames) expect(text).not.toContain(name);
    expect(text).toMatch(/hidden tests: \d+ of 3 passed/i);
    expect(text).not.toContain('socket-kit-stage-'); // the private copy's path is not shown
    expect(text).not.toMatch(/\x1b\[/); // no terminal colours in a file
  }
  expect(read('cy-broken')).toMatch(/Transform failed|has already been declared/);
  expect(read('cy-broken')).toMatch(/client\.ts does not exist/);
  expect(read('dee-exit-flood')).toMatch(/exited with code 0 before printing 'listening on HOST:PORT'/);
  expect(read('dee-exit-flood')).toMatch(/more bytes not kept/); // the flood was cut to what the harness keeps
  expect(read('eve-port-hog')).toMatch(/names no usable port/);
  expect(read('eve-port-hog')).toMatch(/more than 768 MB of memory/);
  // The limit that stopped eve's client is in the summary, above the details, named once.
  const eve = read('eve-port-hog');
  // (which of its client tests meets the limit first depends on the machine's load; at least one does).
  expect(eve.slice(0, eve.indexOf('Details:'))).toMatch(/Stopped by the grader's limits:\n  01-udp-echo\/client\.ts stopped: it used more than 768 MB of memory \(in (client|a hidden test)/);
  // A failure repeated word for word (eve's server names port 0 in every server test) is written out once.
  // (seven server tests, two distinct command lines: written out twice, the other five point back).
  const details = eve.slice(eve.indexOf('Details:'));
  expect(details.match(/names no usable port/g)).toHaveLength(2);
  expect(details.match(/the same failure as 1\) above/g)).toHaveLength(5);
  expect(read('fay-hostile')).toMatch(/✗ echoes an empty datagram/);
  expect(read('fay-hostile')).not.toContain('LEAK');
  expect(read('gus-missing')).toMatch(/^Note: gus-missing\/ is empty; expected gus-missing\/labs\/01-udp-echo\/ \(a clone of the handout\) or gus-missing\/01-udp-echo\/\.$/m);
  expect(read('gus-missing').match(/is empty/g)).toHaveLength(1); // once, not once per test
  expect(read('ada-full')).toMatch(/Total: 19\/19/);
  expect(read('ada-full')).not.toMatch(/Failing tests/);
});

test.runIf(sandboxComplete())('no student process, cgroup or private copy outlives the run', () => {
  expect(sandboxProcesses(readdirSync(CLASS).length)).toEqual([]);
  const cgroups = ['memory', 'pids'].flatMap((c) => {
    try {
      return readdirSync(`/sys/fs/cgroup/${c}`).filter((n) => n.startsWith(`socket-kit-`));
    } catch {
      return [];
    }
  });
  // Other graders may be running on this machine: only ours (named by our vitest's pids) matter,
  // and those were made by child vitest processes that have all exited.
  const stale = cgroups.filter((n) => {
    const pid = Number(/^socket-kit-(\d+)-/.exec(n)?.[1]);
    return !existsSync(`/proc/${pid}`);
  });
  expect(stale).toEqual([]);
});

test('a student whose run outlasts its limit gets zeros and the reason; the run goes on, and leaves no sandbox behind', async () => {
  const before = new Set(orphanHolders());
  const out2 = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-class-hang-'));
  const one = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-class-one-'));
  try {
    cpSync(path.join(CLASS, 'ada-full'), path.join(one, 'ada-slow'), { recursive: true });
    cpSync(path.join(CLASS, 'gus-missing'), path.join(one, 'gus-missing'), { recursive: true });
    // A limit no real run meets stands in for a submission that hangs past every per-test limit.
    const run = await gradeClass({ submissions: one, labs: [findLab('01-udp-echo')], outDir: out2, jobs: 1, studentTimeoutMs: 300, hidden: false });
    expect(run.grades.map((g) => g.student)).toEqual(['ada-slow', 'gus-missing']);
    const book = readGradebook(run.gradebook);
    expect(book.rows.find((r) => r.student === 'ada-slow')).toEqual({ student: 'ada-slow', '01-udp-echo': '0', total: '0' });
    expect(book.max.total).toBe('16'); // its maximum stays the lab's
    expect(readFileSync(path.join(out2, 'feedback', 'ada-slow.txt'), 'utf8')).toMatch(/stopped after 0 s|could not grade/);
    // Stopped 0.3 s in, while its namespace holder may still be starting: the holder must go too.
    expect(orphanHolders().filter((p) => !before.has(p))).toEqual([]);
  } finally {
    rmSync(out2, { recursive: true, force: true });
    rmSync(one, { recursive: true, force: true });
  }
}, 60_000);

// The hostile fixture class (test/fixtures/hostile-class) graded the way an
// instructor grades a class: as root, two students at a time, sandbox on. A
// submission may lose only its own points: the honest students beside the
// attacks get full marks, every attack is contained (checked from out here:
// the canary folder, the listeners, the host's /tmp, the processes left, and
// what each probe says it reached), running the reference solution or forging
// verdicts scores what the untouched starter scores.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findLab, labDir } from '../../lib/course.ts';
import type { StudentGrade } from '../../lib/instructor/gradebook.ts';
import { maxScore, score } from '../../lib/grader/results.ts';
import { gradeClass, studentUid } from '../../lib/instructor/grade-class.ts';
import { processesMarked, RUN_MARK, runProgram } from '../../lib/harness/program.ts';
import { LIMITS, sandboxComplete, sandboxReport } from '../../lib/harness/sandbox.ts';
import { processesOf } from '../../lib/harness/sandbox-student.ts';
import { buildHostileClass, FIXED, LABS, STUDENTS, TCP } from '../fixtures/hostile-class/class.ts';

const able = sandboxComplete();
if (!able) console.log(`instructor-sandbox-class: skipped, the sandbox is not complete here (needs root, bubblewrap, memory and pids cgroups):\n${sandboxReport().join('\n')}`);

describe.runIf(able)('a hostile class graded as root with --jobs 2', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-hostile-')); // the class, the output, the canary
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-hostile-tmp-')); // the grader's TMPDIR during the run
  const canary = path.join(work, 'canary');
  const mark = `hostile-${process.pid}-${Date.now()}`;
  const connections = { loopback: 0, outside: 0 };
  const listeners: net.Server[] = [];
  let grades: StudentGrade[] = [];
  let canaryBefore = '';
  const feedback = (s: string) => readFileSync(path.join(work, 'out', 'feedback', `${s}.txt`), 'utf8');
  const grade = (s: string) => grades.find((g) => g.student === s)!;
  const total = (s: string) => grade(s).results.reduce((n, r) => n + score(r), 0);
  const max = (s: string) => grade(s).results.reduce((n, r) => n + maxScore(r), 0);
  const labScore = (s: string, slug: string) => score(grade(s).results.find((r) => r.slug === slug)!);
  const listen = (host: string, count: () => void) =>
    new Promise<number>((resolve) => {
      const server = net.createServer((c) => {
        count();
        c.destroy();
      });
      listeners.push(server);
      server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
    });
  const describeCanary = () => {
    const st = statSync(canary);
    return JSON.stringify({ uid: st.uid, gid: st.gid, mode: st.mode, files: readdirSync(canary), keep: readFileSync(path.join(canary, 'keep'), 'utf8') });
  };

  beforeAll(async () => {
    chmodSync(tmp, 0o711); // as /tmp is to a grader: others may pass through (its staging folder is 0711 too)
    execFileSync('mkdir', ['-m', '0755', canary]);
    writeFileSync(path.join(canary, 'keep'), 'root owns this folder\n', { mode: 0o644 });
    canaryBefore = describeCanary();
    const hostPort = await listen('127.0.0.1', () => connections.loopback++);
    const address = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    const outside = address ? `${address}:${await listen(address, () => connections.outside++)}` : '';
    buildHostileClass(path.join(work, 'class'), { canary, hostPort, outside });
    const saved = { tmp: process.env.TMPDIR, mark: process.env[RUN_MARK] };
    process.env.TMPDIR = tmp; // every temp folder of the run lands here: it must be empty afterwards
    process.env[RUN_MARK] = mark;
    try {
      const run = await gradeClass({ submissions: path.join(work, 'class'), labs: LABS.map(findLab), outDir: path.join(work, 'out'), jobs: 2 });
      grades = run.grades;
    } finally {
      for (const [k, v] of [['TMPDIR', saved.tmp], [RUN_MARK, saved.mark]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 600_000);

  afterAll(() => {
    for (const l of listeners) l.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  test('every student is graded; the honest ones get full marks beside the attacks', () => {
    expect(grades.map((g) => g.student).sort()).toEqual(Object.keys(STUDENTS).sort());
    for (const s of ['a-honest', 'z-honest']) {
      const lost = grade(s).results.flatMap((r) => r.tests.filter((t) => !t.passed).map((t) => `${r.slug}: ${t.name}\n    ${(t.message ?? '').split('\n').slice(0, 6).join('\n    ')}`));
      expect(`${s} ${total(s)}/${max(s)}`, lost.join('\n')).toBe(`${s} ${max(s)}/${max(s)}`);
    }
    expect(max('a-honest')).toBeGreaterThan(50);
  });

  test('the root-owned canary folder stays root\'s, unchanged, and nothing on the host points at it', () => {
    expect(describeCanary()).toBe(canaryBefore);
    const links = ['/tmp', '/dev/shm', tmp].flatMap((d) =>
      readdirSync(d)
        .map((n) => path.join(d, n))
        .filter((p) => {
          try {
            return lstatSync(p).isSymbolicLink() && readlinkSync(p).startsWith(canary);
          } catch {
            return false;
          }
        }),
    );
    expect(links).toEqual([]);
  });

  test('nothing a program wrote to /tmp or /dev/shm outlives it on the host', () => {
    expect(['/tmp', '/dev/shm', tmp].filter((d) => existsSync(path.join(d, 'socket-kit-hostile-persist')))).toEqual([]);
  });

  test('each probe ran and reached nothing: no solution, hidden test, .git, cache, classmate, grader process, or canary', () => {
    const probes: Record<string, string> = { 'c-net': 'net', 'd-caches': 'caches', 'd-git': 'git', 'e-classmates': 'classmates', 'e-proc': 'proc', 'f-tmp-symlinks': 'tmp', 'b-fork-bomb': 'fork' };
    for (const [student, name] of Object.entries(probes)) {
      const line = new RegExp(`probe ${name}: (\\d+) leaks.*`).exec(feedback(student));
      expect(line?.[0], `${student}'s probe did not report (it must run for this test to mean anything)`).toBeDefined();
      expect(line![0]).toMatch(/: 0 leaks/);
    }
  });

  test('no connection left a student\'s sandbox: not to the host\'s loopback (classmates\' ports), not out', () => {
    expect(connections).toEqual({ loopback: 0, outside: 0 });
  });

  test('running the reference solution, or printing verdicts, scores what the untouched starter scores', () => {
    expect(labScore('b-ref-runner', TCP)).toBe(labScore('starter', TCP));
    expect(labScore('c-forger', FIXED)).toBe(labScore('starter', FIXED));
    expect(feedback('c-forger')).toMatch(/✗ decoder: any records/);
  });

  test('a memory hog and a fork bomb are stopped with the reason in their feedback', () => {
    expect(feedback('g-memory-hog')).toContain(`used more than ${LIMITS.memoryMb} MB of memory`);
    expect(feedback('b-fork-bomb')).toContain(`reached the limit of ${LIMITS.processes} processes and threads`);
  });

  test('no process of the run is left, and no temp folder', async () => {
    const uids = Object.keys(STUDENTS).map((_, i) => studentUid(i));
    expect(processesMarked(mark)).toEqual([]);
    expect(uids.flatMap((u) => processesOf(u))).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('the probes can find what they look for: unconfined, the /proc snooper sees the grader', async () => {
    const snoop = path.join(labDir(path.join(work, 'class', 'e-proc'), findLab(TCP)), 'server.ts');
    const r = await runProgram(snoop);
    expect(r.stderr).toMatch(/probe proc: [1-9]\d* leaks/);
  });
});

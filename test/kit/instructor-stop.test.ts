// Ctrl-C in the middle of a class run (the CLI, as an instructor runs it):
// the programs being graded are killed, every temporary folder is removed, the
// grades already given stay, and --resume finishes the rest. A run that breaks
// (its output cannot be written) cleans up the same way.
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { KIT_ROOT, kitPath } from '../../lib/paths.ts';
import { findLab } from '../../lib/course.ts';
import { gradeClass } from '../../lib/instructor/grade-class.ts';
import { readGradebook } from '../../lib/instructor/gradebook.ts';
import type { RunMeta } from '../../lib/instructor/run-store.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-stop-'));
chmodSync(tmp, 0o755); // the sandbox's uids pass through to the run's TMPDIR, as through /tmp
// The run's own TMPDIR, so that what it leaves behind (if anything) is found here alone.
const runTmp = path.join(tmp, 'tmp');
const cls = path.join(tmp, 'class');
const out = path.join(tmp, 'grades');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

for (const s of ['amy', 'bo', 'cal']) cpSync(kitPath('test', 'fixtures', 'class', 'ada-full'), path.join(cls, s), { recursive: true });

function autograde(args: string[], onLine?: (line: string, stop: () => void) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/cli/autograde.ts', '--submissions', cls, '--out', out, '--lab', '01', ...args], {
    cwd: KIT_ROOT,
    env: { ...process.env, TMPDIR: runTmp, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const lines = (c: Buffer) => {
    text += c.toString();
    for (const l of c.toString().split('\n')) onLine?.(l, () => child.kill('SIGINT'));
  };
  child.stdout.on('data', lines);
  child.stderr.on('data', lines);
  return new Promise<{ code: number | null; text: string }>((resolve) => child.on('close', (code) => resolve({ code, text })));
}

/** What each student lost, from the run's records (hidden tests by name): for a failure message. */
function lostTests(students: string[]): string {
  return students
    .flatMap((st) => {
      try {
        const rec = JSON.parse(readFileSync(path.join(out, 'records', `${st}.json`), 'utf8')) as { grade: { results: { tests: { name: string; passed: boolean; message?: string }[] }[] } };
        return rec.grade.results.flatMap((r) => r.tests.filter((t) => !t.passed).map((t) => `${st}: ${t.name}: ${(t.message ?? '').split('\n').slice(0, 4).join(' | ')}`));
      } catch {
        return [`${st}: no record`];
      }
    })
    .join('\n');
}

/** Live processes started for the run: they inherit its TMPDIR, or a folder inside it. */
function leftovers(): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const env = readFileSync(`/proc/${p}/environ`, 'latin1');
        return env.includes(`TMPDIR=${runTmp}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8'));
      } catch {
        return false;
      }
    });
}

test('SIGINT mid-run: exit 130, nothing left running or on disk, the grades so far kept; --resume finishes', async () => {
  mkdirSync(runTmp);
  chmodSync(runTmp, 0o755);
  let stopped = false;
  const first = await autograde(['--jobs', '1'], (line, stop) => {
    if (!stopped && /^\[1\/3\] /.test(line)) {
      stopped = true;
      stop(); // the second student is being graded now
    }
  });
  expect(first.code, first.text).toBe(130);
  expect(first.text).toMatch(/SIGINT: stopping/);
  expect(first.text).toMatch(/Stopped after .*: 1 of the students graded\. Finish with the same command and --resume\./);
  expect(leftovers()).toEqual([]);
  // Caches (tsx's) may stay; nothing of the run's own: no staging, no private copies, no child grader's folders.
  expect(readdirSync(runTmp).filter((e) => !e.startsWith('tsx-'))).toEqual([]);
  const meta = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as RunMeta;
  expect(meta.complete).toBe(false);
  expect(readGradebook(path.join(out, 'gradebook.csv')).rows.map((r) => r.student)).toEqual(['amy']);

  const second = await autograde(['--jobs', '2', '--resume']);
  expect(second.code, second.text).toBe(0);
  expect(second.text).toMatch(/Grading 2 of 3 students/);
  expect(second.text).toMatch(/Kept 1 grades/);
  const book = readGradebook(path.join(out, 'gradebook.csv')).rows;
  expect(book.map((r) => [r.student, r.total]), lostTests(['amy', 'bo', 'cal'])).toEqual([['amy', '19'], ['bo', '19'], ['cal', '19']]);
  expect(readdirSync(runTmp).filter((e) => !e.startsWith('tsx-'))).toEqual([]);
}, 180_000);

test('a run that breaks mid-way (a grade it cannot write) kills what it started and removes its folders', async () => {
  // Its own TMPDIR (os.tmpdir() reads it), so that other tests' runs are not counted as its leftovers.
  const ownTmp = path.join(tmp, 'tmp-2');
  mkdirSync(ownTmp, { mode: 0o755 });
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = ownTmp;
  const out2 = path.join(tmp, 'broken-out');
  // An empty folder is graded at once, while its classmate's programs are still running.
  const cls2 = path.join(tmp, 'class-2');
  mkdirSync(path.join(cls2, 'aaa-empty'), { recursive: true });
  cpSync(kitPath('test', 'fixtures', 'class', 'ada-full'), path.join(cls2, 'bo'), { recursive: true });
  try {
    await expect(
      gradeClass({
        submissions: cls2,
        labs: [findLab('01-udp-echo')],
        outDir: out2,
        jobs: 2,
        hidden: false,
        onGraded: () => {
          throw new Error('no space left on device (a stand-in)');
        },
      }),
    ).rejects.toThrow(/no space left/);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  expect(readdirSync(ownTmp).filter((e) => e.startsWith('socket-kit-'))).toEqual([]);
  // No process of the run is left: their TMPDIR was inside the run's folder, now gone.
  const orphans = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/environ`, 'latin1').includes(`TMPDIR=${ownTmp}/`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${p}/status`, 'utf8'));
      } catch {
        return false;
      }
    });
  expect(orphans).toEqual([]);
}, 120_000);

// Gradescope: the zip holds setup.sh and run_autograder (executable) and no
// solution; run_autograder, run against a fake /autograder tree, writes a
// results.json in Gradescope's documented shape, with hidden tests hidden —
// and still writes one when the grader itself breaks.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { findLab } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { buildZip, PLACEHOLDER_MARK } from '../../lib/instructor/gradescope.ts';
import { sandboxReport } from '../../lib/harness/sandbox.ts';
import { validateResults, type GradescopeResults } from '../../lib/instructor/gradescope-results.ts';
import { readGradebook } from '../../lib/instructor/gradebook.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-gs-test-'));
chmodSync(tmp, 0o755); // like Gradescope's /autograder: the sandbox's uid must reach source/node_modules
const zip = path.join(tmp, 'autograder.zip');
let files: string[] = [];
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  files = buildZip(zip, [findLab('01-udp-echo')]).files;
});

/** A fake /autograder: the zip unpacked into source/, run_autograder copied up, as Gradescope does. */
function fakeAutograder(name: string, submission: (dir: string) => void): string {
  const root = path.join(tmp, name);
  mkdirSync(path.join(root, 'submission'), { recursive: true });
  const unzip = spawnSync('unzip', ['-q', zip, '-d', path.join(root, 'source')]);
  expect(unzip.status).toBe(0);
  cpSync(path.join(root, 'source', 'run_autograder'), path.join(root, 'run_autograder'));
  symlinkSync(kitPath('node_modules'), path.join(root, 'source', 'node_modules')); // what setup.sh's npm ci makes
  writeFileSync(path.join(root, 'submission_metadata.json'), JSON.stringify({ id: 1, users: [{ name: 'Ben' }] }));
  submission(path.join(root, 'submission'));
  return root;
}

function runAutograder(root: string, env: Record<string, string> = {}): GradescopeResults {
  const r = spawnSync('bash', [path.join(root, 'run_autograder')], { env: { ...process.env, GRADESCOPE_ROOT: root, ...env }, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(readFileSync(path.join(root, 'results', 'results.json'), 'utf8')) as GradescopeResults;
}

test('the zip has setup.sh and run_autograder at its root, executable, and no solution or kit test', () => {
  expect(files).toContain('setup.sh');
  expect(files).toContain('run_autograder');
  expect(files.some((f) => f.startsWith('solutions') || f.startsWith('test/kit') || f.startsWith('test/fixtures/class'))).toBe(false);
  expect(files).toContain('test/hidden/01-udp-echo.test.ts');
  const list = spawnSync('unzip', ['-Z', zip, 'setup.sh', 'run_autograder'], { encoding: 'utf8' });
  expect(list.stdout.split('\n').filter((l) => /^-rwx/.test(l))).toHaveLength(2);
});

test('run_autograder grades an upload and writes results.json in Gradescope\'s format', () => {
  // Ben's files, uploaded loose (as students upload files), graded as lab 01.
  const root = fakeAutograder('ben', (dir) => cpSync(kitPath('test', 'fixtures', 'class', 'ben-partial', '01-udp-echo'), dir, { recursive: true }));
  const results = runAutograder(root);
  expect(validateResults(results)).toEqual([]);
  // The same score the class gradebook gives Ben: one grader, one set of points.
  const ben = readGradebook(kitPath('test', 'fixtures', 'class', 'expected-01.csv')).rows.find((r) => r.student === 'ben-partial')!;
  expect(results.score).toBe(Number(ben['01-udp-echo']));
  expect(results.score).toBe(results.tests.reduce((s, t) => s + t.score, 0));
  const hidden = results.tests.filter((t) => t.visibility === 'hidden');
  expect(hidden).toHaveLength(3);
  expect(hidden.every((t) => t.tags.includes('hidden'))).toBe(true);
  expect(results.tests.filter((t) => t.visibility === 'visible')).toHaveLength(11);
  expect(results.output).toMatch(/3 hidden tests worth 3 pts/);
  const failed = results.tests.find((t) => t.name.endsWith('client retries when a datagram is lost'))!;
  expect(failed).toMatchObject({ status: 'failed', score: 0, max_score: 2 });
  expect(failed.output).toMatch(/ran `tsx submission\/01-udp-echo\/client\.ts/); // the transcript, with the student's path
  // The top-level output says how the upload was read, and which sandbox limits held on this run.
  expect(results.output).toMatch(/^\(graded the files at the top of submission\/ as 01-udp-echo\/\)/);
  expect(results.output).toMatch(/Sandbox limits on this run:\n  yes wall time per test/);
  for (const line of sandboxReport()) expect(results.output).toContain(line);
}, 120_000);

test('validateResults catches what Gradescope would reject', () => {
  expect(validateResults({ score: 'ten' })).not.toEqual([]);
  expect(validateResults({ score: 1, tests: [{ score: 1, max_score: 1, visibility: 'secret' }] })).not.toEqual([]);
  expect(validateResults({ score: 1, tests: [{ status: 'ok' }] })).not.toEqual([]);
  expect(validateResults({ score: 1, tests: [{ score: 2, max_score: 1 }] })).not.toEqual([]);
});

test('results.json is written even when the grader itself cannot start', () => {
  const root = fakeAutograder('broken', () => {});
  rmSync(path.join(root, 'source', 'lib', 'cli', 'gradescope.ts'));
  const results = runAutograder(root);
  expect(validateResults(results)).toEqual([]);
  expect(results.score).toBe(0);
  expect(results.output).toMatch(/stopped before it finished grading \(exit 1\)/);
  expect(statSync(path.join(root, 'results', 'results.json')).size).toBeGreaterThan(0);
}, 60_000);

test('a grader killed after writing its placeholder still leaves a correct results.json, with the reason', () => {
  const root = fakeAutograder('killed', (dir) => cpSync(kitPath('test', 'fixtures', 'class', 'ada-full', '01-udp-echo'), dir, { recursive: true }));
  // The grader process (and only it) kills itself the moment the placeholder is on disk: an out-of-memory kill, say.
  const crash = path.join(tmp, 'crash-after-placeholder.mjs');
  writeFileSync(
    crash,
    `import { readFileSync } from 'node:fs';
     if (process.argv[1]?.endsWith('gradescope.ts')) {
       const file = ${JSON.stringify(path.join(root, 'results', 'results.json'))};
       setInterval(() => { try { if (readFileSync(file, 'utf8').includes('${PLACEHOLDER_MARK}')) process.kill(process.pid, 'SIGKILL'); } catch {} }, 10);
     }`,
  );
  // A grader killed outright cannot remove its temporary folders: keep them in this test's folder.
  const killedTmp = path.join(tmp, 'killed-tmp');
  mkdirSync(killedTmp, { mode: 0o755 });
  const results = runAutograder(root, { NODE_OPTIONS: `--import ${crash}`, TMPDIR: killedTmp });
  expect(validateResults(results)).toEqual([]);
  expect(results).toMatchObject({ score: 0, tests: [] });
  expect(results.output).toMatch(/stopped before it finished grading \(exit 137\)/);
  expect(JSON.stringify(results)).not.toContain(PLACEHOLDER_MARK);
}, 60_000);

test('setup.sh honours GRADESCOPE_ROOT as run_autograder does: it installs in ROOT/source', () => {
  const root = fakeAutograder('setup', () => {});
  rmSync(path.join(root, 'source', 'node_modules'));
  // Stand-ins for npm and apt-get that say where and how they were run.
  const bin = path.join(tmp, 'fake-bin');
  const log = path.join(tmp, 'setup.log');
  mkdirSync(bin, { recursive: true });
  for (const tool of ['npm', 'apt-get']) {
    writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $* in $PWD" >> ${log}\n`);
    chmodSync(path.join(bin, tool), 0o755);
  }
  const r = spawnSync('bash', [path.join(root, 'source', 'setup.sh')], { env: { ...process.env, GRADESCOPE_ROOT: root, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const calls = readFileSync(log, 'utf8');
  expect(calls).toContain(`npm ci --no-audit --no-fund in ${path.join(root, 'source')}`);
  expect(calls).not.toMatch(/apt-get install .*\bcurl\b/); // only what is missing is installed: curl is here
});

// The handout: what a student gets. No solution, no hidden test, no kit test;
// hidden tests announced by count and points; and its own grader works on it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { findLab, labs } from '../../lib/course.ts';
import { kitPath, TSX_LOADER } from '../../lib/paths.ts';
import { makeHandout } from '../../lib/instructor/handout.ts';
import { listHiddenTests } from '../../lib/instructor/hidden.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-handout-'));
const dir = path.join(tmp, 'student');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await makeHandout(dir);
  symlinkSync(kitPath('node_modules'), path.join(dir, 'node_modules')); // as `npm install` would
}, 60_000);

function* walk(root: string): Generator<string> {
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const p = path.join(root, e.name);
    if (e.isDirectory()) yield* walk(p);
    else yield p;
  }
}
const digest = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

test('contains no solution, no hidden test, none of the kit\'s own tests and none of the instructor\'s tools', () => {
  for (const gone of ['solutions', 'test/hidden', 'test/kit', 'test/fixtures/class', 'test/fixtures/programs', 'bench', '.ci', 'lib/instructor', 'lib/cli/autograde.ts', 'lib/cli/gradescope.ts', 'lib/cli/handout.ts', 'lib/cli/classroom.ts', 'Dockerfile', '.github/workflows/grade-class.yml']) {
    expect(existsSync(path.join(dir, gone)), gone).toBe(false);
  }
  // No file anywhere holds a solution's text — unless that exact text is also a starter the
  // kit hands out (a later POP3 starter carries the previous step's work, by design).
  const starters = new Set([...walk(kitPath('labs'))].map(digest));
  const secret = new Map([...walk(kitPath('solutions'))].filter((p) => !starters.has(digest(p))).map((p) => [digest(p), p]));
  expect(secret.size).toBeGreaterThan(0);
  const hiddenSources = new Set([...walk(kitPath('test', 'hidden'))].map(digest));
  for (const f of walk(dir)) {
    expect(secret.get(digest(f)), `${f} is a solution file`).toBeUndefined();
    expect(hiddenSources.has(digest(f)), `${f} is a hidden test`).toBe(false);
  }
  expect([...walk(path.join(dir, 'labs'))].length).toBeGreaterThan(0);
});

test('announces the hidden tests by count and points, and never by name', async () => {
  const hidden = await listHiddenTests(labs());
  const manifest = JSON.parse(readFileSync(path.join(dir, 'hidden-tests.json'), 'utf8')) as Record<string, { tests: number; points: number }>;
  for (const lab of labs()) {
    const mine = hidden.filter((h) => h.slug === lab.slug);
    if (mine.length) expect(manifest[lab.slug]).toEqual({ tests: mine.length, points: mine.reduce((s, h) => s + h.points, 0) });
    else expect(manifest[lab.slug]).toBeUndefined();
  }
  const everything = [...walk(dir)].map((f) => readFileSync(f, 'utf8')).join('\n');
  for (const h of hidden) expect(everything).not.toContain(h.name);
  expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toMatch(/\| 01-udp-echo \| UDP echo \|.*\| 16 \+ 3 hidden \|/);
}, 60_000);

test('its own grader works: a finished lab gets full marks, a starter 0, and the hidden tests are announced; npm test is the grader', () => {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.test).toBe('tsx lib/cli/grade.ts');
  expect(pkg.scripts.autograde).toBeUndefined();
  cpSync(kitPath('solutions', '01-udp-echo'), path.join(dir, 'labs', '01-udp-echo'), { recursive: true }); // the student finishes lab 01
  const r = spawnSync('npm', ['run', '--silent', 'grade', '--', '01', '02'], { cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  expect(r.stdout).toMatch(/Score: 16\/16\s+full marks/);
  expect(r.stdout).toMatch(/Score: 0\/20/); // lab 02 is still the starter
  expect(r.stdout).toMatch(/\+ 3 hidden tests worth \d+ pts, graded by your instructor \(not shown here\)/);
  expect(r.status, r.stdout + r.stderr).toBe(1); // not every lab is at full marks
}, 90_000);

test('everything it ships resolves: no import of a file left behind', () => {
  const esbuild = createRequire(fileURLToPath(TSX_LOADER))('esbuild') as typeof import('esbuild');
  const entries = [...walk(path.join(dir, 'lib')), ...walk(path.join(dir, 'test'))].filter((f) => f.endsWith('.ts'));
  expect(entries.length).toBeGreaterThan(20);
  const r = esbuild.buildSync({ entryPoints: entries, bundle: true, write: false, packages: 'external', platform: 'node', format: 'esm', outdir: path.join(tmp, 'bundle-check'), logLevel: 'silent' });
  expect(r.errors).toEqual([]);
  // The package.json scripts name files that are there.
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const [name, script] of Object.entries(pkg.scripts)) {
    for (const file of script.match(/\S+\.ts\b/g) ?? []) expect(existsSync(path.join(dir, file)), `${name}: ${file}`).toBe(true);
  }
  expect(Object.keys(pkg.scripts).filter((s) => ['autograde', 'handout', 'gradescope', 'classroom', 'bench'].includes(s))).toEqual([]);
});

test('its GitHub Classroom workflow runs in it: a step of a finished lab passes there', () => {
  expect(existsSync(path.join(dir, '.github', 'classroom', 'autograding.json'))).toBe(false); // the old format
  const workflow = readFileSync(path.join(dir, '.github', 'workflows', 'classroom.yml'), 'utf8');
  const command = /command: (npx tsx lib\/cli\/classroom-check\.ts 01-udp-echo .*)$/m.exec(workflow)![1]!.replace('${{ runner.temp }}', path.join(tmp, 'runner-temp'));
  cpSync(kitPath('solutions', '01-udp-echo'), path.join(dir, 'labs', '01-udp-echo'), { recursive: true });
  const r = spawnSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8', timeout: 90_000, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' } });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toMatch(/✓ /);
}, 90_000);

test('a handout of some labs (a staged release) holds only those', async () => {
  const some = path.join(tmp, 'first-two');
  await makeHandout(some, [findLab('01-udp-echo'), findLab('02-tcp-echo')]);
  expect(readdirSync(path.join(some, 'labs')).sort()).toEqual(['01-udp-echo', '02-tcp-echo']);
  expect(readdirSync(path.join(some, 'test', 'labs')).every((f) => /^0[12]-/.test(f))).toBe(true);
  const manifest = JSON.parse(readFileSync(path.join(some, 'course.json'), 'utf8')) as { labs: { slug: string }[] };
  expect(manifest.labs.map((l) => l.slug)).toEqual(['01-udp-echo', '02-tcp-echo']);
  expect(statSync(path.join(some, '.github', 'workflows', 'classroom.yml')).isFile()).toBe(true);
}, 60_000);

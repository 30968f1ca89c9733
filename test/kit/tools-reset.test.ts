// Reset restores a lab's starter as the kit shipped it, after a backup of the
// student's work. Runs in a throwaway git repository, never the kit's labs/.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { findLab } from '../../lib/course.ts';
import { KIT_ROOT, TSX_LOADER } from '../../lib/paths.ts';
import { applyReset, planReset } from '../../lib/tools/reset.ts';

const lab = findLab('01-udp-echo');
let tmp: string;
let repo: string;
let labs: string;
let state: string;

const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
const kitCommit = (msg: string) => git('-c', 'user.name=Kit', '-c', 'user.email=kit@example.org', 'commit', '-qm', msg);
const write = (file: string, text: string) => writeFileSync(path.join(labs, lab.slug, file), text);
const read = (file: string) => readFileSync(path.join(labs, lab.slug, file), 'utf8');

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-reset-'));
  repo = path.join(tmp, 'repo');
  labs = path.join(repo, 'labs');
  state = path.join(tmp, 'state');
  process.env.SOCKET_KIT_STATE = state;
  mkdirSync(path.join(labs, lab.slug), { recursive: true });
  git('init', '-q');
  git('config', 'user.email', 'student@example.org');
  git('config', 'user.name', 'Student');
  git('config', 'commit.gpgsign', 'false');
  write('server.ts', 'starter server v1\n');
  write('client.ts', 'starter client\n');
  git('add', '.');
  kitCommit('kit: lab 01 starter');
  write('server.ts', 'starter server v2\n'); // a later fix to the starter, shipped by the kit
  git('add', '.');
  kitCommit('kit: fix lab 01 starter');
  write('server.ts', 'student server, committed\n'); // the student commits their own work
  git('add', '.');
  git('commit', '-qm', 'my udp server');
  write('server.ts', 'student server, newest\n'); // and keeps working
  write('client.ts', 'student client\n');
  write('notes.txt', 'my notes\n');
});
afterEach(() => {
  delete process.env.SOCKET_KIT_STATE;
  rmSync(tmp, { recursive: true, force: true });
});

test('restores what the kit last shipped, not the student\'s own commit, and keeps the work in a timestamped backup', () => {
  const plan = planReset(lab, labs);
  expect(plan.starter.described).toMatch(/kit: fix lab 01 starter \(Kit, /);
  expect(plan.changed.sort()).toEqual(['client.ts', 'server.ts']);

  const done = applyReset(plan, new Date('2026-11-23T04:05:06.789Z'));
  expect(read('server.ts')).toBe('starter server v2\n');
  expect(read('client.ts')).toBe('starter client\n');
  expect(read('notes.txt')).toBe('my notes\n'); // not the kit's file: left alone

  expect(done.backup).toBe(path.join(state, 'backups', lab.slug, '2026-11-23T04-05-06Z'));
  expect(readFileSync(path.join(done.backup, 'server.ts'), 'utf8')).toBe('student server, newest\n');
  expect(readFileSync(path.join(done.backup, 'client.ts'), 'utf8')).toBe('student client\n');
  expect(readFileSync(path.join(done.backup, 'notes.txt'), 'utf8')).toBe('my notes\n');

  // A second reset in the same second keeps both backups.
  write('server.ts', 'second try\n');
  const again = applyReset(planReset(lab, labs), new Date('2026-11-23T04:05:06.999Z'));
  expect(again.backup).not.toBe(done.backup);
  expect(readFileSync(path.join(again.backup, 'server.ts'), 'utf8')).toBe('second try\n');
  expect(readdirSync(path.join(state, 'backups', lab.slug))).toHaveLength(2);
});

test('--from names the starter\'s commit; a student who committed everything gets their last commit and a warning', () => {
  expect(planReset(lab, labs, 'HEAD~2').starter.files.get('server.ts')?.toString()).toBe('starter server v1\n');
  // A student who unzipped the kit and committed it as themselves: no commit is the kit's.
  rmSync(path.join(repo, '.git'), { recursive: true, force: true });
  git('init', '-q');
  git('config', 'user.email', 'student@example.org');
  git('config', 'user.name', 'Student');
  git('add', '.');
  git('-c', 'commit.gpgsign=false', 'commit', '-qm', 'everything');
  write('server.ts', 'after the commit\n');
  const plan = planReset(lab, labs);
  expect(plan.starter.files.get('server.ts')?.toString()).toBe('student server, newest\n');
  expect(plan.starter.note).toMatch(/Every commit to labs\/01-udp-echo is yours .* --from <commit>/);
  expect(() => planReset(lab, labs, 'no-such-rev')).toThrow(/no such commit/);
});

function cli(input: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', TSX_LOADER, path.join(KIT_ROOT, 'lib/cli/reset.ts'), '01', '--target', labs, ...args], {
    input,
    env: { ...process.env, SOCKET_KIT_STATE: state, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

test('npm run reset -- 01 asks first: "n" changes nothing, "y" resets; --yes does not ask', () => {
  const no = cli('n\n');
  expect(no.stdout).toContain('server.ts  will be replaced by the starter');
  expect(no.stdout).toContain('Reset lab 01? [y/N]');
  expect(no.status).toBe(1);
  expect(read('server.ts')).toBe('student server, newest\n');
  expect(existsSync(path.join(state, 'backups'))).toBe(false);

  const yes = cli('y\n');
  expect(yes.status).toBe(0);
  expect(yes.stdout).toContain('Lab 01 is back to its starter');
  expect(read('server.ts')).toBe('starter server v2\n');

  write('client.ts', 'changed again\n');
  const scripted = cli('', '--yes');
  expect(scripted.status).toBe(0);
  expect(scripted.stdout).not.toContain('[y/N]');
  expect(read('client.ts')).toBe('starter client\n');
  expect(readdirSync(path.join(state, 'backups', lab.slug))).toHaveLength(2);
});

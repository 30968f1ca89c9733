// GitHub Classroom, in the format Classroom generates today: one
// classroom-resources/autograding-command-grader@v1 step per public graded
// test, carrying that test's points, and one
// classroom-resources/autograding-grading-reporter@v1 step reading every step's
// result. The inputs are checked against the actions' own action.yml, read at:
//   classroom-resources/autograding-command-grader  7712c71 (action.yml)
//     inputs: test-name (required), setup-command, command (required), timeout (minutes, max 6 h), max-score
//     outputs: result
//   classroom-resources/autograding-grading-reporter  43c2d9f (action.yml, src/main.js)
//     inputs: token, runners (required: comma-separated step ids, /^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$/)
//     reads env <ID in capitals>_RESULTS for each runner
// Each step's command then passes or fails with its test, grades the lab once
// per job, and never trusts a file in the student's repository.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { findLab } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { writeClassroom } from '../../lib/instructor/classroom.ts';
import { listTests, type ListedTest } from '../../lib/instructor/list-tests.ts';

const COMMAND_GRADER = { uses: 'classroom-resources/autograding-command-grader@v1', inputs: ['test-name', 'setup-command', 'command', 'timeout', 'max-score'], required: ['test-name', 'command'] };
const REPORTER = { uses: 'classroom-resources/autograding-grading-reporter@v1', inputs: ['token', 'runners'], required: ['runners'] };

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number>;
  env?: Record<string, string>;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-classroom-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let steps: Step[] = [];
let listed: ListedTest[] = [];
const graders = () => steps.filter((s) => s.uses === COMMAND_GRADER.uses);

beforeAll(async () => {
  const lab = findLab('01-udp-echo');
  await writeClassroom(tmp, [lab]);
  listed = await listTests([lab]);
  const workflow = parseYaml(readFileSync(path.join(tmp, '.github', 'workflows', 'classroom.yml'), 'utf8')) as { on: string[]; jobs: Record<string, { steps: Step[] }> };
  expect(workflow.on).toContain('push');
  steps = Object.values(workflow.jobs)[0]!.steps;
}, 60_000);

test('one command-grader step per graded test, with exactly the inputs the action documents, worth the test\'s points', () => {
  expect(graders().map((s) => s.with!['test-name'])).toEqual(listed.map((t) => `01-udp-echo: ${t.name}`));
  expect(graders().map((s) => s.with!['max-score'])).toEqual(listed.map((t) => t.points));
  for (const s of graders()) {
    expect(Object.keys(s.with!).filter((k) => !COMMAND_GRADER.inputs.includes(k))).toEqual([]);
    for (const k of COMMAND_GRADER.required) expect(s.with![k], k).toBeTruthy();
    expect(Number(s.with!.timeout)).toBeGreaterThan(0);
    expect(Number(s.with!.timeout)).toBeLessThanOrEqual(360);
    expect(s.id).toMatch(/^[a-z][a-z0-9]*$/); // a step id the reporter's runner list accepts
    expect(s.with!.command).toMatch(/^npx tsx lib\/cli\/classroom-check\.ts 01-udp-echo [0-9a-f]{10} --results "\$\{\{ runner\.temp \}\}\/socket-kit-classroom"$/);
  }
  expect(new Set(graders().map((s) => s.id)).size).toBe(listed.length);
  expect(new Set(graders().map((s) => s.with!.command)).size).toBe(listed.length);
  // Installed once, before the first test, by a plain step.
  const install = steps.findIndex((s) => s.run?.startsWith('npm ci'));
  expect(install).toBeGreaterThanOrEqual(0);
  expect(install).toBeLessThan(steps.indexOf(graders()[0]!));
  expect(steps.some((s) => s.uses?.startsWith('education/autograding'))).toBe(false); // the old node16 action is gone
});

test('the reporter reads every step\'s result: runners lists the ids, <ID>_RESULTS carries each output', () => {
  const reporter = steps.at(-1)!;
  expect(reporter.uses).toBe(REPORTER.uses);
  expect(Object.keys(reporter.with!).filter((k) => !REPORTER.inputs.includes(k))).toEqual([]);
  const ids = graders().map((s) => s.id!);
  expect(reporter.with!.runners).toBe(ids.join(','));
  expect(String(reporter.with!.runners)).toMatch(/^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$/);
  expect(reporter.env).toEqual(Object.fromEntries(ids.map((id) => [`${id.toUpperCase()}_RESULTS`, `\${{ steps.${id}.outputs.result }}`])));
});

/** Run a step's command as the command grader does (its own small environment), in the kit as the repository. */
function check(step: Step, target: string, results: string) {
  const command = String(step.with!.command).replace('${{ runner.temp }}', results) + ` --target ${target}`;
  return spawnSync('bash', ['-c', command], {
    cwd: kitPath(),
    encoding: 'utf8',
    timeout: 90_000,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', FORCE_COLOR: 'true', NO_COLOR: '1' },
  });
}

test('a step passes or fails with its test, and the lab is graded once per job', () => {
  const job = path.join(tmp, 'runner-temp-1');
  const first = check(graders()[0]!, kitPath('solutions'), job);
  expect(first.status, first.stdout + first.stderr).toBe(0);
  expect(first.stdout).toMatch(/✓ echoes a datagram byte for byte/);
  const second = check(graders()[1]!, kitPath('solutions'), job);
  expect(second.status).toBe(0);
  expect(second.stdout).toMatch(/from this job's grading of 01-udp-echo/); // no second grading of the lab
  // A submission with nothing in it: every test fails at once (a starter would too, only slower).
  const empty = path.join(tmp, 'empty-submission');
  mkdirSync(path.join(empty, '01-udp-echo'), { recursive: true });
  const failing = check(graders()[0]!, empty, path.join(tmp, 'runner-temp-2'));
  expect(failing.status).toBe(1);
  expect(failing.stdout).toMatch(/✗ echoes a datagram byte for byte/);
}, 120_000);

test('a result the student commits is never read: forged files in the repository change nothing', () => {
  // The old cache (.socket-kit/classroom/) with a future timestamp, and a results folder inside the repository.
  const empty = path.join(tmp, 'forger');
  mkdirSync(path.join(empty, '01-udp-echo'), { recursive: true });
  const forged = JSON.stringify({ target: empty, at: Date.now() + 1e9, result: { slug: '01-udp-echo', title: 'UDP echo', target: empty, gradedAt: '', tests: listed.map((t) => ({ name: t.name, points: t.points, passed: true, ms: 1 })) } });
  const planted = [kitPath('.socket-kit', 'classroom', '01-udp-echo.json'), path.join(empty, '01-udp-echo', '01-udp-echo.json')];
  try {
    for (const f of planted) {
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, forged);
    }
    const r = check(graders()[0]!, empty, path.join(tmp, 'runner-temp-3'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/✗ echoes a datagram byte for byte/);
  } finally {
    rmSync(planted[0]!, { force: true });
  }
  // Pointing --results into the repository is refused outright.
  const inRepo = spawnSync(process.execPath, ['--import', 'tsx', 'lib/cli/classroom-check.ts', '01-udp-echo', 'abc', '--results', kitPath('.socket-kit', 'classroom')], { cwd: kitPath(), encoding: 'utf8' });
  expect(inRepo.status).toBe(2);
  expect(inRepo.stderr).toMatch(/inside the repository/);
}, 120_000);

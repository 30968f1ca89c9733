// GitHub Classroom: one autograding entry per public graded test, carrying
// that test's points, each running the kit's grader; a lab is graded once and
// the other entries read the result.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { findLab } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { writeClassroom, type ClassroomTest } from '../../lib/instructor/classroom.ts';
import { listTests } from '../../lib/instructor/list-tests.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-classroom-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('autograding.json has one entry per graded test, with its points and a timeout, and the workflow runs it', async () => {
  const lab = findLab('01-udp-echo');
  await writeClassroom(tmp, [lab]);
  const config = JSON.parse(readFileSync(path.join(tmp, '.github', 'classroom', 'autograding.json'), 'utf8')) as { tests: ClassroomTest[] };
  const listed = await listTests([lab]);
  expect(config.tests.map((t) => t.name)).toEqual(listed.map((t) => `01-udp-echo: ${t.name}`));
  expect(config.tests.map((t) => t.points)).toEqual(listed.map((t) => t.points));
  for (const t of config.tests) {
    expect(t.run).toMatch(/^npx tsx lib\/cli\/classroom\.ts check 01-udp-echo [0-9a-f]{10}$/);
    expect(t.timeout).toBeGreaterThan(0);
    expect(['exact', 'included', 'regex']).toContain(t.comparison);
  }
  expect(new Set(config.tests.map((t) => t.run)).size).toBe(config.tests.length); // ids are distinct
  expect(config.tests[0]!.setup).toMatch(/npm ci/);
  expect(readFileSync(path.join(tmp, '.github', 'workflows', 'classroom.yml'), 'utf8')).toMatch(/education\/autograding@v1/);
}, 60_000);

test('an entry passes or fails with its test, and the lab is graded only once', () => {
  const config = JSON.parse(readFileSync(path.join(tmp, '.github', 'classroom', 'autograding.json'), 'utf8')) as { tests: ClassroomTest[] };
  const state = path.join(tmp, 'state');
  const check = (entry: ClassroomTest, target: string) => {
    const args = entry.run.replace(/^npx tsx /, '').split(' ');
    return spawnSync(process.execPath, ['--import', 'tsx', ...args, '--target', target], {
      cwd: kitPath(),
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, SOCKET_KIT_STATE: state, NO_COLOR: '1' },
    });
  };
  const first = check(config.tests[0]!, kitPath('solutions'));
  expect(first.status, first.stdout + first.stderr).toBe(0);
  expect(first.stdout).toMatch(/✓ echoes a datagram byte for byte/);
  const second = check(config.tests[1]!, kitPath('solutions'));
  expect(second.status).toBe(0);
  expect(second.stdout).toMatch(/from this run's grading/); // no second grading of the lab
  // A submission with nothing in it: every test fails at once (a starter would too, only slower).
  const empty = path.join(tmp, 'empty-submission');
  mkdirSync(path.join(empty, '01-udp-echo'), { recursive: true });
  const failing = check(config.tests[0]!, empty);
  expect(failing.status).toBe(1);
  expect(failing.stdout).toMatch(/✗ echoes a datagram byte for byte/);
}, 90_000);

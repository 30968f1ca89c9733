// Class runs an instructor can repeat and split: a gradebook a spreadsheet opens
// safely, an existing run never silently replaced, --resume that returns at once
// on a finished run and grades only what changed, and the class graded as two
// shards by the commands of the shipped GitHub Actions workflow, then merged:
// the same gradebook and feedback as one run.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { findLab } from '../../lib/course.ts';
import { KIT_ROOT, kitPath } from '../../lib/paths.ts';
import { gradeClass, type ClassOptions } from '../../lib/instructor/grade-class.ts';
import { BOM, parseCsv } from '../../lib/instructor/gradebook.ts';
import { mergeRuns } from '../../lib/instructor/merge.ts';
import { Refusal } from '../../lib/instructor/run-store.ts';

const FIXTURES = kitPath('test', 'fixtures', 'class');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-runs-'));
const cls = path.join(tmp, 'class');
const single = path.join(tmp, 'single');
const lab = findLab('01-udp-echo');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  // Names a spreadsheet would run as formulas, a name that is not ASCII, and the layouts students hand in.
  cpSync(path.join(FIXTURES, 'ben-partial', '01-udp-echo'), path.join(cls, '=SUM(1+1)', '01-udp-echo'), { recursive: true });
  cpSync(path.join(FIXTURES, 'ada-full', '01-udp-echo'), path.join(cls, 'Zoë', 'course-2026-main', 'labs', '01-udp-echo'), { recursive: true });
  cpSync(path.join(FIXTURES, 'ada-full', '01-udp-echo'), path.join(cls, 'lab01er', 'lab01'), { recursive: true });
  mkdirSync(path.join(cls, '@empty'), { recursive: true });
  writeFileSync(path.join(cls, 'notes.txt'), 'not a student\n');
});

const base = (outDir: string, more: Partial<ClassOptions> = {}): ClassOptions => ({ submissions: cls, labs: [lab], outDir, jobs: 2, ...more });
const read = (p: string) => readFileSync(p, 'utf8');
/** Feedback as a set. Numbers aside: transcripts carry ephemeral ports and timings, which no two runs share (scores are compared in the gradebook). */
function feedbackSet(out: string): Record<string, string> {
  const dir = path.join(out, 'feedback');
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, read(path.join(dir, f)).replace(/\d+/g, '#')]));
}

describe.sequential('a class graded, refused, resumed, sharded and merged', () => {
  const notes: string[] = [];
  let gradebook = '';

  test('graded once: a gradebook a spreadsheet opens safely, and one note per odd folder', async () => {
    const run = await gradeClass(base(single, { onNote: (s, n) => notes.push(`${s}: ${n}`) }));
    gradebook = read(run.gradebook);
    expect(gradebook.startsWith(BOM)).toBe(true); // Excel reads UTF-8
    expect(gradebook.slice(1).split('\r\n').slice(0, -1).every((l) => !l.includes('\n'))).toBe(true); // CRLF rows
    expect(Buffer.from(gradebook).includes(Buffer.from('Zoë,19,19\r\n'))).toBe(true);
    expect(parseCsv(gradebook)).toEqual([
      ['student', '01-udp-echo', 'total'],
      ['Points Possible', '19', '19'],
      ["'=SUM(1+1)", '12', '12'], // a formula no more: text starting with '
      ["'@empty", '0', '0'],
      ['Zoë', '19', '19'],
      ['lab01er', '0', '0'],
    ]);
    expect(gradebook).toContain(`"'=SUM(1+1)",12,12\r\n`); // quoted, as RFC 4180 allows any field to be
    expect(notes.sort()).toEqual([
      '@empty: @empty/ is empty; expected @empty/labs/01-udp-echo/ (a clone of the handout) or @empty/01-udp-echo/.',
      'Zoë: graded course-2026-main/labs/ (the one folder inside Zoë/)',
      'lab01er: no lab folder found in lab01er/: expected lab01er/labs/01-udp-echo/ (a clone of the handout) or lab01er/01-udp-echo/. Found: lab01/. Rename lab01/ → 01-udp-echo/?',
    ]);
    expect(readdirSync(path.join(single, 'feedback')).sort()).toEqual(['=SUM(1+1).txt', '@empty.txt', 'Zoë.txt', 'lab01er.txt']);
    expect(read(path.join(single, 'feedback', 'lab01er.txt'))).toMatch(/^Note: no lab folder found in lab01er\/.*Rename lab01\/ → 01-udp-echo\/\?$/m);
  }, 120_000);

  test('run again into the same folder: refused with what to do, the gradebook untouched', async () => {
    const again = gradeClass(base(single));
    await expect(again).rejects.toBeInstanceOf(Refusal);
    await expect(again).rejects.toThrow(/gradebook\.csv already exists \(4 of 4 students graded, finished.*\n.*--resume.*\n.*--force/);
    expect(read(path.join(single, 'gradebook.csv'))).toBe(gradebook);
    // An output folder inside the class would be graded as a student.
    await expect(gradeClass(base(path.join(cls, 'grades')))).rejects.toThrow(/is inside --submissions .*: it would be graded as a student/);
  }, 60_000);

  test('--resume on a finished run grades no one (its time, against grading, is in `npm run bench -- autograde`)', async () => {
    let began = 0;
    const run = await gradeClass(base(single, { existing: 'resume', onBegin: () => began++ }));
    expect({ graded: run.graded, kept: run.kept, interrupted: run.interrupted, began }).toEqual({ graded: 0, kept: 4, interrupted: false, began: 0 });
    expect(read(run.gradebook)).toBe(gradebook);
  }, 60_000);

  test('two shards graded with the workflow\'s own commands, then merged: the same gradebook and feedback', () => {
    const workflow = parseYaml(read(kitPath('.github', 'workflows', 'grade-class.yml'))) as Workflow;
    const inputs = { shards: '2', folder: '.', labs: '01', submissions: 'school/subs', ref: '' };
    const shardsDir = path.join(workspace('merge-job'), 'shards');
    for (const shard of ['1', '2']) {
      const job = workflow.jobs.grade;
      expect(job.strategy.matrix.shard).toBe('${{ fromJSON(needs.plan.outputs.shards) }}');
      const runner = workspace(`runner-${shard}`);
      symlinkSync(cls, path.join(runner, '.submissions'));
      runStep(job.steps.find((s) => s.id === 'grade')!, runner, { inputs, matrix: { shard } });
      // upload-artifact shard-K from shard-out; download-artifact puts each under shards/shard-K/.
      const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
      const name = expand(upload.with!.name!, { inputs, matrix: { shard } });
      cpSync(path.join(runner, upload.with!.path!), path.join(shardsDir, name), { recursive: true });
    }
    const merge = workflow.jobs.merge;
    expect(merge.needs).toBe('grade');
    expect(merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'))!.with).toMatchObject({ pattern: 'shard-*', path: 'shards' });
    runStep(merge.steps.find((s) => s.id === 'merge')!, path.dirname(shardsDir), { inputs });
    const merged = path.join(tmp, 'merge-job', merge.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@') && s.with?.name === 'gradebook')!.with!.path!);
    expect(read(path.join(merged, 'gradebook.csv'))).toBe(gradebook);
    expect(feedbackSet(merged)).toEqual(feedbackSet(single));
    expect(read(path.join(merged, 'run.json'))).toBe(read(path.join(single, 'run.json'))); // --resume works on it as on the single run's
    // Each shard held a slice: 2 and 2 students, contiguous in name order.
    const rows = (k: string) => parseCsv(read(path.join(shardsDir, `shard-${k}`, 'gradebook.csv'))).slice(2).map((r) => r[0]);
    expect([rows('1'), rows('2')]).toEqual([["'=SUM(1+1)", "'@empty"], ['Zoë', 'lab01er']]);
  }, 180_000);

  test('merge refuses a missing or an unfinished shard', () => {
    const shards = path.join(tmp, 'merge-job', 'shards');
    expect(() => mergeRuns([path.join(shards, 'shard-1')], path.join(tmp, 'm1'))).toThrow(/shard 2\/2 missing/);
    const broken = path.join(tmp, 'shard-2-cut');
    cpSync(path.join(shards, 'shard-2'), broken, { recursive: true });
    rmSync(path.join(broken, 'records', 'Zoë.json'));
    expect(() => mergeRuns([path.join(shards, 'shard-1'), broken], path.join(tmp, 'm2'))).toThrow(/shard 2\/2 .* is not finished: 1 of 2 students graded \(not: Zoë\)\. Finish it with `autograde --shard 2\/2 --resume/);
  });

  test('--resume grades only the student whose work changed, and drops one who left', async () => {
    appendFileSync(path.join(cls, '=SUM(1+1)', '01-udp-echo', 'server.ts'), '\n// one more comment\n');
    rmSync(path.join(cls, 'lab01er'), { recursive: true });
    let started: { toGrade: number; kept: number; dropped: string[] } | undefined;
    const run = await gradeClass(base(single, { existing: 'resume', onStart: (s) => (started = s) }));
    expect(started).toMatchObject({ toGrade: 1, kept: 2, dropped: ['lab01er'] });
    expect(run.graded).toBe(1);
    expect(readdirSync(path.join(single, 'feedback')).sort()).toEqual(['=SUM(1+1).txt', '@empty.txt', 'Zoë.txt']); // no stale feedback
    expect(parseCsv(read(run.gradebook)).map((r) => r[0])).toEqual(['student', 'Points Possible', "'=SUM(1+1)", "'@empty", 'Zoë']);
  }, 120_000);

  test('--force starts over: what the old run wrote is gone, other files stay', async () => {
    const small = path.join(tmp, 'small-class');
    mkdirSync(path.join(small, 'only-one'), { recursive: true });
    writeFileSync(path.join(single, 'my-notes.txt'), 'the instructor\'s own file\n');
    const run = await gradeClass({ submissions: small, labs: [lab], outDir: single, existing: 'force' });
    expect(run.grades.map((g) => g.student)).toEqual(['only-one']);
    expect(readdirSync(path.join(single, 'feedback'))).toEqual(['only-one.txt']);
    expect(readdirSync(path.join(single, 'records'))).toEqual(['only-one.json']);
    expect(read(path.join(single, 'my-notes.txt'))).toMatch(/instructor's own/);
  }, 60_000);
});

// --- the workflow's steps, run here as the runner would run them ----------------

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Workflow {
  jobs: Record<string, { needs?: string; strategy: { matrix: Record<string, string> }; steps: Step[] }>;
}

/** A runner's workspace: the kit checked out (its folders linked), nothing else. */
function workspace(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const f of ['lib', 'test', 'node_modules', 'course.json', 'package.json', 'tsconfig.json']) symlinkSync(path.join(KIT_ROOT, f), path.join(dir, f));
  return dir;
}

/** `${{ inputs.x }}` and `${{ matrix.x }}`: the only expressions the steps run here may use. */
function expand(text: string, ctx: { inputs: Record<string, string>; matrix?: Record<string, string> }): string {
  return text.replace(/\$\{\{\s*(inputs|matrix)\.([\w-]+)\s*\}\}/g, (_, scope: 'inputs' | 'matrix', key: string) => {
    const v = ctx[scope]?.[key];
    if (v === undefined) throw new Error(`the step uses ${scope}.${key}, which this test does not know`);
    return v;
  }).replace(/\$\{\{[^}]*\}\}/g, (e) => {
    throw new Error(`unexpected expression in a run step: ${e}`);
  });
}

function runStep(step: Step, cwd: string, ctx: { inputs: Record<string, string>; matrix?: Record<string, string> }): void {
  const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(v, ctx)]));
  // GitHub runs `bash --noprofile --norc -eo pipefail`; here we are root already, so sudo is a no-op.
  const script = `sudo() { "$@"; }\n${expand(step.run!, ctx)}`;
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 150_000 });
  expect(r.status, `${step.name ?? step.id}:\n${r.stdout}\n${r.stderr}`).toBe(0);
}

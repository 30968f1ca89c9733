// Each stage's reference of a program several labs grow (the POP3 server in
// labs/mail/), as `npm run release` hands it to a student, gets full marks on
// its lab and every lab before it (hidden tests included), compiles, and still
// fails some test of the next lab (each lab adds something). A proof: run by
// `npm run test:proofs`, not `npm test` (it grades the POP3 labs four times over).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { labDir, labFolder, labs, stagesOf, withEarlierStages, type Lab } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { runLabTests } from '../../lib/grader/run-tests.ts';
import { fullMarks, maxScore, score, type LabResult } from '../../lib/grader/results.ts';
import { hiddenTestPaths } from '../../lib/instructor/hidden.ts';
import { stagedLabs, writeStage } from '../../lib/stages.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-stages-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const programs = stagedLabs(labs());
/** Every stage but the last of each program (the last one's reference is solutions/ itself, graded by npm test). */
const released = programs.flatMap((p) => stagesOf(p).slice(0, -1));

describe.each(released.map((l) => [l.slug, l] as const))('the reference of %s, as released', (_slug, lab: Lab) => {
  const target = path.join(tmp, lab.slug);
  const next = stagesOf(lab)[stagesOf(lab).indexOf(lab) + 1]!;
  let results: LabResult[] = [];
  beforeAll(async () => {
    writeStage(lab, lab, labDir(target, lab));
    results = await runLabTests([...withEarlierStages([lab]), next], { target, timeoutMs: 170_000, extraTests: hiddenTestPaths });
  }, 180_000);

  test('gets full marks on its lab and every lab before it, hidden tests included', () => {
    for (const r of results.filter((x) => x.slug !== next.slug)) {
      const failed = r.tests.filter((t) => !t.passed).map((t) => `${t.name}: ${t.message?.split('\n')[0]}`);
      expect(failed, r.slug).toEqual([]);
      expect(fullMarks(r), `${r.slug}: ${r.error ?? ''}`).toBe(true);
    }
  });

  test(`does not pass the next lab's tests: the next lab adds something`, () => {
    const r = results.find((x) => x.slug === next.slug)!;
    expect(maxScore(r)).toBeGreaterThan(0);
    expect(score(r)).toBeLessThan(maxScore(r));
  });
});

test('every released reference typechecks (tsc, strict, as the kit)', async () => {
  const root = path.join(tmp, 'tsc');
  for (const lab of released) writeStage(lab, lab, path.join(root, lab.slug, labFolder(lab)));
  mkdirSync(root, { recursive: true });
  writeFileSync(
    path.join(root, 'tsconfig.json'),
    JSON.stringify({ extends: kitPath('tsconfig.json'), compilerOptions: { typeRoots: [kitPath('node_modules/@types')] }, include: ['**/*.ts'] }),
  );
  const child = spawn(process.execPath, [kitPath('node_modules/typescript/bin/tsc'), '--noEmit', '-p', root], { cwd: root });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(out.trim()).toBe('');
  expect(code).toBe(0);
}, 120_000);

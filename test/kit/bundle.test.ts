// Lab programs run from a cached esbuild bundle (plain node starts ~4x cheaper
// than tsx). The cache must never run stale code, a file that does not compile
// is reported with its file, line and column before anything starts, and an
// import of a package still runs, through tsx, the way a student sees it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { bundledEntry } from '../../lib/harness/bundle.ts';
import { LabFailure } from '../../lib/harness/failure.ts';
import { crashSummary, runProgram, startServer } from '../../lib/harness/program.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const main = path.join(dir, 'main.ts');
const dep = path.join(dir, 'dep.ts');

test('a change to an imported file is run, not the old bundle', async () => {
  writeFileSync(main, "import { word } from './dep.ts';\nconsole.log(word);\n");
  writeFileSync(dep, "export const word: string = 'first';\n");
  expect(bundledEntry(main)).toBeDefined();
  expect((await runProgram(main)).stdout).toBe('first\n');
  writeFileSync(dep, "export const word: string = 'second, longer';\n");
  expect((await runProgram(main)).stdout).toBe('second, longer\n');
});

test('a syntax error is reported with its file, line, column and the line itself; nothing is started', async () => {
  const broken = path.join(dir, 'broken.ts');
  writeFileSync(broken, 'const ok = 1;\nconst x = ;\n');
  const err = await startServer(broken).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LabFailure);
  const message = (err as LabFailure).message;
  expect(message).toMatch(/broken\.ts does not compile, so it was not started/);
  expect(message).toMatch(/broken\.ts:2:11: Unexpected ";"/);
  expect(message).toContain('2 | const x = ;\n      |           ^');
});

test("a compile error printed by tsx (the sandbox's path) keeps esbuild's located line", () => {
  const file = path.join(dir, 'server.ts');
  writeFileSync(file, 'const a = 1;\nconst n: number = ;\n');
  const tsxOutput = `node:internal/modules/run_main:123\n    triggerUncaughtException(\n    ^\n\nError: Transform failed with 1 error:\n${file}:2:18: ERROR: Unexpected ";"\n    at failureErrorWithLog (/x/node_modules/esbuild/lib/main.js:1:1)\n`;
  const summary = crashSummary(tsxOutput);
  expect(summary).toContain(`server.ts:2:18: Unexpected ";"`);
  expect(summary).toContain('2 | const n: number = ;');
});

test('an import of a package is left to tsx (it resolves packages from the lab, not the cache)', () => {
  const pkg = path.join(dir, 'pkg.ts');
  writeFileSync(pkg, "import { marked } from 'marked';\nconsole.log(typeof marked);\n");
  expect(bundledEntry(pkg)).toBeUndefined();
});

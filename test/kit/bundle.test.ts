// Lab programs run from a cached esbuild bundle (plain node starts ~4x cheaper
// than tsx). The cache must never run stale code, and anything it cannot
// bundle must still run, through tsx, the way a student sees it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { bundledEntry } from '../../lib/harness/bundle.ts';
import { runProgram } from '../../lib/harness/program.ts';

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

test('a syntax error runs through tsx, which reports it with the file and line', async () => {
  const broken = path.join(dir, 'broken.ts');
  writeFileSync(broken, 'const x = ;\n');
  expect(bundledEntry(broken)).toBeUndefined();
  const r = await runProgram(broken);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/broken\.ts:1/);
});

test('an import of a package is left to tsx (it resolves packages from the lab, not the cache)', () => {
  const pkg = path.join(dir, 'pkg.ts');
  writeFileSync(pkg, "import { marked } from 'marked';\nconsole.log(typeof marked);\n");
  expect(bundledEntry(pkg)).toBeUndefined();
});

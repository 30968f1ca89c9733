// The kit, every starter and every solution typecheck in strict mode: a
// starter that does not compile is the first thing a student would meet.
// (A test rather than a step before the run, so it overlaps the others.)
import { spawn } from 'node:child_process';
import { expect, test } from 'vitest';
import { kitPath } from '../../lib/paths.ts';

test('tsc --noEmit: no type errors in lib, labs, solutions, tests or benchmarks', async () => {
  const child = spawn(process.execPath, [kitPath('node_modules/typescript/bin/tsc'), '--noEmit', '-p', kitPath()], { cwd: kitPath() });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(out.trim(), 'type errors').toBe('');
  expect(code).toBe(0);
}, 900_000); // minutes on a loaded machine: what is checked is the types, not the speed

// Type errors in a lab's files, as warnings beside the grade (never points):
// `const n: number = "str"` runs, and may even pass a test, but it is a bug
// waiting to happen. One tsc run checks every graded lab's files at once,
// beside the tests (started first, so it is usually done before they are).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Lab } from '../course.ts';
import { kitPath, shownPath } from '../paths.ts';

/** The lab folders' .ts files, checked as the kit checks its own code (its tsconfig.json), plus Node's types. */
function tsconfig(files: string[]): object {
  const kit = JSON.parse(readFileSync(kitPath('tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
  return {
    compilerOptions: { ...kit.compilerOptions, noEmit: true, typeRoots: [kitPath('node_modules', '@types')], types: ['node'] },
    files,
  };
}

/** A tsc error line: "path(line,col): error TSnnnn: message". */
const ERROR_RE = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/;

/**
 * Type errors per lab slug, as "labs/02-tcp-echo/server.ts:12:7  Type 'string' is not assignable to type 'number'. (TS2322)".
 * Resolves with an empty map when there is nothing to check or tsc cannot run.
 */
export async function typeErrors(labs: Lab[], target: string, timeoutMs = 120_000): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const dirs = new Map(labs.map((l) => [path.resolve(target, l.slug), l.slug]));
  const files = [...dirs.keys()].flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.ts')).map((f) => path.join(d, f)) : []));
  if (files.length === 0) return found;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-types-'));
  try {
    const config = path.join(tmp, 'tsconfig.json');
    writeFileSync(config, JSON.stringify(tsconfig(files)));
    const out = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [kitPath('node_modules', 'typescript', 'bin', 'tsc'), '-p', config, '--pretty', 'false'], { cwd: tmp, stdio: ['ignore', 'pipe', 'ignore'] });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text = (text + c.toString()).slice(-200_000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', () => {
        clearTimeout(timer);
        resolve(text);
      });
      child.on('error', () => resolve(''));
    });
    for (const line of out.split('\n')) {
      const m = ERROR_RE.exec(line.trim());
      if (!m) continue;
      const file = path.resolve(tmp, m[1]!);
      const slug = dirs.get(path.dirname(file));
      if (!slug) continue; // in a file outside the lab folders (a type package): not the student's
      const list = found.get(slug) ?? [];
      if (list.length < 20) list.push(`${shownPath(file)}:${m[2]}:${m[3]}  ${m[5]} (${m[4]})`);
      found.set(slug, list);
    }
    return found;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

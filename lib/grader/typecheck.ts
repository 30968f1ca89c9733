// Type errors in a lab's files, as warnings beside the grade (never points):
// `const n: number = "str"` runs, and may even pass a test, but it is a bug
// waiting to happen. One tsc run checks every graded lab's files at once,
// started with the tests at a lower priority so it takes no CPU they need;
// the grade is shown as soon as the tests are done, the warnings when they are.
// Files checked before, unchanged, are not checked again (a cache by content).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labDir, type Lab } from '../course.ts';
import { kitPath, shownPath } from '../paths.ts';
import { privateTmpDir } from '../harness/private-dir.ts';

/** The lab folders' .ts files, checked as the kit checks its own code (its tsconfig.json), plus Node's types. */
function tsconfig(files: string[]): object {
  const kit = JSON.parse(readFileSync(kitPath('tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
  return {
    compilerOptions: { ...kit.compilerOptions, noEmit: true, typeRoots: [kitPath('node_modules', '@types')], types: ['node'] },
    files,
  };
}

/** tsc runs under way, so a command that exits early can stop them (stopTypeChecks). */
const running = new Set<import('node:child_process').ChildProcess>();

/** Stop every type check still running in this process. */
export function stopTypeChecks(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** This user's own folder (private-dir.ts): no other user can plant a result or a link in it. */
const CACHE = () => privateTmpDir('socket-kit-types');

/** A tsc error line: "path(line,col): error TSnnnn: message". */
const ERROR_RE = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/;

/**
 * Type errors per lab slug, as "labs/02-tcp-echo/server.ts:12:7  Type 'string' is not assignable to type 'number'. (TS2322)".
 * Resolves with an empty map when there is nothing to check or tsc cannot run.
 */
export async function typeErrors(labs: Lab[], target: string, timeoutMs = 300_000): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  // A folder several labs grow (labs/mail/) is checked once; its errors go to each of those labs.
  const dirs = new Map<string, string[]>();
  for (const l of labs) dirs.set(labDir(target, l), [...(dirs.get(labDir(target, l)) ?? []), l.slug]);
  const files = [...dirs.keys()].flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.ts')).map((f) => path.join(d, f)) : []));
  if (files.length === 0) return found;
  const config = tsconfig(files);
  const key = createHash('sha1').update(JSON.stringify(config)).update(readFileSync(kitPath('node_modules', 'typescript', 'package.json')));
  for (const f of files) key.update(f).update('\0').update(readFileSync(f)).update('\0');
  const cacheDir = CACHE();
  const cached = cacheDir && path.join(cacheDir, `${key.digest('hex')}.json`);
  try {
    if (cached) return new Map(JSON.parse(readFileSync(cached, 'utf8')) as [string, string[]][]);
  } catch {
    /* not checked before */
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-types-'));
  try {
    writeFileSync(path.join(tmp, 'tsconfig.json'), JSON.stringify(config));
    const configFile = path.join(tmp, 'tsconfig.json');
    let finished = false;
    const out = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [kitPath('node_modules', 'typescript', 'bin', 'tsc'), '-p', configFile, '--pretty', 'false'], { cwd: tmp, stdio: ['ignore', 'pipe', 'ignore'] });
      running.add(child);
      try {
        os.setPriority(child.pid!, 10); // behind the tests: they are what a student waits for
      } catch {
        /* not allowed here: it runs at the usual priority */
      }
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text = (text + c.toString()).slice(-200_000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code) => {
        running.delete(child);
        clearTimeout(timer);
        finished = code === 0 || code === 1 || code === 2; // no errors, or errors found
        resolve(text);
      });
      child.on('error', () => resolve(''));
    });
    for (const line of out.split('\n')) {
      const m = ERROR_RE.exec(line.trim());
      if (!m) continue;
      const file = path.resolve(tmp, m[1]!);
      const slugs = dirs.get(path.dirname(file));
      if (!slugs) continue; // in a file outside the lab folders (a type package): not the student's
      for (const slug of slugs) {
        const list = found.get(slug) ?? [];
        if (list.length < 20) list.push(`${shownPath(file)}:${m[2]}:${m[3]}  ${m[5]} (${m[4]})`);
        found.set(slug, list);
      }
    }
    if (finished && cached) {
      writeFileSync(`${cached}.${process.pid}`, JSON.stringify([...found]));
      renameSync(`${cached}.${process.pid}`, cached);
    }
    return found;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

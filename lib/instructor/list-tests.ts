// Lists graded tests by name and points without running them (`vitest list`
// imports the files; nothing starts): for the handout, Classroom and Gradescope.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labTestPaths, type Lab } from '../course.ts';
import { KIT_ROOT, kitPath } from '../paths.ts';
import { POINTS_RE } from '../harness/lab-test.ts';

export interface ListedTest {
  slug: string;
  name: string;
  points: number;
  file: string;
}

/** `vitest list` the given test files of each lab (it imports them; nothing runs). */
export async function listTests(labs: Lab[], filesOf: (lab: Lab) => string[] = (l) => labTestPaths(l)): Promise<ListedTest[]> {
  const bySlug = new Map<string, string>();
  for (const lab of labs) for (const f of filesOf(lab)) bySlug.set(path.resolve(f), lab.slug);
  if (bySlug.size === 0) return [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-list-'));
  const out = path.join(tmp, 'list.json');
  try {
    let err = '';
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [kitPath('node_modules/vitest/vitest.mjs'), 'list', ...bySlug.keys(), `--json=${out}`], {
        cwd: KIT_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, FORCE_COLOR: '0', SOCKET_KIT_PROOFS: '' }, // the labs' tests, even when a proof lists them (vitest.config.ts)
      });
      child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    if (code !== 0 || !existsSync(out)) throw new Error(`could not list the tests (vitest list exited ${code}): ${err.trim()}`);
    const listed = JSON.parse(readFileSync(out, 'utf8')) as { name: string; file: string }[];
    return listed
      .filter((t) => bySlug.has(path.resolve(t.file)))
      .map((t) => {
        const m = POINTS_RE.exec(t.name);
        return { slug: bySlug.get(path.resolve(t.file))!, name: t.name.replace(POINTS_RE, ''), points: m ? Number(m[1]) : 0, file: path.resolve(t.file) };
      });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

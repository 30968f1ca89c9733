// Hidden tests: test/hidden/<slug>.test.ts (and <slug>.<part>.test.ts), written
// like test/labs/*, graded only when the instructor grades. The handout ships
// no hidden test, only hidden-tests.json: how many there are per lab and what
// they are worth, so a student knows they exist without seeing them.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labTestPaths, type Lab } from '../course.ts';
import { KIT_ROOT, kitPath } from '../paths.ts';
import { POINTS_RE } from '../harness/lab-test.ts';

export const HIDDEN_DIR = () => kitPath('test', 'hidden');
/** The file the handout carries instead of the hidden tests. */
export const HIDDEN_MANIFEST = 'hidden-tests.json';

export const hiddenTestPaths = (lab: Lab): string[] => labTestPaths(lab, HIDDEN_DIR());

export interface ListedTest {
  slug: string;
  name: string;
  points: number;
}

export type HiddenManifest = Record<string, { tests: number; points: number }>;

/**
 * The hidden tests of some labs, by name and points, without running them
 * (`vitest list` only imports the files). Names are what runLabTests reports.
 */
export async function listHiddenTests(labs: Lab[]): Promise<ListedTest[]> {
  const bySlug = new Map<string, string>();
  for (const lab of labs) for (const f of hiddenTestPaths(lab)) bySlug.set(path.resolve(f), lab.slug);
  if (bySlug.size === 0) return [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-list-'));
  const out = path.join(tmp, 'list.json');
  try {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [kitPath('node_modules/vitest/vitest.mjs'), 'list', ...bySlug.keys(), `--json=${out}`], {
        cwd: KIT_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, FORCE_COLOR: '0' },
      });
      let err = '';
      child.stderr!.on('data', (c: Buffer) => (err = (err + c).slice(-2000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        if (c !== 0) console.error(err);
        resolve(c);
      });
    });
    if (code !== 0 || !existsSync(out)) throw new Error(`could not list the hidden tests (vitest list exited ${code})`);
    const listed = JSON.parse(readFileSync(out, 'utf8')) as { name: string; file: string }[];
    return listed
      .filter((t) => bySlug.has(path.resolve(t.file)))
      .map((t) => {
        const m = POINTS_RE.exec(t.name);
        return { slug: bySlug.get(path.resolve(t.file))!, name: t.name.replace(POINTS_RE, ''), points: m ? Number(m[1]) : 0 };
      });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function manifestOf(labs: Lab[], hidden: ListedTest[]): HiddenManifest {
  const m: HiddenManifest = {};
  for (const lab of labs) {
    const mine = hidden.filter((t) => t.slug === lab.slug);
    if (mine.length) m[lab.slug] = { tests: mine.length, points: mine.reduce((s, t) => s + t.points, 0) };
  }
  return m;
}

/** The line a student's grader shows under a lab, from the handout's hidden-tests.json. */
export function hiddenNote(slug: string, root = KIT_ROOT): string | undefined {
  let m: HiddenManifest;
  try {
    m = JSON.parse(readFileSync(path.join(root, HIDDEN_MANIFEST), 'utf8')) as HiddenManifest;
  } catch {
    return undefined;
  }
  const h = m[slug];
  if (!h) return undefined;
  return `  + ${h.tests} hidden test${h.tests === 1 ? '' : 's'} worth ${h.points} pt${h.points === 1 ? '' : 's'}, graded by your instructor (not shown here).`;
}

/** Split a lab's results into the public tests and the hidden ones (by name: names are unique per lab). */
export function isHidden(hidden: ListedTest[], slug: string, name: string): boolean {
  return hidden.some((h) => h.slug === slug && h.name === name);
}

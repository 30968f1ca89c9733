// Hidden tests: test/hidden/<slug>.test.ts (and <slug>.<part>.test.ts), written
// like test/labs/*, graded only when the instructor grades. The handout ships
// no hidden test, only hidden-tests.json: how many there are per lab and what
// they are worth, so a student knows they exist without seeing them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { labTestPaths, type Lab } from '../course.ts';
import { KIT_ROOT, kitPath } from '../paths.ts';
import { listTests, type ListedTest } from './list-tests.ts';

export type { ListedTest };

export const HIDDEN_DIR = () => kitPath('test', 'hidden');
/** The file the handout carries instead of the hidden tests. */
export const HIDDEN_MANIFEST = 'hidden-tests.json';

export const hiddenTestPaths = (lab: Lab): string[] => labTestPaths(lab, HIDDEN_DIR());

export type HiddenManifest = Record<string, { tests: number; points: number }>;

/** The hidden tests of some labs, by name and points (names are what runLabTests reports). */
export const listHiddenTests = (labs: Lab[]): Promise<ListedTest[]> => listTests(labs, hiddenTestPaths);

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

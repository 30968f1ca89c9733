// Hidden tests: test/hidden/<slug>.test.ts (and <slug>.<part>.test.ts), written
// like test/labs/*, graded only when the instructor grades. The handout ships
// no hidden test, only hidden-tests.json: how many there are per lab and what
// they are worth, so a student knows they exist without seeing them.
import { labTestPaths, type Lab } from '../course.ts';
import { HIDDEN_MANIFEST, type HiddenManifest } from '../grader/hidden-note.ts';
import { kitPath } from '../paths.ts';
import { listTests, type ListedTest } from './list-tests.ts';

export type { ListedTest };
export { HIDDEN_MANIFEST, type HiddenManifest };

export const HIDDEN_DIR = () => kitPath('test', 'hidden');

export const hiddenTestPaths = (lab: Lab): string[] => labTestPaths(lab, HIDDEN_DIR());

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

/** Split a lab's results into the public tests and the hidden ones (by name: names are unique per lab). */
export function isHidden(hidden: Pick<ListedTest, 'slug' | 'name'>[], slug: string, name: string): boolean {
  return hidden.some((h) => h.slug === slug && h.name === name);
}

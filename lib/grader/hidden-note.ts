// What a student learns of the hidden tests: how many there are per lab and
// what they are worth, from the handout's hidden-tests.json. Never their names.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { KIT_ROOT } from '../paths.ts';

/** The file a handout carries instead of the hidden tests. */
export const HIDDEN_MANIFEST = 'hidden-tests.json';

export type HiddenManifest = Record<string, { tests: number; points: number }>;

/** The line the student grader shows under a lab, if its handout announces hidden tests. */
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

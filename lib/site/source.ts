// The course as the site sees it: course.json, the lessons on disk and, for
// the live site only, the student's remembered grades (via the course map).
import { course } from '../course.ts';
import { courseRows } from '../course-map.ts';
import { KIT_ROOT } from '../paths.ts';
import type { SiteSource } from './site.ts';

export function kitSource(live: boolean): SiteSource {
  const rows = courseRows();
  return {
    title: course().title,
    root: KIT_ROOT,
    // The static copy is hosted for a whole class: it must not carry the builder's grades.
    rows: live ? rows : rows.map((r) => ({ ...r, last: undefined, done: false })),
    live,
  };
}

// The one manifest of the course: course.json lists the labs in order.
// The grader, the course map, the site and the handout all read it from here.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { kitPath } from './paths.ts';

export interface Hint {
  /** Tests name a hint by id when a failure is the kind it helps with. */
  id: string;
  text: string;
}

export interface Lab {
  /** The key that ties lesson, lab, solution and tests: `01-udp-echo`. */
  slug: string;
  title: string;
  /** One line: what the student builds. */
  summary: string;
  /** The files a student edits, relative to the lab folder. */
  files: string[];
  /** Ordered from a nudge to nearly the answer. */
  hints: Hint[];
}

export interface Course {
  title: string;
  labs: Lab[];
}

let cached: Course | undefined;
let cachedMtime = 0;

/** The manifest, re-read when the file changes (a long-running `npm start` sees new labs). */
export function course(): Course {
  const mtime = statSync(kitPath('course.json')).mtimeMs;
  if (!cached || mtime !== cachedMtime) {
    cachedMtime = mtime;
    const raw = JSON.parse(readFileSync(kitPath('course.json'), 'utf8')) as Course;
    const seen = new Set<string>();
    for (const lab of raw.labs) {
      if (!/^\d\d-[a-z0-9-]+$/.test(lab.slug)) throw new Error(`course.json: bad slug '${lab.slug}'`);
      if (seen.has(lab.slug)) throw new Error(`course.json: slug '${lab.slug}' listed twice`);
      seen.add(lab.slug);
      for (const h of lab.hints) if (!h.id || !h.text) throw new Error(`course.json: ${lab.slug} has a hint without id or text`);
    }
    cached = raw;
  }
  return cached;
}

export function labs(): Lab[] {
  return course().labs;
}

export function findLab(slug: string): Lab {
  const lab = labs().find((l) => l.slug === slug);
  if (!lab) throw new Error(`no lab '${slug}' in course.json`);
  return lab;
}

/**
 * Resolve what a user typed ("01", "1", "udp", "01-udp-echo") to labs.
 * Throws with the list of labs when nothing matches.
 */
export function resolveLabs(words: string[]): Lab[] {
  if (words.length === 0) return labs();
  return words.map((w) => {
    const n = /^\d+$/.test(w) ? w.padStart(2, '0') : undefined;
    const match = labs().filter((l) => (n ? l.slug.startsWith(n + '-') : l.slug === w || l.slug.includes(w)));
    if (match.length !== 1) {
      const list = labs().map((l) => `  ${l.slug}`).join('\n');
      throw new Error(`'${w}' ${match.length ? 'matches several labs' : 'is not a lab'}. The labs are:\n${list}`);
    }
    return match[0]!;
  });
}

export const lessonPath = (lab: Lab) => kitPath('lessons', `${lab.slug}.md`);
/** A lab's graded test files: test/labs/<slug>.test.ts and test/labs/<slug>.<part>.test.ts. */
export function labTestPaths(lab: Lab, dir = kitPath('test', 'labs')): string[] {
  if (!existsSync(dir)) return [];
  const re = new RegExp(`^${lab.slug}(\\.[\\w-]+)?\\.test\\.ts$`);
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

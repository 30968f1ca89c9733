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
  /**
   * The lab's folder under labs/, solutions/ or a graded target, when it is not
   * the slug: labs that grow one program share one (the POP3 labs: "mail").
   * Read it through labFolder(), never directly.
   */
  folder?: string;
}

export interface Course {
  title: string;
  labs: Lab[];
}

let cached: Course | undefined;
let cachedMtime = 0;

/** Check a manifest's shape; throws with what is wrong. */
export function checkCourse(raw: Course): Course {
  const seen = new Set<string>();
  const names = new Set<string>();
  for (const lab of raw.labs) {
    if (!/^\d\d-[a-z0-9-]+$/.test(lab.slug)) throw new Error(`course.json: bad slug '${lab.slug}'`);
    if (seen.has(lab.slug)) throw new Error(`course.json: slug '${lab.slug}' listed twice`);
    seen.add(lab.slug);
    // Tools and tests name labs without their numbers: two labs may not share a name.
    if (names.has(labName(lab))) throw new Error(`course.json: two labs are named '${labName(lab)}'`);
    names.add(labName(lab));
    for (const h of lab.hints) if (!h.id || !h.text) throw new Error(`course.json: ${lab.slug} has a hint without id or text`);
    if (lab.folder !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(lab.folder)) throw new Error(`course.json: ${lab.slug} has a bad folder '${lab.folder}'`);
  }
  // Labs sharing a folder are the stages of one program: they follow each other.
  const folders = raw.labs.map(labFolder);
  folders.forEach((f, i) => {
    if (i > 0 && folders[i - 1] !== f && folders.indexOf(f) < i) throw new Error(`course.json: the labs in folder '${f}' are not listed one after another`);
  });
  return raw;
}

/** The manifest, re-read when the file changes (a long-running `npm start` sees new labs). */
export function course(): Course {
  const mtime = statSync(kitPath('course.json')).mtimeMs;
  if (!cached || mtime !== cachedMtime) {
    cachedMtime = mtime;
    cached = checkCourse(JSON.parse(readFileSync(kitPath('course.json'), 'utf8')) as Course);
  }
  return cached;
}

export function labs(): Lab[] {
  return course().labs;
}

/** The lab's name: its slug without the number ("udp-echo"), which stays when labs are renumbered. */
export function labName(lab: Lab): string {
  return lab.slug.replace(/^\d\d-/, '');
}

/** A lab by slug ("01-udp-echo") or by name ("udp-echo"): code that names a lab uses the name. */
export function findLab(slugOrName: string): Lab {
  const lab = labs().find((l) => l.slug === slugOrName || labName(l) === slugOrName);
  if (!lab) throw new Error(`no lab '${slugOrName}' in course.json`);
  return lab;
}

/**
 * The folder a lab's files live in, under labs/, solutions/ or any graded
 * target: course.json's "folder", else the slug. Every tool that joins a root
 * with a lab goes through here (or labDir).
 */
export function labFolder(lab: Lab): string {
  return lab.folder ?? lab.slug;
}

/** `root`/<the lab's folder>. */
export const labDir = (root: string, lab: Lab) => path.join(root, labFolder(lab));

/** Each folder once, in course order, for the given labs. */
export function labFolders(list: Lab[]): string[] {
  return [...new Set(list.map(labFolder))];
}

/**
 * The stages of the program this lab grows: every lab sharing its folder, in
 * course order (just [lab] for a lab with a folder of its own).
 */
export function stagesOf(lab: Lab): Lab[] {
  return labs().filter((l) => labFolder(l) === labFolder(lab));
}

/** The stages before this one in its folder: their tests still run when it is graded. */
export function earlierStages(lab: Lab): Lab[] {
  const all = stagesOf(lab);
  return all.slice(0, all.findIndex((l) => l.slug === lab.slug));
}

/**
 * The labs to grade for the labs asked for: each with the earlier stages of
 * its folder before it (regression checks, each counted in its own lab), in
 * course order, each once.
 */
export function withEarlierStages(asked: Lab[]): Lab[] {
  const want = new Set(asked.flatMap((l) => [...earlierStages(l), l]).map((l) => l.slug));
  return labs().filter((l) => want.has(l.slug));
}

/**
 * Resolve what a user typed ("01", "1", "udp", "01-udp-echo") to labs.
 * Throws with the list of labs when nothing matches.
 */
export function resolveLabs(words: string[]): Lab[] {
  if (words.length === 0) return labs();
  return words.map((w) => {
    const n = /^\d+$/.test(w) ? w.padStart(2, '0') : undefined;
    const exact = labs().filter((l) => l.slug === w || labName(l) === w);
    const match = exact.length ? exact : labs().filter((l) => (n ? l.slug.startsWith(n + '-') : l.slug.includes(w)));
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

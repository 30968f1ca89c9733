// The whole site as a map from path to page, rendered from the course as it
// is on disk right now. The dev server renders it per request (new lessons
// and grades show up on reload); the static build writes it to a folder.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labFolder } from '../course.ts';
import type { MapRow } from '../course-map.ts';
import { renderCode } from './highlight.ts';
import { renderLesson, type RenderedLesson } from './markdown.ts';
import { dashboardPage, filePage, lessonPage, notFoundPage, splitTitle, type SiteInfo } from './pages.ts';
import { PAGE_IDS, fileUrl, lessonUrl, mediaUrl, rootFrom } from './urls.ts';

export interface SiteSource {
  /** course.json's title. */
  title: string;
  /** The kit's root: lessons/ and labs/ live here. */
  root: string;
  /** The labs in course.json order, with their lesson file and (live only) last grade. */
  rows: MapRow[];
  /** true for `npm start` (the student's grades), false for the static build. */
  live: boolean;
}

export interface SitePage {
  type: string;
  body: string | Buffer;
}

export interface Problem {
  kind: 'missing-lesson' | 'link';
  message: string;
}

export interface BuiltSite {
  /** Keyed by path from the site root, not URL-encoded: 'index.html', 'files/labs/01-udp-echo/server.ts.html'. */
  pages: Map<string, SitePage>;
  problems: Problem[];
  /** Every file the pages were made from (or would be, once it exists): the server rebuilds when one changes. */
  inputs: string[];
}

const ASSET_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');

export const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};
const typeOf = (p: string) => TYPES[path.extname(p).toLowerCase()] ?? 'application/octet-stream';

const LANG_BY_EXT: Record<string, string> = { '.ts': 'ts', '.mts': 'ts', '.js': 'js', '.mjs': 'js', '.c': 'c', '.h': 'c', '.json': 'json', '.sh': 'bash' };

const decode = (url: string) => url.split('/').map(decodeURIComponent).join('/');

export function buildSite(src: SiteSource): BuiltSite {
  const { name, tagline } = splitTitle(src.title);
  const site: SiteInfo = { name, tagline, live: src.live };
  const pages = new Map<string, SitePage>();
  const problems: Problem[] = [];
  const lessonFile = (slug: string) => path.join(src.root, 'lessons', `${slug}.md`);
  const lessonSlugs = new Map(src.rows.map((r) => [lessonFile(r.lab.slug), r.lab.slug] as const));

  const inputs = new Set<string>();
  const rendered = new Map<string, RenderedLesson>();
  const perLesson = new Map<string, string[]>();
  for (const row of src.rows) {
    const file = lessonFile(row.lab.slug);
    perLesson.set(row.lab.slug, []);
    inputs.add(file);
    if (!existsSync(file)) {
      problems.push({
        kind: 'missing-lesson',
        message: `lessons/${row.lab.slug}.md is missing: course.json lists lab ${row.lab.slug} (${row.lab.title}) but its lesson is not written`,
      });
      continue;
    }
    const lesson = renderLesson(readFileSync(file, 'utf8'), { file, root: src.root, lessonSlugs });
    rendered.set(row.lab.slug, lesson);
    for (const f of [...lesson.files, ...lesson.media, ...lesson.diagrams]) inputs.add(f);
    perLesson.get(row.lab.slug)!.push(...lesson.problems);
  }
  // Links into other lessons are checked once every lesson's headings are known.
  for (const [slug, lesson] of rendered) {
    for (const link of lesson.lessonLinks) {
      const target = rendered.get(link.slug);
      if (link.anchor && target && !target.ids.has(link.anchor) && !PAGE_IDS.includes(link.anchor)) {
        perLesson.get(slug)!.push(`lessons/${slug}.md: broken link '${link.href}': lessons/${link.slug}.md has no heading with id '${link.anchor}'`);
      }
    }
  }
  for (const list of perLesson.values()) for (const message of list) problems.push({ kind: 'link', message });

  // Kit files a page links to: those the lessons name, and every lab's files to edit.
  const files = new Set<string>();
  for (const lesson of rendered.values()) for (const f of lesson.files) files.add(f);
  for (const row of src.rows) for (const f of row.lab.files) {
    const abs = path.join(src.root, 'labs', labFolder(row.lab), f);
    inputs.add(abs);
    if (existsSync(abs)) files.add(abs);
  }
  const fileLinks = new Map<string, string>();
  for (const abs of files) {
    const rel = path.relative(src.root, abs).split(path.sep).join('/');
    const url = fileUrl(rel);
    fileLinks.set(rel, url);
    const key = decode(url);
    const text = readFileSync(abs, 'utf8');
    const code = renderCode(text, LANG_BY_EXT[path.extname(abs)] ?? 'text');
    const owner = src.rows.find((r) => rel.startsWith(`labs/${labFolder(r.lab)}/`));
    const back = owner && { url: lessonUrl(owner.lab.slug), title: `Lab ${owner.lab.slug.slice(0, 2)}: ${owner.lab.title}` };
    pages.set(key, { type: TYPES['.html']!, body: filePage(site, rel, code, key, rootFrom(key), back) });
  }
  for (const lesson of rendered.values()) for (const abs of lesson.media) {
    pages.set(decode(mediaUrl(path.relative(src.root, abs))), { type: typeOf(abs), body: readFileSync(abs) });
  }

  pages.set('index.html', { type: TYPES['.html']!, body: dashboardPage(src.rows, site, src.title) });
  src.rows.forEach((row, index) => {
    const body = lessonPage({
      site,
      rows: src.rows,
      index,
      lesson: rendered.get(row.lab.slug),
      problems: src.live ? perLesson.get(row.lab.slug)! : [],
      fileLinks,
    });
    pages.set(lessonUrl(row.lab.slug), { type: TYPES['.html']!, body });
  });
  pages.set('404.html', { type: TYPES['.html']!, body: notFoundPage(site, '') });
  for (const f of readdirSync(ASSET_DIR)) {
    inputs.add(path.join(ASSET_DIR, f));
    pages.set(`assets/${f}`, { type: typeOf(f), body: readFileSync(path.join(ASSET_DIR, f)) });
  }
  return { pages, problems, inputs: [...inputs] };
}

/** The 404 page for the server, whose links must work from any depth. */
export function notFoundFor(src: SiteSource): string {
  const { name, tagline } = splitTitle(src.title);
  return notFoundPage({ name, tagline, live: src.live }, '/');
}

/** One line per problem, for a build failure or the dev server's log. */
export const describeProblems = (problems: Problem[]) => problems.map((p) => `  - ${p.message}`).join('\n');


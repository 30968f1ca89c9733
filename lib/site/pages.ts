// The page templates: the layout every page shares, the dashboard, a lesson
// (or a lab whose lesson is still coming), a kit file, and "not found".
import { labFolder } from '../course.ts';
import type { MapRow } from '../course-map.ts';
import { nextLab } from '../course-map.ts';
import { html, raw, type Html } from './html.ts';
import { gradeBadge, gradeCommand, gradeReport, scoreBar, shownTime } from './grade-report.ts';
import type { RenderedLesson, TocEntry } from './markdown.ts';
import { lessonUrl } from './urls.ts';

export interface SiteInfo {
  /** "Socket Kit" */
  name: string;
  /** "network programming in TypeScript on Node.js" */
  tagline: string;
  /** Live (npm start): shows the student's grades. Static (build:site): no grades, nothing personal. */
  live: boolean;
}

/** Live pages carry this tag; the server that serves them fills in its token for site.js. */
export const LIVE_META = '<meta name="socket-kit-live">';

export function splitTitle(title: string): { name: string; tagline: string } {
  const at = title.indexOf(':');
  return at < 0 ? { name: title, tagline: '' } : { name: title.slice(0, at).trim(), tagline: title.slice(at + 1).trim() };
}

interface LayoutArgs {
  site: SiteInfo;
  /** Relative path back to the site root from this page: '' or '../../'. */
  root: string;
  title: string;
  main: Html;
  aside?: Html;
  prev?: string;
  next?: string;
  bodyClass: string;
}

export function layout(a: LayoutArgs): string {
  const r = a.root;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${a.site.live ? raw(LIVE_META) : ''}
<title>${a.title}</title>
<link rel="stylesheet" href="${r}assets/site.css">
<link rel="icon" href="${r}assets/favicon.svg" type="image/svg+xml">
${a.prev ? html`<link rel="prev" href="${r}${a.prev}">` : ''}${a.next ? html`<link rel="next" href="${r}${a.next}">` : ''}
<script src="${r}assets/site.js" defer></script>
</head>
<body class="${a.bodyClass}">
<a class="skip" href="#content">Skip to content</a>
<header class="site-header">
<a class="brand" href="${r}index.html"><span class="logo" aria-hidden="true">⇄</span> ${a.site.name}</a>
<nav aria-label="Site"><a href="${r}index.html">All lessons</a></nav>
</header>
<div class="page${a.aside ? ' with-aside' : ''}">
${a.aside ?? ''}
<main id="content" tabindex="-1">
${a.main}
</main>
</div>
<footer class="site-footer"><p>${a.site.name} — ${a.site.tagline}. ${a.site.live ? 'Served by npm start from your copy of the kit.' : 'Grade your labs with npm run grade in your copy of the kit.'}</p></footer>
</body>
</html>
`.text;
}

const labNo = (slug: string) => slug.slice(0, 2);

function nextStep(rows: MapRow[], site: SiteInfo): Html {
  const next = nextLab(rows);
  if (!next) {
    return html`<section class="next-step done" aria-labelledby="next-h"><h2 id="next-h">Every lab is at full marks</h2><p>Well done. Try the real mail clients against your POP3 server, or read the RFCs end to end.</p></section>`;
  }
  const lab = next.lab;
  const heading = site.live && rows.some((r) => r.last) ? 'Your next step' : 'Start here';
  return html`<section class="next-step" aria-labelledby="next-h">
<h2 id="next-h">${heading}: lab ${labNo(lab.slug)}, ${lab.title}</h2>
${next.last ? html`<p>Last grade ${gradeBadge(next.last)}. <a href="${lessonUrl(lab.slug)}#last-grade">See what went wrong</a>.</p>` : ''}
<ol class="steps">
<li><span class="step-verb">1. Read</span> <span><a href="${lessonUrl(lab.slug)}">${next.lesson ? 'the lesson' : 'the lab (lesson coming soon)'}: ${lab.title}</a></span></li>
<li><span class="step-verb">2. Edit</span> <span class="step-files">${lab.files.map((f) => html`<code>labs/${labFolder(lab)}/${f}</code>`)}</span></li>
<li><span class="step-verb">3. Grade</span> <span>${commandBox(gradeCommand(lab.slug))}</span></li>
</ol>
</section>`;
}

export function commandBox(cmd: string): Html {
  return html`<span class="cmd"><code>${cmd}</code><button type="button" class="copy" data-copy="${cmd}" hidden>Copy</button></span>`;
}

export function dashboardPage(rows: MapRow[], site: SiteInfo, title: string): string {
  const done = rows.filter((r) => r.done).length;
  const main = html`<div class="hero">
<h1>${site.name}</h1>
<p class="lede">${site.tagline ? site.tagline[0]!.toUpperCase() + site.tagline.slice(1) : title}: from a first UDP datagram to a POP3 server that real mail clients use. Read a lesson, make its lab's tests pass, see your grade.</p>
${site.live ? html`<p class="progress-line"><strong>${done}</strong> of ${rows.length} labs at full marks</p>` : ''}
</div>
${nextStep(rows, site)}
<section aria-labelledby="lessons-h">
<h2 id="lessons-h">The lessons</h2>
<ol class="labs">
${rows.map((r) => html`<li class="lab-card${r.lesson ? '' : ' coming'}${r.done ? ' done' : ''}" data-lab="${r.lab.slug}">
<span class="lab-no" aria-hidden="true">${labNo(r.lab.slug)}</span>
<div class="lab-body">
<h3><a href="${lessonUrl(r.lab.slug)}"><span class="visually-hidden">Lab ${labNo(r.lab.slug)}: </span>${r.lab.title}</a>${r.lesson ? '' : html` <span class="tag">lesson coming</span>`}</h3>
<p>${r.lab.summary}</p>
</div>
<div class="lab-grade">${site.live ? html`${gradeBadge(r.last)}${scoreBar(r.last)}${r.last ? html`<span class="muted small">graded ${shownTime(r.last.gradedAt)}</span>` : ''}` : html`<code class="small">${gradeCommand(r.lab.slug)}</code>`}</div>
</li>`)}
</ol>
</section>`;
  return layout({ site, root: '', title: `${site.name}: the course`, main, bodyClass: 'home' });
}

function tocNav(toc: TocEntry[]): Html {
  return html`<aside class="toc-wrap"><details class="toc" open>
<summary>On this page</summary>
<nav aria-label="On this page"><ol>
${toc.map((e) => html`<li class="d${e.depth}"><a href="#${e.id}">${e.text}</a></li>`)}
<li class="d2"><a href="#task">Your task</a></li>
<li class="d2"><a href="#last-grade">Your last grade</a></li>
</ol></nav>
</details></aside>`;
}

function taskBox(row: MapRow, fileLinks: Map<string, string>): Html {
  const lab = row.lab;
  return html`<section id="task" class="task" aria-labelledby="task-h">
<h2 id="task-h">Your task</h2>
<p>${lab.summary}</p>
<dl>
<dt>Edit</dt>
<dd><ul class="files">${lab.files.map((f) => {
    const rel = `labs/${labFolder(lab)}/${f}`;
    const url = fileLinks.get(rel);
    return html`<li>${url ? html`<a href="${url}"><code>${rel}</code></a>` : html`<code>${rel}</code>`}</li>`;
  })}</ul></dd>
<dt>Grade</dt>
<dd>${commandBox(gradeCommand(lab.slug))}</dd>
</dl>
${lab.hints.length ? html`<details class="hints"><summary>Stuck? ${lab.hints.length} hint${lab.hints.length === 1 ? '' : 's'}, from a nudge to nearly the answer</summary>
<ol>${lab.hints.map((h, i) => html`<li><details><summary>Hint ${i + 1}</summary><p>${h.text}</p></details></li>`)}</ol>
</details>` : ''}
</section>`;
}

function pager(prev: MapRow | undefined, next: MapRow | undefined): Html {
  return html`<nav class="pager" aria-label="Previous and next lesson">
${prev ? html`<a class="prev" href="${lessonUrl(prev.lab.slug)}" rel="prev"><span class="muted small">← Previous</span><span>${labNo(prev.lab.slug)} ${prev.lab.title}</span></a>` : html`<a class="prev" href="index.html"><span class="muted small">← Back to</span><span>All lessons</span></a>`}
${next ? html`<a class="next" href="${lessonUrl(next.lab.slug)}" rel="next"><span class="muted small">Next →</span><span>${labNo(next.lab.slug)} ${next.lab.title}</span></a>` : html`<a class="next" href="index.html"><span class="muted small">Done? →</span><span>All lessons</span></a>`}
</nav>`;
}

export interface LessonPageArgs {
  site: SiteInfo;
  rows: MapRow[];
  index: number;
  lesson: RenderedLesson | undefined;
  /** Problems with this lesson, shown on the page in the live site so authors see them. */
  problems: string[];
  fileLinks: Map<string, string>;
}

export function lessonPage(a: LessonPageArgs): string {
  const row = a.rows[a.index]!;
  const prev = a.rows[a.index - 1];
  const next = a.rows[a.index + 1];
  const lab = row.lab;
  // One heading style for every lesson, from course.json: whatever a lesson's own first line says, it is not shown twice.
  const main = html`<p class="eyebrow">Lab ${labNo(lab.slug)} of ${String(a.rows.length).padStart(2, '0')}</p>
<h1>${lab.title}</h1>
${a.site.live ? html`<p class="status" data-lab="${lab.slug}">Your last grade: ${gradeBadge(row.last)} <a href="#last-grade">${row.last ? 'see the report' : 'how to grade'}</a> <button type="button" class="grade-now small" data-lab="${lab.slug}" hidden>Grade now</button></p>` : ''}
${a.problems.length ? html`<div class="problems" role="note"><p><strong>This lesson has problems that will fail <code>npm run build:site</code>:</strong></p><ul>${a.problems.map((p) => html`<li>${p}</li>`)}</ul></div>` : ''}
${a.lesson ? html`<article class="prose">${raw(a.lesson.body)}</article>` : html`<div class="coming-note"><p><strong>The lesson for this lab is being written.</strong> The lab is ready: read its task below and the hints, then make its tests pass.</p></div>`}
${taskBox(row, a.fileLinks)}
${gradeReport(lab.slug, a.site.live ? row.last : undefined, a.site.live)}
${pager(prev, next)}`;
  return layout({
    site: a.site,
    root: '',
    title: `${labNo(lab.slug)} · ${lab.title} · ${a.site.name}`,
    main,
    aside: a.lesson ? tocNav(a.lesson.toc) : undefined,
    prev: prev ? lessonUrl(prev.lab.slug) : undefined,
    next: next ? lessonUrl(next.lab.slug) : undefined,
    bodyClass: 'lesson',
  });
}

/** `back`: the lesson of the lab this file belongs to, if any. */
export function filePage(site: SiteInfo, rel: string, code: Html, pagePath: string, root: string, back?: { url: string; title: string }): string {
  const main = html`${back ? html`<p class="back"><a href="${root}${back.url}#task">← ${back.title}</a></p>` : ''}<p class="eyebrow">A file in the kit</p>
<h1 class="file-title"><code>${rel}</code></h1>
<p class="muted">${site.live ? 'As it is now in your copy of the kit.' : 'As the kit ships it.'} Open it in your editor to change it.</p>
${code}`;
  return layout({ site, root, title: `${rel} · ${site.name}`, main, bodyClass: `file ${pagePath.endsWith('.md.html') ? 'md' : ''}`.trim() });
}

/** `root` is '/' when the server answers a missing path at any depth, '' in the static copy. */
export function notFoundPage(site: SiteInfo, root: string): string {
  const main = html`<h1>Page not found</h1><p>There is no such page in this course. <a href="${root}index.html">Go to the list of lessons</a>.</p>`;
  return layout({ site, root, title: `Not found · ${site.name}`, main, bodyClass: 'not-found' });
}

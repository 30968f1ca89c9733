// One lesson's Markdown to HTML with marked: highlighted code, C:/S:
// transcripts, inline SVG diagrams, RFC links, heading ids for the table of
// contents, and every relative link checked and rewritten to the site's URLs.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Marked, Renderer, type Tokens } from 'marked';
import { escapeHtml } from './html.ts';
import { renderCode } from './highlight.ts';
import { inlineDiagram, isDiagramPath, wireDiagram } from './diagrams.ts';
import { rfcLinks } from './rfc.ts';
import { PAGE_IDS, fileUrl, mediaUrl } from './urls.ts';

export interface TocEntry {
  depth: number;
  id: string;
  text: string;
}

/** A link to another lesson, checked once every lesson is rendered (its anchors are known then). */
export interface LessonLink {
  slug: string;
  anchor: string;
  href: string;
}

export interface RenderedLesson {
  /** The first `# heading`, or undefined when the lesson has none. */
  title: string | undefined;
  body: string;
  toc: TocEntry[];
  ids: Set<string>;
  lessonLinks: LessonLink[];
  /** Anchors this page links to on itself. */
  selfAnchors: string[];
  /** Kit files linked from the lesson (absolute paths), shown as source pages. */
  files: string[];
  /** Images (absolute paths) copied to media/. */
  media: string[];
  /** Diagram files inlined in the page. */
  diagrams: string[];
  problems: string[];
}

export interface LessonContext {
  /** Absolute path of the Markdown file. */
  file: string;
  root: string;
  /** Lesson file (absolute) → slug, for every lab in course.json. */
  lessonSlugs: Map<string, string>;
}

const SAFE_SCHEME = /^(https?|mailto):/i;
const ANY_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** `labs/01-udp-echo/server.ts` in backticks: a kit file worth a link to its page. */
const KIT_FILE = /^(?:labs|lib|test|bench)\/[\w./-]+\.(?:ts|c|h|json|md|sh|txt)$/;
/** Folders a hosted copy of the course must never expose. */
const PRIVATE = ['node_modules', '.git', '.socket-kit', 'solutions', 'site-dist'];

/** GitHub's heading ids, so links written for GitHub work here too. */
export function slugify(text: string): string {
  return text
    .toLowerCase()
    .trim()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const decodeEntities = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);

/** decodeURIComponent that does not throw on a stray '%'. */
const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export function renderLesson(md: string, ctx: LessonContext): RenderedLesson {
  const out: RenderedLesson = {
    title: undefined,
    body: '',
    toc: [],
    ids: new Set(),
    lessonLinks: [],
    selfAnchors: [],
    files: [],
    media: [],
    diagrams: [],
    problems: [],
  };
  const where = path.relative(ctx.root, ctx.file);
  const problem = (msg: string) => out.problems.push(`${where}: ${msg}`);
  const idCounts = new Map<string, number>();
  let inLink = 0;
  let figures = 0; // numbers the drawn conversations, whose ids must be unique on the page

  /** Where a relative link leads on the site, or undefined (and a problem) when it leads nowhere. */
  function resolve(href: string, label: string): string | undefined {
    if (href.startsWith('#')) {
      out.selfAnchors.push(decode(href.slice(1)));
      return href;
    }
    if (href.startsWith('/')) {
      problem(`link '${label}' → '${href}' starts with '/': write it relative to the lesson (e.g. ../labs/…)`);
      return undefined;
    }
    const hashAt = href.indexOf('#');
    const rel = decode(hashAt < 0 ? href : href.slice(0, hashAt));
    const anchor = hashAt < 0 ? '' : decode(href.slice(hashAt + 1));
    const abs = path.resolve(path.dirname(ctx.file), rel);
    const fromRoot = path.relative(ctx.root, abs);
    if (fromRoot.startsWith('..') || path.isAbsolute(fromRoot)) {
      problem(`link '${label}' → '${href}' leaves the kit`);
      return undefined;
    }
    const slug = ctx.lessonSlugs.get(abs);
    if (slug) {
      out.lessonLinks.push({ slug, anchor, href });
      return `${slug}.html${anchor ? '#' + encodeURIComponent(anchor) : ''}`;
    }
    if (PRIVATE.includes(fromRoot.split(path.sep)[0]!)) {
      problem(`link '${label}' → '${href}' points into ${fromRoot.split(path.sep)[0]}/, which the course site does not publish`);
      return undefined;
    }
    if (!existsSync(abs)) {
      problem(`broken link '${label}' → '${href}': no such file ${fromRoot}`);
      return undefined;
    }
    if (abs.endsWith('.md') && path.dirname(abs) === path.join(ctx.root, 'lessons')) {
      problem(`link '${label}' → '${href}': ${fromRoot} is not a lesson listed in course.json`);
      return undefined;
    }
    if (statSync(abs).isDirectory()) {
      problem(`link '${label}' → '${href}' is a folder: link a file in it instead`);
      return undefined;
    }
    out.files.push(abs);
    return fileUrl(fromRoot);
  }

  const marked = new Marked({ gfm: true });
  marked.use({
    renderer: {
      heading({ tokens, depth }: Tokens.Heading) {
        const inner = this.parser.parseInline(tokens);
        const text = decodeEntities(this.parser.parseInline(tokens, this.parser.textRenderer));
        if (depth === 1 && out.title === undefined) {
          out.title = text;
          return ''; // the page header shows the title
        }
        const base = slugify(text) || 'section';
        const n = idCounts.get(base) ?? 0;
        idCounts.set(base, n + 1);
        const id = n ? `${base}-${n}` : base;
        out.ids.add(id);
        if (depth === 2 || depth === 3) out.toc.push({ depth, id, text });
        return `<h${depth} id="${escapeHtml(id)}">${inner}</h${depth}>\n`;
      },
      paragraph({ tokens }: Tokens.Paragraph) {
        const inner = this.parser.parseInline(tokens);
        // A diagram alone in its paragraph is a figure, which may not sit inside <p>.
        return /^<figure[\s\S]*<\/figure>$/.test(inner.trim()) ? inner + '\n' : `<p>${inner}</p>\n`;
      },
      blockquote({ tokens }: Tokens.Blockquote) {
        // "> Answer: …" (in a Check yourself list, say) is folded until the reader opens it.
        const inner = this.parser.parse(tokens);
        const answer = /^<p>(?:<strong>Answer:?<\/strong>:?|Answer:)\s*/.exec(inner);
        if (answer) {
          const rest = `<p>${inner.slice(answer[0].length)}`.replace(/^<p><\/p>\s*/, '');
          return `<details class="answer"><summary>Answer</summary>\n${rest}</details>\n`;
        }
        return `<blockquote>\n${inner}</blockquote>\n`;
      },
      code({ text, lang }: Tokens.Code) {
        // ```wire The caption: a conversation, drawn as a sequence diagram.
        const wire = /^wire\b\s*(.*)$/.exec(lang ?? '');
        if (wire) return wireDiagram(text, `wire-${++figures}`, wire[1] || undefined).text + '\n';
        return renderCode(text, lang).text + '\n';
      },
      codespan({ text }: Tokens.Codespan) {
        const code = `<code>${escapeHtml(text)}</code>`;
        if (inLink || !KIT_FILE.test(text) || text.includes('..')) return code;
        const abs = path.join(ctx.root, text);
        if (!existsSync(abs) || !statSync(abs).isFile()) return code; // a file the student will create, say
        out.files.push(abs);
        return `<a class="kit-file" href="${escapeHtml(fileUrl(text))}">${code}</a>`;
      },
      html({ text }: Tokens.HTML | Tokens.Tag) {
        // Lessons are Markdown; raw HTML is shown, not obeyed. Comments are authors' notes.
        if (/^\s*<!--[\s\S]*-->\s*$/.test(text)) return '';
        // The one exception: an answer folded the way GitHub folds it too,
        // <details><summary>Answer</summary> … </details> around Markdown.
        if (/^\s*<details><summary>Answer<\/summary>\s*$/.test(text)) return '<details class="answer"><summary>Answer</summary>\n';
        if (/^\s*<\/details>\s*$/.test(text)) return '</details>\n';
        return escapeHtml(text);
      },
      link({ href, title, tokens }: Tokens.Link) {
        inLink++;
        const inner = this.parser.parseInline(tokens);
        inLink--;
        const label = decodeEntities(this.parser.parseInline(tokens, this.parser.textRenderer));
        const t = title ? ` title="${escapeHtml(title)}"` : '';
        if (SAFE_SCHEME.test(href) || href.startsWith('//')) {
          return `<a class="ext" href="${escapeHtml(href)}"${t} rel="external noopener">${inner}</a>`;
        }
        if (ANY_SCHEME.test(href)) {
          problem(`link '${label}' → '${href}': only http, https and mailto links are allowed`);
          return inner;
        }
        const url = resolve(href, label);
        return url === undefined ? `<span class="broken-link" title="broken link">${inner}</span>` : `<a href="${escapeHtml(url)}"${t}>${inner}</a>`;
      },
      image({ href, title, text }: Tokens.Image) {
        if (ANY_SCHEME.test(href) || href.startsWith('//') || href.startsWith('/')) {
          problem(`image '${text}' → '${href}': images must be files in the kit (the site works offline)`);
          return escapeHtml(text);
        }
        const abs = path.resolve(path.dirname(ctx.file), decode(href.split('#')[0]!));
        if (!existsSync(abs)) {
          problem(`broken image '${text}' → '${href}': no such file ${path.relative(ctx.root, abs)}`);
          return escapeHtml(text);
        }
        if (isDiagramPath(abs)) {
          out.diagrams.push(abs);
          return inlineDiagram(abs, text, title ?? undefined, `wire-${++figures}`);
        }
        const fromRoot = path.relative(ctx.root, abs);
        if (fromRoot.startsWith('..') || path.isAbsolute(fromRoot) || PRIVATE.includes(fromRoot.split(path.sep)[0]!)) {
          problem(`image '${text}' → '${href}' is outside the published part of the kit`);
          return escapeHtml(text);
        }
        out.media.push(abs);
        const t = title ? ` title="${escapeHtml(title)}"` : '';
        return `<img src="${escapeHtml(mediaUrl(fromRoot))}" alt="${escapeHtml(text)}"${t}>`;
      },
      text(token: Tokens.Text | Tokens.Escape) {
        if ('tokens' in token && token.tokens) return this.parser.parseInline(token.tokens);
        const safe = 'escaped' in token && token.escaped ? token.text : escapeHtml(token.text);
        return inLink ? safe : rfcLinks(safe);
      },
      table(token: Tokens.Table) {
        // Wide tables scroll on a phone instead of widening the page.
        const inner = Renderer.prototype.table.call(this, token);
        const label = `Table: ${token.header.map((c) => c.text).join(', ')}`;
        return `<div class="table-wrap" tabindex="0" role="region" aria-label="${escapeHtml(label)}">${inner}</div>`;
      },
    },
  });
  out.body = marked.parse(md, { async: false });
  for (const a of out.selfAnchors) if (!out.ids.has(a) && !PAGE_IDS.includes(a)) problem(`broken link '#${a}': no heading with that id in this lesson`);
  return out;
}

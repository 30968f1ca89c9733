// Diagrams live in lib/site/diagrams/: SVG drawn by hand, or a conversation
// written as a transcript (.wire) that the wire renderer draws. A lesson shows
// one with an ordinary Markdown image (an .svg also renders on GitHub):
//   ![The POP3 state machine](../lib/site/diagrams/pop3-states.svg)
//   ![Closing a TCP connection](../lib/site/diagrams/tcp-teardown.wire)
// The site inlines the SVG, so it takes the page's colours (dark mode, print).
// A conversation can also sit in the lesson itself, as a ```wire block.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml, type Html } from './html.ts';
import { parseWire } from './wire-parse.ts';
import { wireFigure } from './wire-svg.ts';

export const DIAGRAM_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'diagrams');

export const isDiagramPath = (abs: string) => path.dirname(abs) === DIAGRAM_DIR && /\.(svg|wire)$/.test(abs);

/** A transcript in the lesson notation (see wire-parse.ts), drawn; the transcript itself is its text alternative. */
export function wireDiagram(source: string, id: string, caption?: string): Html {
  const text = source.replace(/\n+$/, '');
  return wireFigure(parseWire(text, { lesson: true }), { id, text, title: caption || 'A sequence diagram of a conversation', caption });
}

export function inlineDiagram(abs: string, alt: string, caption?: string, id = 'diagram'): string {
  if (abs.endsWith('.wire')) return wireDiagram(readFileSync(abs, 'utf8'), id, caption ?? alt).text;
  const svg = readFileSync(abs, 'utf8')
    .replace(/<\?xml[^>]*>\s*/, '')
    .replace(/<svg\b/, `<svg role="img" aria-label="${escapeHtml(alt)}" focusable="false"`);
  const cap = caption ?? alt;
  return `<figure class="diagram"><div class="diagram-scroll" tabindex="0" role="region" aria-label="${escapeHtml(alt)}">${svg}</div>${cap ? `<figcaption>${escapeHtml(cap)}</figcaption>` : ''}</figure>`;
}

// Diagrams are SVG files we draw by hand in lib/site/diagrams/. A lesson
// shows one with an ordinary Markdown image, which also renders on GitHub:
//   ![The POP3 state machine](../lib/site/diagrams/pop3-states.svg)
// The site inlines the SVG, so it takes the page's colours (dark mode, print).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml } from './html.ts';

export const DIAGRAM_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'diagrams');

export const isDiagramPath = (abs: string) => path.dirname(abs) === DIAGRAM_DIR && abs.endsWith('.svg');

export function inlineDiagram(abs: string, alt: string, caption?: string): string {
  const svg = readFileSync(abs, 'utf8')
    .replace(/<\?xml[^>]*>\s*/, '')
    .replace(/<svg\b/, `<svg role="img" aria-label="${escapeHtml(alt)}" focusable="false"`);
  const cap = caption ?? alt;
  return `<figure class="diagram"><div class="diagram-scroll" tabindex="0" role="region" aria-label="${escapeHtml(alt)}">${svg}</div>${cap ? `<figcaption>${escapeHtml(cap)}</figcaption>` : ''}</figure>`;
}

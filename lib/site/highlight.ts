// Code blocks, highlighted when the page is rendered (never in the browser):
// highlight.js core with only the grammars lessons use, and our own renderer
// for C:/S: protocol transcripts, the notation RFCs and the grader use.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import typescript from 'highlight.js/lib/languages/typescript';
import { html, raw, type Html } from './html.ts';

hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('c', c);
hljs.registerLanguage('bash', bash);
hljs.registerLanguage('json', json);
hljs.registerAliases(['ts', 'mts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['js', 'mjs'], { languageName: 'javascript' });
hljs.registerAliases(['h'], { languageName: 'c' });
hljs.registerAliases(['sh', 'shell', 'console'], { languageName: 'bash' });

const LABELS: Record<string, string> = { typescript: 'TypeScript', javascript: 'JavaScript', c: 'C', bash: 'shell', json: 'JSON' };

const TRANSCRIPT_LINE = /^(\s*)([CS]):(.*)$/;
/** An annotation at the end of a transcript line: `S: .   <- expected the body`. */
const NOTE = /(\s{2,}(?:<-|←|#).*)$/;

/** A `text` block is a transcript when most of its lines are C:/S: lines. */
export function isTranscript(code: string): boolean {
  const lines = code.split('\n').filter((l) => l.trim() !== '');
  const spoken = lines.filter((l) => TRANSCRIPT_LINE.test(l)).length;
  return spoken > 0 && spoken * 2 >= lines.length;
}

/** Each C:/S: line as a span saying who spoke; other lines kept as they are. */
export function transcriptLines(text: string): Html {
  const out = text.split('\n').map((line) => {
    const m = TRANSCRIPT_LINE.exec(line);
    if (!m) return html`<span class="tl">${line}</span>`;
    const [, pad, who, rest] = m as unknown as [string, string, 'C' | 'S', string];
    const note = NOTE.exec(rest);
    const said = note ? rest.slice(0, note.index) : rest;
    const cls = who === 'C' ? 'tl tl-c' : 'tl tl-s';
    const title = who === 'C' ? 'client' : 'server';
    return html`<span class="${cls}">${pad}<abbr class="who" title="${title}">${who}:</abbr>${said}${note ? html`<span class="note">${note[1]}</span>` : ''}</span>`;
  });
  return raw(out.map(String).join('\n'));
}

/** A terminal session: what you type (after `$ `) stands out from what the program prints. */
function terminalLines(text: string): Html {
  const out = text.split('\n').map((line) =>
    line.startsWith('$ ') ? html`<span class="typed"><span class="prompt" aria-hidden="true">$ </span>${line.slice(2)}</span>` : html`${line}`,
  );
  return raw(out.map(String).join('\n'));
}

const PLAIN = ['', 'text', 'txt', 'pop3'];

/**
 * Two transcripts side by side in one block (POP3 beside FTP, say): the
 * column where every long line has a gap and a C:/S: line starts. Undefined
 * when the block is not laid out that way.
 */
export function splitColumns(code: string): [string, string] | undefined {
  const lines = code.split('\n');
  const widest = Math.max(...lines.map((l) => l.length));
  for (let k = 12; k < widest - 2; k++) {
    const long = lines.filter((l) => l.trimEnd().length > k);
    const fits = long.length > 0 && long.every((l) => l.slice(k - 2, k) === '  ' && l[k] !== ' ');
    if (!fits || !long.some((l) => TRANSCRIPT_LINE.test(l.slice(k)))) continue;
    const left = lines.map((l) => l.slice(0, k).trimEnd()).join('\n');
    const right = lines.map((l) => l.slice(k).trimEnd()).join('\n');
    if (isTranscript(left) && isTranscript(right)) return [left, right];
  }
  return undefined;
}

/** One transcript: its first line is its caption when it is not spoken (e.g. "POP3 (status tokens)"). */
function transcriptFigure(code: string): Html {
  const lines = code.replace(/^\n+|\n+$/g, '').split('\n');
  const caption = lines.length > 1 && !TRANSCRIPT_LINE.test(lines[0]!) ? lines.shift()!.trim() : undefined;
  return html`<figure class="code transcript" data-lang="transcript"><figcaption>${caption ? html`<span class="tcap">${caption}</span>` : ''}<span class="tl-c"><span class="who">C:</span> client</span> <span class="tl-s"><span class="who">S:</span> server</span></figcaption><pre><code>${transcriptLines(lines.join('\n'))}</code></pre></figure>`;
}

/** A fenced code block as a figure: highlighted code, a C:/S: transcript, a terminal session, or plain text. */
export function renderCode(code: string, lang: string | undefined): Html {
  const name = (lang ?? '').trim().split(/\s+/)[0]!.toLowerCase();
  if (name && hljs.getLanguage(name)) {
    const id = canonical(name);
    const body = hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
    return html`<figure class="code" data-lang="${id}"><figcaption>${LABELS[id] ?? name}</figcaption><pre><code class="hljs language-${id}">${raw(body)}</code></pre></figure>`;
  }
  if (PLAIN.includes(name) && isTranscript(code)) {
    // Side by side on a wide screen, one above the other on a phone: never cut off.
    const pair = splitColumns(code);
    if (pair) return html`<div class="transcript-pair">${transcriptFigure(pair[0])}${transcriptFigure(pair[1])}</div>`;
    return transcriptFigure(code);
  }
  if (PLAIN.includes(name) && /^\$ /m.test(code)) {
    return html`<figure class="code terminal" data-lang="terminal"><figcaption>terminal</figcaption><pre><code>${terminalLines(code)}</code></pre></figure>`;
  }
  return html`<figure class="code" data-lang="text"><pre><code>${code}</code></pre></figure>`;
}

function canonical(name: string): string {
  for (const id of Object.keys(LABELS)) if (hljs.getLanguage(id) === hljs.getLanguage(name)) return id;
  return name;
}

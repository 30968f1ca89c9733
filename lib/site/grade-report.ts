// A lab's last grade as the student reads it on the lesson page: each test
// with its points, then each failure: why it failed in words, the conversation
// drawn as a picture, and the hint. Totals come from lib/grader/results.ts;
// test names and messages come from student runs and are escaped like
// everything else.
import { fullMarks, maxScore, score, type LabResult, type TestResult } from '../grader/results.ts';
import type { Wire } from '../harness/transcript.ts';
import { gradeText } from '../course-map.ts';
import { html, type Html } from './html.ts';
import { transcriptLines } from './highlight.ts';
import { hasTranscript, parseWire } from './wire-parse.ts';
import { wireFigure, wireText } from './wire-svg.ts';

export const gradeCommand = (slug: string) => `npm run grade -- ${slug.slice(0, 2)}`;

/** "2026-11-23 02:14 UTC": the same for every reader, and printable. */
export const shownTime = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
};

export function gradeBadge(last: LabResult | undefined): Html {
  const cls = !last ? 'none' : fullMarks(last) ? 'full' : 'partial';
  return html`<span class="badge badge-${cls}">${gradeText(last)}</span>`;
}

/** A bar for the score; the numbers are in the text next to it, so it is hidden from screen readers. */
export function scoreBar(last: LabResult | undefined): Html {
  if (!last || maxScore(last) === 0) return html``;
  const pct = Math.round((100 * score(last)) / maxScore(last));
  return html`<span class="bar" aria-hidden="true"><span style="width:${pct}%"></span></span>`;
}

const CRASH = /^the server (?:exited with code (\d+)|was killed by (\w+))/;

/** The conversation to draw for a failure: saved with the grade, or (older grades) read back from its text. */
export function failureWire(t: TestResult): Wire | undefined {
  const message = t.message ?? '';
  const wire = t.wire ?? (hasTranscript(message) ? parseWire(message) : undefined);
  const crash = CRASH.exec(message);
  if (crash && !wire?.entries.some((e) => e.kind === 'exit')) {
    const exit = { kind: 'exit' as const, who: 'S' as const, exit: crash[1] ? { code: Number(crash[1]), signal: null } : { code: null, signal: crash[2]! } };
    return { ...(wire ?? {}), entries: [...(wire?.entries ?? []), exit] };
  }
  return wire?.entries.length ? wire : undefined;
}

const TRANSCRIPT_LINE = /^\s+(?:[CS]\d*|#):|^\s+… \d+ lines not shown …$/;
/** Lines the picture draws, so a pictured failure does not repeat them. */
const PICTURED = /^\s+(?:[CS]\d*|#):|^\s+… \d+ lines not shown …$|^\s+\(bytes received but not yet a full reply/;

/**
 * A failure message in blocks: prose (wrapped, so long hints never run off the
 * page), the transcript, and program output (both kept as they are, scrolling
 * sideways). With a picture, the transcript is its text and not repeated.
 */
export function messageBlocks(message: string, pictured: boolean): Html[] {
  const out: Html[] = [];
  for (const para of message.split(/\n\s*\n/)) {
    let run: string[] = [];
    let indented = false;
    const flush = () => {
      if (!run.length) return;
      if (!indented) {
        const text = run.join('\n');
        out.push(/^Hint \d+ of \d+:/.test(text) ? html`<p class="hint">${text}</p>` : html`<p class="why">${text}</p>`);
      } else {
        const kept = pictured ? run.filter((l) => !PICTURED.test(l)) : run;
        if (kept.some((l) => TRANSCRIPT_LINE.test(l))) out.push(html`<pre class="transcript"><code>${transcriptLines(kept.join('\n'))}</code></pre>`);
        else if (kept.length) out.push(html`<pre class="output"><code>${kept.join('\n')}</code></pre>`);
      }
      run = [];
    };
    for (const line of para.split('\n')) {
      const ind = /^\s/.test(line);
      if (ind !== indented) flush();
      indented = ind;
      run.push(line);
    }
    flush();
  }
  return out;
}

/** One failing test, as the report (and the live grade) shows it. `n` numbers it on the page. */
export function failureBlock(t: TestResult, n: number): Html {
  const wire = failureWire(t);
  const blocks = messageBlocks(t.message ?? '(no message)', !!wire);
  const figure = wire
    ? wireFigure(wire, {
        id: `fail-${n}-wire`,
        text: wireText(wire),
        title: `The conversation of the failing test “${t.name}”`,
        caption: html`The conversation, as the test saw it.${wire.mark ? html` <span class="w-key-bad">Red</span>: what came; <span class="w-key-ok">green, dashed</span>: what was expected.` : ''}`,
      })
    : undefined;
  return html`<details class="failure" id="fail-${n}" open><summary><span class="ko">✗</span> ${t.name} <span class="muted">(0/${t.points} pt${t.points === 1 ? '' : 's'})</span></summary>
<div class="failure-body">${blocks[0] ?? ''}${figure ?? ''}${blocks.slice(1)}</div></details>`;
}

/** A test's row in the table. */
export function testRow(t: TestResult, n: number): Html {
  return html`<tr class="${t.passed ? 'pass' : 'fail'}"><td>${t.name}</td><td class="num">${t.passed ? t.points : 0}/${t.points}</td><td>${t.passed ? html`<span class="ok">✓ passed</span>` : html`<a class="ko" href="#fail-${n}">✗ failed</a>`}</td></tr>`;
}

/** A test as it finishes during a live grade. */
export function liveTestLine(t: TestResult): Html {
  return html`<li class="${t.passed ? 'pass' : 'fail'}">${t.passed ? html`<span class="ok">✓</span>` : html`<span class="ko">✗</span>`} ${t.name} <span class="muted">${t.passed ? t.points : 0}/${t.points}</span></li>`;
}

/** The Grade button and the line that tells how a grade in progress is going (filled in by site.js). */
function gradeControls(slug: string): Html {
  return html`<div class="grade-controls" data-lab="${slug}">
<button type="button" class="grade-now" data-lab="${slug}" hidden>Grade now</button>
<span class="grade-progress" role="status" aria-live="polite"></span>
</div>`;
}

export function gradeReport(slug: string, last: LabResult | undefined, live: boolean): Html {
  const cmd = gradeCommand(slug);
  const head = html`<h2 id="last-grade-h">Your last grade</h2>`;
  if (!live) {
    return html`<section id="last-grade" class="grade" aria-labelledby="last-grade-h">
${head}
<p>Grade this lab in your copy of the kit with <code>${cmd}</code>. Open the course with <code>npm start</code> to see the report here: each test, its points, and what went wrong.</p>
</section>`;
  }
  if (!last) {
    return html`<section id="last-grade" class="grade" aria-labelledby="last-grade-h" data-lab="${slug}">
${head}
<p>Not graded yet. Press <strong>Grade now</strong>, or run <code>${cmd}</code>: each test, its points and what went wrong appear here. Saving a file of the lab grades it again while this page is open.</p>
${gradeControls(slug)}
</section>`;
  }
  const failed = last.tests.filter((t) => !t.passed);
  const status = fullMarks(last) ? 'Full marks.' : failed.length ? `${failed.length} test${failed.length === 1 ? '' : 's'} failed.` : '';
  const n = (t: TestResult) => last.tests.indexOf(t) + 1;
  return html`<section id="last-grade" class="grade" aria-labelledby="last-grade-h" data-lab="${slug}">
${head}
<p class="grade-summary">${gradeBadge(last)} <span>${status}</span> <span class="muted">Graded <time datetime="${last.gradedAt}">${shownTime(last.gradedAt)}</time>. Saving a file of the lab grades it again; so does <code>${cmd}</code>.</span></p>
${gradeControls(slug)}
${last.error ? html`<div class="grade-error"><p><strong>The grader could not run every test:</strong></p><pre><code>${last.error}</code></pre></div>` : ''}
${last.tests.length ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Graded tests"><table class="tests">
<thead><tr><th scope="col">Test</th><th scope="col" class="num">Points</th><th scope="col">Result</th></tr></thead>
<tbody>${last.tests.map((t) => testRow(t, n(t)))}</tbody>
</table></div>` : ''}
${failed.length ? html`<h3 id="what-went-wrong">What went wrong</h3>
${failed.map((t) => failureBlock(t, n(t)))}` : ''}
</section>`;
}

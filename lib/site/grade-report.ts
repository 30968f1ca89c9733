// A lab's last grade as the student reads it on the lesson page: each test
// with its points, then each failure with its transcript. Totals come from
// lib/grader/results.ts; test names and messages come from student runs and
// are escaped like everything else.
import { fullMarks, maxScore, score, type LabResult } from '../grader/results.ts';
import { gradeText } from '../course-map.ts';
import { html, type Html } from './html.ts';
import { transcriptLines } from './highlight.ts';

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

export function gradeReport(slug: string, last: LabResult | undefined, live: boolean): Html {
  const cmd = gradeCommand(slug);
  if (!live) {
    return html`<section id="last-grade" class="grade" aria-labelledby="last-grade-h">
<h2 id="last-grade-h">Your last grade</h2>
<p>Grade this lab in your copy of the kit with <code>${cmd}</code>. Open the course with <code>npm start</code> to see the report here: each test, its points, and what went wrong.</p>
</section>`;
  }
  if (!last) {
    return html`<section id="last-grade" class="grade" aria-labelledby="last-grade-h">
<h2 id="last-grade-h">Your last grade</h2>
<p>Not graded yet. Run <code>${cmd}</code>, then reload this page to see each test, its points and what went wrong.</p>
</section>`;
  }
  const failed = last.tests.filter((t) => !t.passed);
  const status = fullMarks(last) ? 'Full marks.' : failed.length ? `${failed.length} test${failed.length === 1 ? '' : 's'} failed.` : '';
  return html`<section id="last-grade" class="grade" aria-labelledby="last-grade-h">
<h2 id="last-grade-h">Your last grade</h2>
<p class="grade-summary">${gradeBadge(last)} <span>${status}</span> <span class="muted">Graded <time datetime="${last.gradedAt}">${shownTime(last.gradedAt)}</time>. Grade again: <code>${cmd}</code></span></p>
${last.error ? html`<div class="grade-error"><p><strong>The grader could not run every test:</strong></p><pre><code>${last.error}</code></pre></div>` : ''}
${last.tests.length ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Graded tests"><table class="tests">
<thead><tr><th scope="col">Test</th><th scope="col" class="num">Points</th><th scope="col">Result</th></tr></thead>
<tbody>${last.tests.map((t) => html`<tr class="${t.passed ? 'pass' : 'fail'}"><td>${t.name}</td><td class="num">${t.passed ? t.points : 0}/${t.points}</td><td>${t.passed ? html`<span class="ok">✓ passed</span>` : html`<a class="ko" href="#fail-${last.tests.indexOf(t) + 1}">✗ failed</a>`}</td></tr>`)}</tbody>
</table></div>` : ''}
${failed.length ? html`<h3 id="what-went-wrong">What went wrong</h3>
${failed.map((t) => html`<details class="failure" id="fail-${last.tests.indexOf(t) + 1}" open><summary><span class="ko">✗</span> ${t.name} <span class="muted">(0/${t.points} pt${t.points === 1 ? '' : 's'})</span></summary>
<pre class="transcript"><code>${transcriptLines(t.message ?? '(no message)')}</code></pre></details>`)}` : ''}
</section>`;
}

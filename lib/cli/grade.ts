// npm run grade -- [LAB...] [--target DIR] [--json FILE]
// Grades labs/ (or DIR): shows each test as it finishes, then each lab's
// report (every failure's transcript, its hint one level at a time, type
// errors as warnings), remembers the result for the course map, and exits
// non-zero while any graded lab is below full marks.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findLab, resolveLabs, withEarlierStages } from '../course.ts';
import { kitPath } from '../paths.ts';
import { runLabTests } from '../grader/run-tests.ts';
import { formatLab, formatSummary, formatWarnings, testLine } from '../grader/report.ts';
import { fullMarks } from '../grader/results.ts';
import { saveGrades } from '../grader/store.ts';
import { stopTypeChecks, typeErrors } from '../grader/typecheck.ts';
import { HintLevels } from '../tools/hints.ts';
import { parse } from './args.ts';
import { dim } from '../term.ts';
import { userScale } from '../harness/budget.ts';

const USAGE = 'npm run grade -- [LAB...] [--target DIR] [--json FILE]\n  LAB is a number (01), a slug (01-udp-echo) or a word of it (udp); none grades every lab.';
const { values, positionals } = parse(
  process.argv.slice(2),
  { target: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  USAGE,
);

let asked;
try {
  asked = resolveLabs(positionals);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const target = path.resolve(values.target ?? kitPath('labs'));
if (!existsSync(target)) {
  console.error(`--target ${values.target}: no such folder. It should hold one folder per lab, like labs/.`);
  process.exit(2);
}
// The student's own labs/: hints one level at a time, remembered. An instructor's --target: whole hints, nothing remembered.
const own = !values.target;

// A stage of a program several labs grow (labs/mail/) is graded with the stages
// before it: they must keep passing. Each counts in its own lab.
const chosen = withEarlierStages(asked);
const again = chosen.filter((l) => !asked.includes(l));
console.log(dim(`Grading ${asked.map((l) => l.slug).join(', ')}${again.length ? `, and again the earlier stages ${again.map((l) => l.slug).join(', ')}` : ''} …`));
const started = Date.now();
const tty = process.stdout.isTTY === true;
let rows = 0; // terminal rows the live lines take (long lines wrap)
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
let typesDone = false;
const types = typeErrors(chosen, target).finally(() => (typesDone = true)); // beside the tests, at a lower priority
const results = await runLabTests(chosen, {
  target,
  hints: own ? 'separate' : 'in-message',
  onTest: (lab, t) => {
    const where = chosen.length > 1 ? dim(`[${lab.slug}] `) : '';
    const line = testLine(t, 0, where) + dim(`  ${(t.ms / 1000).toFixed(1)} s`);
    console.log(line);
    rows += Math.max(1, Math.ceil(visible(line) / (process.stdout.columns || 100)));
  },
});
// On a terminal the live lines make way for the report, in the order the tests are written.
if (tty && rows > 0) process.stdout.write(`\x1b[${rows}A\x1b[J`);
const hints = new HintLevels(own);
for (const r of results) console.log('\n' + formatLab(r, (slug, id) => hints.show(findLab(slug), id)));
console.log(formatSummary(results));
console.log(dim(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`));

// Type errors: warnings, not points, shown if tsc is done (it usually is by now: it started with the
// tests, and an unchanged lab's result is cached). The grade does not wait long for what costs no points.
if (!typesDone) console.log(dim('(checking types…)'));
const warnings = await Promise.race([types, new Promise<undefined>((r) => setTimeout(r, 2000 * userScale()))]);
if (!warnings) console.log(dim('(type check skipped: tsc did not finish beside the tests on this busy machine)'));
for (const r of results) r.warnings = warnings?.get(r.slug);
const typeReport = formatWarnings(results);
if (typeReport) console.log('\n' + typeReport);

// Only a student's own labs/ feed the course map; an instructor's --target does not.
if (own) saveGrades(results);
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
stopTypeChecks(); // one still running goes with us (its result is cached only when complete)
process.exit(results.every(fullMarks) ? 0 : 1);

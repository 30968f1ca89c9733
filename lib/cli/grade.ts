// npm run grade -- [LAB...] [--target DIR] [--json FILE]
// Grades labs/ (or DIR), prints each test with its points and every failure's
// transcript, remembers the result for the course map, and exits non-zero
// while any graded lab is below full marks.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveLabs, withEarlierStages } from '../course.ts';
import { kitPath } from '../paths.ts';
import { runLabTests } from '../grader/run-tests.ts';
import { formatLab, formatSummary } from '../grader/report.ts';
import { fullMarks } from '../grader/results.ts';
import { saveGrades } from '../grader/store.ts';
import { parse } from './args.ts';
import { dim } from '../term.ts';

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

// A stage of a program several labs grow (labs/mail/) is graded with the stages
// before it: they must keep passing. Each counts in its own lab.
const chosen = withEarlierStages(asked);
const again = chosen.filter((l) => !asked.includes(l));
console.log(dim(`Grading ${asked.map((l) => l.slug).join(', ')}${again.length ? `, and again the earlier stages ${again.map((l) => l.slug).join(', ')}` : ''} …`));
const started = Date.now();
const results = await runLabTests(chosen, { target });
for (const r of results) console.log('\n' + formatLab(r));
console.log(formatSummary(results));
console.log(dim(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`));

// Only a student's own labs/ feed the course map; an instructor's --target does not.
if (!values.target) saveGrades(results);
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
process.exit(results.every(fullMarks) ? 0 : 1);

// npx tsx lib/cli/classroom-check.ts SLUG ID [--results DIR] [--target DIR]
// What each step of the GitHub Classroom workflow runs: passes (exit 0) when
// the one graded test ID of lab SLUG passes. The lab is graded once per job:
// the first step writes DIR/SLUG.json, the others read it. DIR must be outside
// the repository (the workflow uses the runner's temporary folder): a file in
// the repository is the student's to write, and is never trusted.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findLab } from '../course.ts';
import { KIT_ROOT, kitPath } from '../paths.ts';
import { formatLab } from '../grader/report.ts';
import { runLabTests } from '../grader/run-tests.ts';
import type { LabResult } from '../grader/results.ts';
import { testId } from '../classroom.ts';
import { parse, usageError } from './args.ts';

const USAGE = 'npx tsx lib/cli/classroom-check.ts SLUG ID [--results DIR] [--target DIR]   (what each GitHub Classroom step runs)';
const { values, positionals } = parse(
  process.argv.slice(2),
  { results: { type: 'string' }, target: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const,
  USAGE,
);
const [slug, id] = positionals;
if (!slug || !id) usageError(USAGE, 'Name the lab and the test id, as the workflow does.');
let lab;
try {
  lab = findLab(slug);
} catch (e) {
  usageError(USAGE, (e as Error).message);
}
const target = path.resolve(values.target ?? kitPath('labs'));
const inside = (dir: string, p: string) => {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};
const results = values.results ? path.resolve(values.results) : undefined;
if (results && (inside(KIT_ROOT, results) || inside(target, results))) {
  usageError(USAGE, `--results ${values.results} is inside the repository; a result kept there could be anyone's. Use a folder outside it (the workflow uses \${{ runner.temp }}).`);
}

/** The lab's result: from this job's earlier step, or graded now (and kept for the steps after). */
async function labResult(): Promise<{ result: LabResult; cached: boolean }> {
  const file = results && path.join(results, `${lab!.slug}.json`);
  if (file && existsSync(file)) {
    try {
      const kept = JSON.parse(readFileSync(file, 'utf8')) as { target: string; result: LabResult };
      if (kept.target === target) return { result: kept.result, cached: true };
    } catch {
      /* half-written by a step that was stopped: grade again */
    }
  }
  const [result] = await runLabTests([lab!], { target });
  if (file) {
    mkdirSync(results!, { recursive: true });
    writeFileSync(`${file}.${process.pid}`, JSON.stringify({ target, result }));
    renameSync(`${file}.${process.pid}`, file);
  }
  return { result: result!, cached: false };
}

const { result, cached } = await labResult();
const test = result.tests.find((t) => testId(t.name) === id);
if (!test) {
  // The lab could not run at all (a broken test file, say), or the workflow is older than the tests.
  console.log(formatLab(result));
  console.log(`\nNo graded test with id ${id} in ${lab!.slug}: regenerate .github/workflows/classroom.yml with \`npm run classroom\`.`);
  process.exit(1);
}
console.log(formatLab({ ...result, tests: [test], error: undefined }));
if (cached) console.log(`(from this job's grading of ${lab!.slug})`);
process.exit(test.passed ? 0 : 1);

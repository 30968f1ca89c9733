// npm run classroom -- [--out DIR] [--lab LAB]...
// Writes DIR/.github/workflows/classroom.yml: the GitHub Classroom autograding
// workflow, one step per public graded test. (Each step runs
// lib/cli/classroom-check.ts in the student's repository.)
import path from 'node:path';
import { resolveLabs } from '../course.ts';
import { WORKFLOW_FILE, writeClassroom } from '../instructor/classroom.ts';
import { parse, usageError } from './args.ts';

const USAGE =
  'npm run classroom -- [--out DIR] [--lab LAB]...\n' +
  '  writes DIR/.github/workflows/classroom.yml: one command-grader step per graded test, and the reporter.';
const { values, positionals } = parse(
  process.argv.slice(2),
  { out: { type: 'string' }, lab: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } as const,
  USAGE,
);
if (positionals.length) usageError(USAGE, `'${positionals[0]}': classroom takes no command (each step runs lib/cli/classroom-check.ts).`);
const out = path.resolve(values.out ?? '.');
let labs;
try {
  labs = resolveLabs((values.lab as string[] | undefined) ?? []);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const tests = await writeClassroom(out, labs);
console.log(`Wrote ${path.join(out, WORKFLOW_FILE)}: ${tests.length} tests, ${tests.reduce((s, t) => s + t.points, 0)} points.`);

// npm run classroom -- [--out DIR] [--lab LAB]...   writes DIR/.github/classroom/autograding.json
//                                                    and DIR/.github/workflows/classroom.yml
// npx tsx lib/cli/classroom.ts check SLUG ID [--target DIR]
//   what each Classroom entry runs: passes (exit 0) when that one test passes.
import path from 'node:path';
import { findLab, resolveLabs } from '../course.ts';
import { kitPath } from '../paths.ts';
import { formatLab } from '../grader/report.ts';
import { labResultCached, testId, writeClassroom } from '../instructor/classroom.ts';
import { parse } from './args.ts';

const USAGE =
  'npm run classroom -- [--out DIR] [--lab LAB]...\n' +
  '  writes DIR/.github/classroom/autograding.json (one entry per graded test) and the workflow that runs it.\n' +
  'npx tsx lib/cli/classroom.ts check SLUG ID [--target DIR]   (what each entry runs)';
const { values, positionals } = parse(
  process.argv.slice(2),
  { out: { type: 'string' }, lab: { type: 'string', multiple: true }, target: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const,
  USAGE,
);

if (positionals[0] === 'check') {
  const [, slug, id] = positionals;
  if (!slug || !id) {
    console.error(`Usage: ${USAGE}`);
    process.exit(2);
  }
  const lab = findLab(slug);
  const target = path.resolve(values.target ?? kitPath('labs'));
  const { result, cached } = await labResultCached(lab, target);
  const test = result.tests.find((t) => testId(t.name) === id);
  if (!test) {
    // The lab could not run at all (a broken test file, say), or the config is older than the tests.
    console.log(formatLab(result));
    console.log(`\nNo graded test with id ${id} in ${slug}: regenerate .github/classroom/autograding.json with \`npm run classroom\`.`);
    process.exit(1);
  }
  console.log(formatLab({ ...result, tests: [test], error: undefined }));
  if (cached) console.log(`(from this run's grading of ${slug})`);
  process.exit(test.passed ? 0 : 1);
}

const out = path.resolve(values.out ?? '.');
const labs = resolveLabs((values.lab as string[] | undefined) ?? []);
const tests = await writeClassroom(out, labs);
console.log(`Wrote ${path.join(out, '.github/classroom/autograding.json')}: ${tests.length} tests, ${tests.reduce((s, t) => s + t.points, 0)} points.`);
console.log(`Wrote ${path.join(out, '.github/workflows/classroom.yml')}.`);

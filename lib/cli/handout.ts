// npm run handout -- --out DIR [--lab LAB]...
// Makes the student repository in DIR: lessons, lab starters, the kit, public
// tests, a student README, hidden-tests.json and the GitHub Classroom config.
// No solutions, no hidden tests.
import path from 'node:path';
import { resolveLabs } from '../course.ts';
import { makeHandout } from '../instructor/handout.ts';
import { parse, usageError } from './args.ts';

const USAGE = 'npm run handout -- --out DIR [--lab LAB]...\n  DIR must be new or empty, and outside the kit. Then: cd DIR && git init && git add . && git commit';
const { values } = parse(
  process.argv.slice(2),
  { out: { type: 'string' }, lab: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } } as const,
  USAGE,
);
if (!values.out) usageError(USAGE, '--out DIR is required: where to write the student repository.');
try {
  const labs = resolveLabs((values.lab as string[] | undefined) ?? []);
  const h = await makeHandout(values.out, labs);
  const hidden = Object.entries(h.hidden).map(([s, v]) => `${s}: ${v.tests} (${v.points} pts)`);
  console.log(`Handout written to ${path.relative(process.cwd(), h.dir) || h.dir} (${h.files} files; no solutions, no hidden tests).`);
  console.log(hidden.length ? `Hidden tests announced in hidden-tests.json: ${hidden.join(', ')}` : 'No hidden tests.');
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}

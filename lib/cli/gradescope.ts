// npm run gradescope -- build [--out autograder.zip] [--lab LAB]... [--hidden-visibility hidden|after_due_date|after_published]
//   the zip to upload as a Gradescope programming assignment's autograder.
// node --import tsx lib/cli/gradescope.ts run [--root /autograder]
//   what run_autograder runs inside Gradescope: writes ROOT/results/results.json.
import path from 'node:path';
import { resolveLabs } from '../course.ts';
import { buildZip, runAutograder } from '../instructor/gradescope.ts';
import type { Visibility } from '../instructor/gradescope-results.ts';
import { parse, usageError } from './args.ts';

const USAGE =
  'npm run gradescope -- build [--out autograder.zip] [--lab LAB]... [--hidden-visibility hidden|after_due_date|after_published]\n' +
  '  (inside Gradescope, run_autograder calls: gradescope.ts run [--root /autograder])';
const { values, positionals } = parse(
  process.argv.slice(2),
  {
    out: { type: 'string' },
    lab: { type: 'string', multiple: true },
    root: { type: 'string' },
    'hidden-visibility': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const,
  USAGE,
);
const command = positionals[0];
if (command !== 'build' && command !== 'run') usageError(USAGE, command ? `'${command}' is not a gradescope command.` : undefined);

if (command === 'run') {
  const root = path.resolve(values.root ?? process.env.GRADESCOPE_ROOT ?? '/autograder');
  const r = await runAutograder(root);
  console.log(`${r.output}\nScore: ${r.score} (results.json written to ${path.join(root, 'results')})`);
  process.exit(0);
}

const visibility = (values['hidden-visibility'] ?? 'hidden') as Visibility;
if (!['hidden', 'after_due_date', 'after_published', 'visible'].includes(visibility)) {
  console.error(`--hidden-visibility ${visibility}: one of hidden, after_due_date, after_published, visible`);
  process.exit(2);
}
try {
  const labs = resolveLabs((values.lab as string[] | undefined) ?? []);
  const { zip, files } = buildZip(values.out ?? 'autograder.zip', labs, visibility);
  console.log(`Wrote ${path.relative(process.cwd(), zip) || zip}: ${files.length} files, grading ${labs.map((l) => l.slug).join(', ')}.`);
  console.log('Upload it as the autograder of a Gradescope programming assignment (Ubuntu image; setup.sh installs Node 20).');
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}

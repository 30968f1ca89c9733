// Property-tests a lab's decoder module out of process, so the grader never
// imports student code: a crash or an endless loop here costs one test run.
// Prints one line of JSON, { verdicts } (see property.ts), or plain text when run by hand in a terminal.
//   npx tsx test/drivers/framing-check.ts --lab fixed-length --dir labs/04-fixed-length [--runs 150] [--seed N]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Verdict } from './property.ts';

const { values } = parseArgs({
  options: {
    lab: { type: 'string' },
    dir: { type: 'string' },
    runs: { type: 'string', default: '150' }, // the graded run's count (run-driver.ts), so a seed replays the same cases
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
  },
});
const labs: Record<string, () => Promise<{ FILE: string; checks(mod: never, o: { runs: number; seed: number }): Verdict[] }>> = {
  'fixed-length': () => import('./checks/fixed-length.ts'),
  'delimiter': () => import('./checks/delimiter.ts'),
  'length-prefix': () => import('./checks/length-prefix.ts'),
};

const load = labs[values.lab ?? ''];
if (!load || !values.dir) {
  console.error(`usage: framing-check.ts --lab ${Object.keys(labs).join('|')} --dir LAB_FOLDER`);
  process.exit(2);
}
const lab = await load();
const file = path.resolve(values.dir, lab.FILE);
let mod: never;
try {
  mod = (await import(pathToFileURL(file).href)) as never;
} catch (err) {
  console.log(JSON.stringify({ loadError: `could not load ${lab.FILE}: ${(err as Error).message}` }));
  process.exit(0);
}
const verdicts = lab.checks(mod, { runs: Number(values.runs), seed: Number(values.seed) });
if (process.stdout.isTTY) {
  // Run by hand: say it for a person.
  for (const v of verdicts) console.log(`${v.ok ? 'ok  ' : 'FAIL'} ${v.name}${v.ok ? ` (${v.runs} cases)` : `\n  ${v.failure}`}`);
} else {
  console.log(JSON.stringify({ verdicts }));
}

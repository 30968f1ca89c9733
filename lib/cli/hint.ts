// npm run hint -- [LAB] [--all] [--reset]
// Shows the next hint for a lab that you have not seen yet, and remembers it.
import type { Lab } from '../course.ts';
import { forgetHints, seenList, takeNextHint } from '../tools/hints.ts';
import { labNumber } from '../tools/state.ts';
import { chosenLab, parse } from './args.ts';

const USAGE = 'npm run hint -- [LAB] [--all] [--reset]\n  LAB defaults to the first lab not yet at full marks.\n  --all: show again the hints you have seen.  --reset: forget which hints you have seen.';
const { values, positionals } = parse(
  process.argv.slice(2),
  { all: { type: 'boolean' }, reset: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  USAGE,
);
const lab: Lab = chosenLab(positionals);
if (values.reset) {
  forgetHints(lab);
  console.log(`Forgot the hints seen for lab ${labNumber(lab.slug)}. npm run hint -- ${labNumber(lab.slug)} starts again from the first.`);
} else if (values.all) {
  console.log(seenList(lab));
} else {
  console.log(takeNextHint(lab));
}

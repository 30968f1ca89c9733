// npm run reset -- LAB [--yes] [--from REV] [--target DIR]
// Restores a lab's starter files, after asking, and keeps a timestamped backup
// of the student's folder in .socket-kit/backups/.
import path from 'node:path';
import { resolveLabs, type Lab } from '../course.ts';
import { kitPath, shownPath } from '../paths.ts';
import { bold, green } from '../term.ts';
import { confirm } from '../tools/ask.ts';
import { applyReset, describePlan, planReset, type ResetPlan } from '../tools/reset.ts';
import { labNumber } from '../tools/state.ts';
import { parse, usageError } from './args.ts';

const USAGE = 'npm run reset -- LAB [--yes] [--from REV] [--target DIR]\n  --yes: do not ask.  --from REV: take the starter from this git commit.  --target: a folder laid out like labs/.';
const { values, positionals } = parse(
  process.argv.slice(2),
  { yes: { type: 'boolean', short: 'y' }, from: { type: 'string' }, target: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  USAGE,
);
if (positionals.length !== 1) usageError(USAGE, 'Name one lab to reset.');

let lab: Lab;
let plan: ResetPlan;
try {
  lab = resolveLabs(positionals)[0]!;
  plan = planReset(lab, path.resolve(values.target ?? kitPath('labs')), values.from);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}

const nn = labNumber(lab.slug);
if (plan.changed.length === 0) {
  console.log(`Lab ${nn} is already its starter (commit ${plan.starter.described}). Nothing to do.`);
  process.exit(0);
}
console.log(describePlan(plan));
if (!values.yes && !(await confirm(bold(`Reset lab ${nn}?`)))) {
  console.log('Nothing changed.');
  process.exit(1);
}
const done = applyReset(plan);
console.log(green(`Lab ${nn} is back to its starter (${done.restored.join(', ')}).`));
console.log(`Your work is in ${shownPath(done.backup)}/`);

// The property tests of a framing lab's decoder module, run by hand: the same
// properties, cases and verdicts as the graded tests (run-driver.ts). The
// module runs in a child process (target.ts); this process makes the cases and
// judges what comes back.
//   npx tsx test/drivers/framing-check.ts --lab fixed-length --dir labs/04-fixed-length [--runs 150] [--seed N]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LabFailure } from '../../lib/harness/index.ts';
import { PROPERTY_LAB_NAMES, propertyLab, RUNS } from './run-driver.ts';
import { sandboxedTarget } from './target.ts';

const { values } = parseArgs({
  options: {
    lab: { type: 'string' },
    dir: { type: 'string' },
    runs: { type: 'string', default: String(RUNS) }, // the graded run's count, so a seed replays the same cases
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
  },
});
const lab = propertyLab(values.lab ?? '');
if (!lab || !values.dir) {
  console.error(`usage: framing-check.ts --lab SLUG (the lab ${PROPERTY_LAB_NAMES.join(', ')}) --dir LAB_FOLDER [--runs N] [--seed N]`);
  process.exit(2);
}
let target;
try {
  target = await sandboxedTarget(path.resolve(values.dir, lab.file));
} catch (e) {
  console.error(e instanceof LabFailure ? e.message : e);
  process.exit(1);
}
try {
  const verdicts = await (await lab.checks()).checks(target, { runs: Number(values.runs), seed: Number(values.seed) });
  for (const v of verdicts) console.log(`${v.ok ? 'ok  ' : 'FAIL'} ${v.name}${v.ok ? ` (${v.runs} cases)` : `\n  ${v.failure}`}`);
  process.exitCode = verdicts.every((v) => v.ok) ? 0 : 1;
} finally {
  await target.close();
}

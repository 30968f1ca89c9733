// npm run stages [-- --check]
// Writes the starter of every folder that several labs grow (labs/mail/) from
// its one source, the final reference in solutions/ with its stage marks
// (lib/stages.ts). --check only says which files are out of date (exit 1).
import path from 'node:path';
import { labDir, labFolder, labs } from '../course.ts';
import { kitPath } from '../paths.ts';
import { stagedLabs, starterDrift, writeStage } from '../stages.ts';
import { parse } from './args.ts';

const USAGE = 'npm run stages [-- --check]\n  Regenerates labs/<folder>/ of each staged program from solutions/<folder>/ (its stage marks).';
const { values } = parse(process.argv.slice(2), { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);

let stale = 0;
for (const lab of stagedLabs(labs())) {
  const drift = starterDrift(lab);
  if (values.check) {
    for (const f of drift) console.log(`labs/${labFolder(lab)}/${f} differs from what solutions/${labFolder(lab)}/ gives`);
    stale += drift.length;
  } else {
    const written = writeStage(lab, 'starter', labDir(kitPath('labs'), lab));
    console.log(`labs/${labFolder(lab)}/: ${written.length} files written (${drift.length} changed) from ${path.join('solutions', labFolder(lab))}/`);
  }
}
process.exit(stale ? 1 : 0);

// npm run release -- LAB --to DIR [--force]
// Releases the reference of one stage of a program several labs grow (the POP3
// server in labs/mail/) to a student who is stuck: DIR/<folder>/ gets the
// program as it stands at the end of LAB (that lab and the ones before it
// solved, the later ones still their starters), generated from the one source
// in solutions/. The student carries on from it with the next lab.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { labDir, labFolder, resolveLabs, stagesOf } from '../course.ts';
import { labNumber } from '../tools/state.ts';
import { writeStage } from '../stages.ts';
import { parse, usageError } from './args.ts';

const USAGE =
  'npm run release -- LAB --to DIR [--force]\n' +
  '  Writes DIR/<folder>/: the program of LAB\'s folder with LAB and every lab before it solved (e.g. release pop3-transaction --to ~/for-ana).\n' +
  '  --force: write into a folder that already holds files (they are replaced).';
const { values, positionals } = parse(
  process.argv.slice(2),
  { to: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  USAGE,
);
if (positionals.length !== 1) usageError(USAGE, 'Name one lab.');
if (!values.to) usageError(USAGE, 'Say where with --to DIR.');

let lab;
try {
  lab = resolveLabs(positionals)[0]!;
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
const stages = stagesOf(lab);
if (stages.length < 2) {
  console.error(`Lab ${lab.slug} is a lab of its own, not a stage of a program several labs grow: its reference is solutions/${labFolder(lab)}/.`);
  process.exit(2);
}
const dir = labDir(path.resolve(values.to), lab);
if (existsSync(dir) && readdirSync(dir).length > 0 && !values.force) {
  console.error(`${dir} already holds files. Choose another --to, or add --force to replace them.`);
  process.exit(2);
}
const files = writeStage(lab, lab, dir);
const next = stages[stages.indexOf(lab) + 1];
console.log(`Wrote ${dir}/: ${files.join(', ')}.`);
console.log(`Labs ${stages.slice(0, stages.indexOf(lab) + 1).map((l) => labNumber(l.slug)).join(', ')} are solved in it${next ? `; lab ${labNumber(next.slug)} (${next.title}) and later are still starters` : ''}.`);

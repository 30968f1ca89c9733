// npm run watch -- [LAB] [--target DIR] [--poll]
// Re-grades a lab whenever a file in it changes and moves on at full marks.
// Keys: h the next hint, g or Enter re-grade, q quit.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { labDir, type Lab } from '../course.ts';
import { kitPath } from '../paths.ts';
import { dim } from '../term.ts';
import { takeNextHint } from '../tools/hints.ts';
import { killChildGroups } from '../tools/children.ts';
import { onKeys } from '../tools/keys.ts';
import { LabWatcher } from '../tools/watch.ts';
import { chosenLab, parse } from './args.ts';

const USAGE = 'npm run watch -- [LAB] [--target DIR] [--poll]\n  LAB defaults to the first lab not yet at full marks. --poll: do not use fs.watch (slower, works everywhere).';
const { values, positionals } = parse(
  process.argv.slice(2),
  { target: { type: 'string' }, poll: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  USAGE,
);

const lab: Lab = chosenLab(positionals);
const target = path.resolve(values.target ?? kitPath('labs'));
if (!existsSync(target)) {
  console.error(`--target ${values.target}: no such folder. It should hold one folder per lab, like labs/.`);
  process.exit(2);
}

const tty = process.stdout.isTTY === true;
const watcher = new LabWatcher({
  target,
  lab,
  save: !values.target, // only the student's own labs/ feed the course map
  print: (s) => console.log(s),
  clear: tty,
  fsWatch: !values.poll,
  keys: process.stdin.isTTY ? 'Save a file in the lab to re-grade.   h: next hint   g: grade now   q: quit' : undefined,
});

let quitting = false;
function quit(code = 0): void {
  if (quitting) return;
  quitting = true;
  stopKeys();
  killChildGroups(); // a grade in progress runs in its own process group
  void watcher.stop();
  process.exit(code);
}
const stopKeys = onKeys(
  {
    h: () => console.log('\n' + takeNextHint(watcher.lab, 'pressing h again')),
    g: () => watcher.regrade(),
    enter: () => watcher.regrade(),
    q: () => quit(),
  },
  () => quit(),
);
process.on('SIGINT', () => quit(130));
process.on('SIGTERM', () => quit(143));
watcher.on('finished', () => quit(0));
if (!tty) console.log(dim(`Watching ${labDir(target, lab)} …`));
watcher.start();

// npm run bench [-- NAME...]: runs every bench/*.bench.ts (or those whose name
// contains NAME), one after another so they do not compete for the 2 cores.
// A benchmark module exports `run(): Promise<void>` and prints its own figures,
// each as a ratio against a baseline measured in the same run.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { kitPath } from '../lib/paths.ts';

const wanted = process.argv.slice(2);
const files = readdirSync(kitPath('bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(' ')}; there are: ${readdirSync(kitPath('bench')).filter((f) => f.endsWith('.bench.ts')).join(', ')}`);
  process.exit(2);
}
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const mod = (await import(pathToFileURL(path.join(kitPath('bench'), f)).href)) as { run(): Promise<void> };
  await mod.run();
}

// npm run build:site [-- --out DIR]: the course as static files (default
// site-dist/) to host anywhere. Fails, naming each problem, on a broken link
// or a lab in course.json whose lesson is missing.
import path from 'node:path';
import { kitPath, shownPath } from '../paths.ts';
import { SiteBuildError, writeStaticSite } from '../site/build.ts';
import { kitSource } from '../site/source.ts';
import { parse } from './args.ts';

const USAGE = 'npm run build:site [-- --out DIR]   (default site-dist/)';
const { values } = parse(process.argv.slice(2), { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
const out = path.resolve(values.out ?? kitPath('site-dist'));
try {
  const n = writeStaticSite(out, kitSource(false));
  console.log(`Wrote ${n} files to ${shownPath(out)}/. Host the folder anywhere, or open ${shownPath(path.join(out, 'index.html'))}.`);
} catch (e) {
  console.error(e instanceof SiteBuildError ? e.message : (e as Error).stack);
  process.exit(1);
}

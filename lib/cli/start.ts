// npm start [-- --port N]: the course map in the terminal, then the course in
// a browser, served on 127.0.0.1 until Ctrl+C.
import { course } from '../course.ts';
import { formatCourseMap } from '../course-map.ts';
import { bold, dim, yellow } from '../term.ts';
import { buildSite, describeProblems } from '../site/site.ts';
import { kitSource } from '../site/source.ts';
import { startSiteServer } from '../site/server.ts';
import { parse } from './args.ts';

const USAGE = 'npm start [-- --port N]\n  Serves the course on http://127.0.0.1 (any free port unless --port is given).';
const { values } = parse(process.argv.slice(2), { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE);
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port ${values.port}: a port is a whole number from 0 to 65535 (0 picks a free one).`);
  process.exit(2);
}

console.log(formatCourseMap(course().title));
console.log(dim('\nGrade any lab: npm run grade -- NN      Grade them all: npm run grade'));

const source = () => kitSource(true);
const problems = buildSite(source()).problems;
const coming = problems.filter((p) => p.kind === 'missing-lesson');
const broken = problems.filter((p) => p.kind !== 'missing-lesson');
if (coming.length) console.log(dim(`\n${coming.length} lab${coming.length === 1 ? ' has' : 's have'} no lesson yet; the site shows ${coming.length === 1 ? 'it' : 'them'} as coming.`));
if (broken.length) console.log(yellow(`\nThe lessons have ${broken.length} broken link${broken.length === 1 ? '' : 's'} (listed on their pages too):\n${describeProblems(broken)}`));

let site;
try {
  site = await startSiteServer({ source, port });
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `Port ${port} is in use: try another --port, or leave it out to pick a free one.` : err.message);
  process.exit(1);
}
console.log(`\n${bold('The course in your browser:')} ${site.url}`);
console.log(dim('Lessons and grades are read afresh on every reload. Press Ctrl+C to stop.'));

const stop = () => void site.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

// npm start [-- --port N]: the course map in the terminal, then the course in
// a browser, served on 127.0.0.1 until Ctrl+C. The pages grade labs/ (a Grade
// button, and again on every save while a page is open); the link printed
// carries a per-run token, without which the server answers nothing.
import { course, labs } from '../course.ts';
import { formatCourseMap } from '../course-map.ts';
import { kitPath } from '../paths.ts';
import { bold, dim, green, yellow } from '../term.ts';
import { buildSite, describeProblems } from '../site/site.ts';
import { kitSource } from '../site/source.ts';
import { startSiteServer, type SiteServer } from '../site/server.ts';
import { killChildGroups } from '../tools/children.ts';
import { parse } from './args.ts';

const USAGE = 'npm start [-- --port N] [--poll]\n  Serves the course on http://127.0.0.1 (any free port unless --port is given).\n  --poll: notice saves by polling alone (slower; for file systems where fs.watch is blind).';
const { values } = parse(process.argv.slice(2), { port: { type: 'string' }, poll: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE);
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

let site: SiteServer;
try {
  site = await startSiteServer({ source, port, grading: { target: kitPath('labs'), labs, save: true, fsWatch: !values.poll } });
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `Port ${port} is in use: try another --port, or leave it out to pick a free one.` : err.message);
  process.exit(1);
}
site.grading!.onEvent = (e) => {
  const time = new Date().toTimeString().slice(0, 8);
  if (e.type === 'grading') console.log(dim(`${time}  grading ${e.slug}${e.reason === 'save' ? ' (a file changed)' : ''} …`));
  if (e.type === 'graded') console.log(`${dim(time)}  ${e.slug}: ${e.full ? green(`${e.score}/${e.max} full marks`) : yellow(`${e.score}/${e.max}`)}`);
  if (e.type === 'grade-error') console.log(yellow(`${time}  ${e.slug}: the grader failed: ${e.message}`));
};
console.log(`\n${bold('The course in your browser:')} ${site.url}`);
console.log(dim('Only this link opens it (the token is new each run). Grade from a lab page; while a page is open, saving a lab file grades it again.'));
console.log(dim('Press Ctrl+C to stop.'));

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  killChildGroups(); // a grade in progress runs in its own process group
  void site.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

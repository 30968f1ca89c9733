// The student repository: lessons, lab starters, the student's side of the kit
// (grader, harness, site, tools), the public tests and their helpers, a README
// for students, hidden-tests.json (how many hidden tests each lab has and their
// points — never the tests) and the GitHub Classroom workflow. Never the
// solutions, the hidden tests, the kit's own tests and fixtures, or the
// instructor's tools (lib/instructor and its commands).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { course, labFolder, labFolders, labs as allLabs, labTestPaths, type Lab } from '../course.ts';
import { KIT_ROOT, kitPath } from '../paths.ts';
import { writeClassroom } from './classroom.ts';
import { HIDDEN_DIR, HIDDEN_MANIFEST, hiddenTestPaths, manifestOf, type HiddenManifest } from './hidden.ts';
import { listTests } from './list-tests.ts';

/** What a student gets, relative to the kit. Everything else stays behind. */
const TOP_FILES = ['course.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'vitest.config.ts', '.gitignore'];
const TOP_DIRS = ['lessons', 'labs', 'lib', 'test'];
/** Under those folders, never: the kit's own tests and their fixtures, the hidden tests, the instructor's tools. */
const NEVER = [
  'solutions',
  'test/kit',
  'test/hidden',
  'test/fixtures/class',
  'test/fixtures/hostile-class',
  'test/fixtures/mutants',
  'test/fixtures/programs',
  'test/fixtures/site',
  'lib/instructor',
  'lib/cli/autograde.ts',
  'lib/cli/classroom.ts',
  'lib/cli/gradescope.ts',
  'lib/cli/handout.ts',
  'lib/cli/release.ts',
  'lib/cli/stages.ts',
].map((p) => path.join(KIT_ROOT, p));

/** Scripts of the instructor's tools, and the kit's benchmarks: not in a student's package.json. */
const INSTRUCTOR_SCRIPTS = ['autograde', 'handout', 'gradescope', 'classroom', 'bench', 'release', 'stages'];

export interface Handout {
  dir: string;
  hidden: HiddenManifest;
  files: number;
}

function studentPackageJson(): string {
  const pkg = JSON.parse(readFileSync(kitPath('package.json'), 'utf8')) as { scripts: Record<string, string> };
  for (const s of INSTRUCTOR_SCRIPTS) delete pkg.scripts[s];
  // For a student, "test" means "how are my labs doing": the grader, with
  // transcripts and hints, exiting non-zero until every lab has full marks.
  pkg.scripts.test = 'tsx lib/cli/grade.ts';
  return JSON.stringify(pkg, null, 2) + '\n';
}

function studentReadme(labs: Lab[], points: Map<string, number>, hidden: HiddenManifest): string {
  const rows = labs.map((l) => {
    const h = hidden[l.slug];
    return `| ${l.slug} | ${l.title} | ${l.files.map((f) => `\`labs/${labFolder(l)}/${f}\``).join(', ')} | ${points.get(l.slug) ?? 0}${h ? ` + ${h.points} hidden` : ''} |`;
  });
  return `# ${course().title}

Your repository for the course. Each lab has a lesson to read, starter code to
finish, and graded tests that say what they sent, what they expected and what
came back.

## Start

\`\`\`sh
npm install
npm start                 # the course map: lessons, labs, your grades
npm run grade -- 01       # grade lab 01 (any number, or none for every lab)
npm test                  # grade every lab
npm run hint -- 01        # the next hint for lab 01
\`\`\`

Work in \`labs/<lab>/\`: the files named below. Each starter compiles and fails
its tests with a message saying what to do.

| lab | title | you edit | points |
| --- | --- | --- | --- |
${rows.join('\n')}

## Hidden tests

Some labs also have hidden tests: your instructor grades them, you do not see
them. They check the same behaviour as the public tests, on cases you could
otherwise tune your code to. \`hidden-tests.json\` says how many each lab has and
what they are worth. A program that does what the lesson asks, and not just what
the public tests check, passes them.

## Submitting

Commit and push. If your course uses GitHub Classroom, every push runs the
public tests (\`.github/workflows/classroom.yml\`, one step per test) and shows
your points in the Actions tab.
`;
}

/** Copy the kit's student-facing files into `dir` (which must not exist, or be empty). */
export async function makeHandout(dir: string, labs: Lab[] = allLabs()): Promise<Handout> {
  dir = path.resolve(dir);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} is not empty: choose a new folder for the handout`);
  const rel = path.relative(KIT_ROOT, dir);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) throw new Error(`the handout cannot go inside the kit (${dir})`);
  mkdirSync(dir, { recursive: true });

  // A handout of some labs (a staged release) leaves the others' starters, lessons and tests behind.
  const slugOf = (abs: string) => /^(\d\d-[a-z0-9-]+?)(\.[\w.-]+)?$/.exec(path.basename(abs))?.[1];
  const chosen = new Set(labs.map((l) => l.slug));
  const perLab = ['lessons', path.join('test', 'labs')].map((d) => kitPath(d));
  // labs/ holds folders, some shared by several labs (labs/mail/): a folder goes out if a chosen lab uses it.
  const chosenFolders = new Set(labFolders(labs));
  const allFolders = new Set(labFolders(allLabs()));
  let files = 0;
  const filter = (src: string) => {
    const abs = path.resolve(src);
    if (NEVER.some((n) => abs === n || abs.startsWith(n + path.sep))) return false;
    if (path.dirname(abs) === kitPath('labs') && allFolders.has(path.basename(abs)) && !chosenFolders.has(path.basename(abs))) return false;
    if (perLab.includes(path.dirname(abs))) {
      const slug = slugOf(abs);
      if (slug && allLabs().some((l) => l.slug === slug) && !chosen.has(slug)) return false;
    }
    const base = path.basename(abs);
    if (base === 'node_modules' || base === '.socket-kit' || base === '.DS_Store') return false;
    if (statSync(abs).isFile()) files++;
    return true;
  };
  for (const d of TOP_DIRS) if (existsSync(kitPath(d))) cpSync(kitPath(d), path.join(dir, d), { recursive: true, filter });
  for (const f of TOP_FILES) if (existsSync(kitPath(f))) cpSync(kitPath(f), path.join(dir, f), { filter });
  writeFileSync(path.join(dir, 'package.json'), studentPackageJson());
  if (labs.length !== allLabs().length) {
    const manifest = JSON.parse(readFileSync(kitPath('course.json'), 'utf8')) as { labs: Lab[] };
    manifest.labs = manifest.labs.filter((l) => chosen.has(l.slug));
    writeFileSync(path.join(dir, 'course.json'), JSON.stringify(manifest, null, 2) + '\n');
  }

  // One listing of the public and the hidden tests (vitest list imports every file: not free).
  const listed = await listTests(labs, (l) => [...labTestPaths(l), ...hiddenTestPaths(l)]);
  const isSecret = (file: string) => file.startsWith(HIDDEN_DIR() + path.sep);
  const open = listed.filter((t) => !isSecret(t.file));
  const hidden = manifestOf(labs, listed.filter((t) => isSecret(t.file)));
  writeFileSync(path.join(dir, HIDDEN_MANIFEST), JSON.stringify(hidden, null, 2) + '\n');
  const points = new Map<string, number>();
  for (const t of open) points.set(t.slug, (points.get(t.slug) ?? 0) + t.points);
  writeFileSync(path.join(dir, 'README.md'), studentReadme(labs, points, hidden));
  await writeClassroom(dir, labs, open);
  return { dir, hidden, files: files + 3 }; // and the README, hidden-tests.json and the workflow
}

/** Remove a handout folder (tests, a rebuilt handout). */
export const removeHandout = (dir: string) => rmSync(dir, { recursive: true, force: true });

// Gradescope: the autograder zip (setup.sh, run_autograder and the grading part
// of the kit — no solutions, no lessons), and what run_autograder does inside
// the container: grade /autograder/submission, sandboxed, hidden tests included,
// and always leave a results.json, even when grading breaks or is cut short.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findLab, type Lab } from '../course.ts';
import { KIT_ROOT, kitPath } from '../paths.ts';
import { runLabTests } from '../grader/run-tests.ts';
import { openStudentSandbox, sandboxAbilities, UID_BASE } from '../harness/sandbox.ts';
import { failedResults, toGradescope, type GradescopeResults, type Visibility } from './gradescope-results.ts';
import { HIDDEN_DIR, hiddenTestPaths, listHiddenTests } from './hidden.ts';
import { Staging } from './submissions.ts';

/** The assignment a zip grades, stored in it as gradescope.json. */
export interface AssignmentConfig {
  labs: string[];
  hiddenVisibility: Visibility;
}
export const CONFIG_FILE = 'gradescope.json';

/** What of the kit grading needs. Never solutions/, test/kit, the fixture class, lessons or starters. */
const PARTS = ['lib', 'test', 'course.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'vitest.config.ts'];
const NEVER = ['test/kit', 'test/fixtures/class', 'solutions'].map((p) => path.join(KIT_ROOT, p));

export const SETUP_SH = `#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder image is built.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# bubblewrap and util-linux (setpriv, nsenter) for the sandbox; curl and fetchmail: lab tests drive real clients.
apt-get install -y -qq --no-install-recommends ca-certificates curl util-linux bubblewrap fetchmail
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
  apt-get install -y -qq nodejs
fi
cd /autograder/source
npm ci --no-audit --no-fund
`;

export const RUN_AUTOGRADER = `#!/usr/bin/env bash
# Gradescope runs this for every submission. GRADESCOPE_ROOT stands in for
# /autograder when testing it elsewhere. Whatever happens, results.json exists.
ROOT="\${GRADESCOPE_ROOT:-/autograder}"
mkdir -p "$ROOT/results"
cd "$ROOT/source" && node --import tsx lib/cli/gradescope.ts run --root "$ROOT"
rc=$?
if [ ! -s "$ROOT/results/results.json" ]; then
  printf '{"score":0,"execution_time":0,"output":"The autograder failed before it could grade (exit %s). Your instructor can see the log.","output_format":"text","stdout_visibility":"hidden","tests":[]}\\n' "$rc" > "$ROOT/results/results.json"
fi
exit 0
`;

/** Build the zip Gradescope expects. Needs the `zip` program. */
export function buildZip(out: string, labs: Lab[], hiddenVisibility: Visibility = 'hidden'): { zip: string; files: string[] } {
  const stage = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-gradescope-'));
  try {
    const filter = (src: string) => {
      const abs = path.resolve(src);
      const base = path.basename(abs);
      return !NEVER.some((n) => abs === n || abs.startsWith(n + path.sep)) && base !== 'node_modules' && base !== '.socket-kit';
    };
    for (const p of PARTS) if (existsSync(kitPath(p))) cpSync(kitPath(p), path.join(stage, p), { recursive: true, filter });
    const config: AssignmentConfig = { labs: labs.map((l) => l.slug), hiddenVisibility };
    writeFileSync(path.join(stage, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
    writeFileSync(path.join(stage, 'setup.sh'), SETUP_SH);
    writeFileSync(path.join(stage, 'run_autograder'), RUN_AUTOGRADER);
    chmodSync(path.join(stage, 'setup.sh'), 0o755);
    chmodSync(path.join(stage, 'run_autograder'), 0o755);
    const zip = path.resolve(out);
    rmSync(zip, { force: true });
    const r = spawnSync('zip', ['-q', '-r', '-X', zip, '.'], { cwd: stage, encoding: 'utf8' });
    if (r.error || r.status !== 0) throw new Error(`could not run \`zip\` (${r.error?.message ?? r.stderr.trim()}); install it (apt-get install zip) and try again`);
    return { zip, files: listFiles(stage) };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function listFiles(root: string, rel = ''): string[] {
  return readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(root, path.join(rel, e.name)) : [path.join(rel, e.name)],
  );
}

/**
 * The submission as a folder laid out like labs/: as uploaded (lab folders),
 * a clone of the handout (labs/ inside), or — for a one-lab assignment — the
 * lab's files dropped at the top, which is how students upload files.
 */
export function submissionLayout(submission: string, labs: Lab[]): { dir: string; note?: string } {
  if (labs.some((l) => existsSync(path.join(submission, l.slug)))) return { dir: submission };
  const inner = path.join(submission, 'labs');
  if (existsSync(inner) && statSync(inner).isDirectory()) return { dir: inner };
  if (labs.length === 1 && labs[0]!.files.some((f) => existsSync(path.join(submission, f)))) {
    const wrap = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-upload-'));
    cpSync(submission, path.join(wrap, labs[0]!.slug), { recursive: true });
    return { dir: wrap, note: `graded the uploaded files as ${labs[0]!.slug}/` };
  }
  return { dir: submission };
}

function writeResults(root: string, results: GradescopeResults): void {
  const dir = path.join(root, 'results');
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, 'results.json.tmp');
  writeFileSync(tmp, JSON.stringify(results, null, 2) + '\n');
  renameSync(tmp, path.join(dir, 'results.json')); // never half a file
}

/** What run_autograder runs: grade ROOT/submission, write ROOT/results/results.json. */
export async function runAutograder(root: string): Promise<GradescopeResults> {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  // Written first: if Gradescope's global timeout cuts the run short, this is what the student sees.
  writeResults(root, failedResults('grading did not finish within the time Gradescope allows', 0));
  let results: GradescopeResults;
  const staging = new Staging();
  // One uid and one set of namespaces for all of the submission's programs: they may check each other's pids (a POP3 lock).
  const box = sandboxAbilities().bwrap ? openStudentSandbox({ uid: UID_BASE }) : undefined;
  try {
    const config = JSON.parse(readFileSync(kitPath(CONFIG_FILE), 'utf8')) as AssignmentConfig;
    const labs = config.labs.map(findLab);
    // Root-only, so that a sandboxed program cannot read them even without a mount namespace.
    if (existsSync(HIDDEN_DIR())) chmodSync(HIDDEN_DIR(), 0o700);
    const layout = submissionLayout(path.join(root, 'submission'), labs);
    const target = staging.stage({ student: 'submission', dir: layout.dir }, labs);
    if (layout.note && layout.dir !== path.join(root, 'submission')) rmSync(layout.dir, { recursive: true, force: true });
    const hidden = await listHiddenTests(labs);
    const graded = await runLabTests(labs, {
      target,
      extraTests: hiddenTestPaths,
      env: { SOCKET_KIT_SANDBOX: '1', SOCKET_KIT_SANDBOX_UID: String(UID_BASE), ...box?.env },
      prefix: box?.vitestPrefix,
      timeoutMs: 60_000 + 120_000 * labs.length,
    });
    const shown = graded.map((r) => ({
      ...r,
      tests: r.tests.map((t) => ({ ...t, message: t.message?.split(target).join('submission') })),
    }));
    results = toGradescope(shown, hidden, { seconds: seconds(), hiddenVisibility: config.hiddenVisibility });
    if (layout.note) results.output = `(${layout.note})\n${results.output}`;
  } catch (e) {
    results = failedResults((e as Error).message, seconds());
  } finally {
    await box?.close();
    staging.close();
  }
  writeResults(root, results);
  return results;
}

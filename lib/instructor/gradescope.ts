// Gradescope: the autograder zip (setup.sh, run_autograder and the grading part
// of the kit — no solutions, no lessons), and what run_autograder does inside
// the container: grade /autograder/submission, sandboxed, hidden tests included,
// and always leave a results.json, even when grading breaks or is cut short.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findLab, labTestPaths, type Lab } from '../course.ts';
import { KIT_ROOT, kitPath } from '../paths.ts';
import { runLabTests } from '../grader/run-tests.ts';
import { openStudentSandbox, sandboxAbilities, sandboxReport, UID_BASE } from '../harness/sandbox.ts';
import { failedResults, toGradescope, type GradescopeResults, type Visibility } from './gradescope-results.ts';
import { HIDDEN_DIR, hiddenTestPaths } from './hidden.ts';
import { listTests } from './list-tests.ts';
import { notGraded } from './not-graded.ts';
import { findLayout, Staging } from './submissions.ts';

/** The assignment a zip grades, stored in it as gradescope.json. */
export interface AssignmentConfig {
  labs: string[];
  hiddenVisibility: Visibility;
}
export const CONFIG_FILE = 'gradescope.json';

/** What of the kit grading needs. Never solutions/, test/kit, the fixture class, lessons or starters. */
const PARTS = ['lib', 'test', 'course.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'vitest.config.ts'];
const NEVER = ['test/kit', 'test/fixtures/class', 'test/fixtures/hostile-class', 'solutions'].map((p) => path.join(KIT_ROOT, p));

export const SETUP_SH = `#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# GRADESCOPE_ROOT stands in for /autograder when trying it elsewhere, as in run_autograder.
set -euo pipefail
ROOT="\${GRADESCOPE_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
# What grading needs, installed only where missing: util-linux (setpriv, nsenter)
# and bubblewrap for the sandbox; curl, fetchmail and python3: lab tests drive real clients.
need=()
command -v curl >/dev/null || need+=(ca-certificates curl)
command -v fetchmail >/dev/null || need+=(fetchmail)
command -v python3 >/dev/null || need+=(python3)
{ command -v setpriv && command -v nsenter; } >/dev/null || need+=(util-linux)
command -v bwrap >/dev/null || need+=(bubblewrap)
if [ \${#need[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "\${need[@]}"
fi
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
  apt-get install -y -qq nodejs
fi
cd "$ROOT/source"
npm ci --no-audit --no-fund
`;

/** Marks the placeholder results.json: run_autograder replaces it if the grader dies before replacing it itself. */
export const PLACEHOLDER_MARK = 'socket_kit_placeholder';

export const RUN_AUTOGRADER = `#!/usr/bin/env bash
# Gradescope runs this for every submission. GRADESCOPE_ROOT stands in for
# /autograder when testing it elsewhere. Whatever happens, results.json holds a
# grade: the grader writes a placeholder first (what the student sees if
# Gradescope's time limit cuts the run short) and replaces it when done; if the
# grader dies before that, the placeholder is replaced here with the reason.
ROOT="\${GRADESCOPE_ROOT:-/autograder}"
mkdir -p "$ROOT/results"
cd "$ROOT/source" && node --import tsx lib/cli/gradescope.ts run --root "$ROOT"
rc=$?
out="$ROOT/results/results.json"
if [ ! -s "$out" ] || grep -q '"${PLACEHOLDER_MARK}"' "$out"; then
  printf '{"score":0,"execution_time":0,"output":"The autograder stopped before it finished grading (exit %s). Your instructor can see the log.","output_format":"text","visibility":"visible","stdout_visibility":"hidden","tests":[],"extra_data":{"socket_kit_exit":%s}}\\n' "$rc" "$rc" > "$out.tmp" && mv "$out.tmp" "$out"
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
  const placeholder = failedResults('grading did not finish within the time Gradescope allows', 0);
  writeResults(root, { ...placeholder, extra_data: { [PLACEHOLDER_MARK]: true } });
  let results: GradescopeResults;
  const staging = new Staging();
  // One uid and one set of namespaces for all of the submission's programs: they may check each other's pids (a POP3 lock).
  const box = sandboxAbilities().bwrap ? openStudentSandbox({ uid: UID_BASE }) : undefined;
  try {
    const config = JSON.parse(readFileSync(kitPath(CONFIG_FILE), 'utf8')) as AssignmentConfig;
    const labs = config.labs.map(findLab);
    // Root-only, so that a sandboxed program cannot read them even without a mount namespace.
    if (existsSync(HIDDEN_DIR())) chmodSync(HIDDEN_DIR(), 0o700);
    const submission = path.join(root, 'submission');
    const sub = { student: 'submission', root: submission, layout: findLayout(submission, labs) };
    const staged = staging.stage(sub, labs);
    const listed = await listTests(labs, (l) => [...labTestPaths(l), ...hiddenTestPaths(l)]);
    const hidden = listed.filter((t) => t.file.startsWith(HIDDEN_DIR() + path.sep));
    const runnable = labs.filter((l) => !staged.problems.has(l.slug));
    const graded = runnable.length
      ? await runLabTests(runnable, {
          target: staged.dir,
          extraTests: hiddenTestPaths,
          env: { SOCKET_KIT_SANDBOX: '1', SOCKET_KIT_SANDBOX_UID: String(UID_BASE), ...box?.env },
          prefix: box?.vitestPrefix,
          timeoutMs: 60_000 + 120_000 * labs.length,
        })
      : [];
    const shown = labs.map((lab) => {
      const problem = staged.problems.get(lab.slug);
      const r = graded.find((x) => x.slug === lab.slug);
      if (problem || !r) return notGraded(lab, listed, problem ?? 'the grader returned no result for this lab', 'submission');
      return { ...r, tests: r.tests.map((t) => ({ ...t, message: t.message?.split(staged.dir).join('submission') })) };
    });
    results = toGradescope(shown, hidden, { seconds: seconds(), hiddenVisibility: config.hiddenVisibility });
    const notes = [sub.layout.warning, sub.layout.note].filter(Boolean).map((n) => `(${n})`);
    results.output = [...notes, results.output].join('\n');
  } catch (e) {
    results = failedResults((e as Error).message, seconds());
  } finally {
    await box?.close();
    staging.close();
  }
  results.output += `\n\nSandbox limits on this run:\n${sandboxReport().map((l) => `  ${l}`).join('\n')}`;
  writeResults(root, results);
  return results;
}

// Runs labs' graded tests in a child vitest process against a target folder
// and turns what it reports into LabResults. The child is bounded in time and
// killed as a whole process group, so nothing a student wrote can hang it.
// Each test's result is passed to `onTest` the moment it finishes (a small
// reporter in the child writes one line of JSON per test: stream-reporter.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { labTestPaths, type Lab } from '../course.ts';
import { KIT_ROOT, kitPath } from '../paths.ts';
import { POINTS_RE, type GradedMeta } from '../harness/lab-test.ts';
import { takeWire, WIRE_ENV } from '../harness/transcript.ts';
import { failureHint } from '../tools/hints.ts';
import type { LabResult, TestResult } from './results.ts';
import type { StreamEvent } from './stream-reporter.ts';

/** Keep a failure's message, drop stack frames: a student needs the transcript, not our call stack. */
export function cleanMessage(raw: string): string {
  if (/Test timed out in (\d+)ms/.test(raw) || raw.trim() === 'STACK_TRACE_ERROR') {
    return 'the test did not finish within its time limit. Something waited for a reply that never came: look for a missing write, a missing end(), or a loop that never returns.';
  }
  return raw
    .split('\n')
    .filter((l) => !/^\s+at /.test(l))
    .join('\n')
    .replace(/^(LabFailure|Error): /, '')
    .trimEnd();
}

export interface RunOptions {
  target: string;
  /** Whole-run limit; tests have their own, shorter ones. */
  timeoutMs?: number;
  /** Extra test files per lab (an instructor's hidden tests). */
  extraTests?: (lab: Lab) => string[];
  env?: Record<string, string>;
  /** Extra vitest flags (a class run: --no-isolate --maxWorkers=1). */
  vitestArgs?: string[];
  /** Called as each test finishes, with its result as it will appear in the LabResult. */
  onTest?: (lab: Lab, test: TestResult) => void;
  /**
   * 'in-message' (default): a failure's message ends with its whole hint.
   * 'separate': the hint's id is left in TestResult.hint, for a display that
   * shows hints one level at a time (HintLevels in lib/tools/hints.ts).
   */
  hints?: 'in-message' | 'separate';
  /**
   * The gate folder (lib/harness/gate.ts) that decides what may run at once:
   * by default one for this run. A class run passes one for all its students,
   * so that a test re-run alone is alone on the machine.
   */
  gateDir?: string;
  /**
   * Grade several folders in one run, by name (the mutants' kit test): one
   * LabResult per folder and lab it holds, its `target` the folder. `target` is then unused.
   */
  targets?: Record<string, string>;
  /** Command prefix for vitest (the sandbox: enter the student's network namespace). */
  prefix?: string[];
}

/** A test as reported by the child, made into a TestResult. */
function toResult(lab: Lab, e: Extract<StreamEvent, { type: 'test' }>, hints: RunOptions['hints']): TestResult {
  const m = POINTS_RE.exec(e.name);
  const meta = e.meta as GradedMeta;
  const passed = e.state === 'passed';
  const { text, wire } = takeWire(e.message ?? '');
  let message = passed ? undefined : cleanMessage(text || `the test was ${e.state}`);
  let hint: string | undefined;
  if (!passed && meta.hint) {
    if (hints === 'separate') hint = meta.hint;
    else {
      try {
        message += `\n\n${failureHint(lab, meta.hint)}`;
      } catch {
        /* a hint course.json no longer lists: the message stands alone */
      }
    }
  }
  return {
    name: e.name.replace(POINTS_RE, ''),
    points: m ? Number(m[1]) : 0,
    passed,
    message,
    ms: e.ms,
    hint,
    retried: meta.retried,
    ...(wire && !passed ? { wire } : {}),
  };
}

export async function runLabTests(labs: Lab[], opts: RunOptions): Promise<LabResult[]> {
  const files = new Map<string, Lab>();
  for (const lab of labs) for (const f of [...labTestPaths(lab), ...(opts.extraTests?.(lab) ?? [])]) files.set(path.resolve(f), lab);
  const started = new Date().toISOString();
  const key = (suite: string | undefined, file: string) => `${suite ?? ''}\0${path.resolve(file)}`;
  const tests = new Map<string, TestResult[]>(); // by target name and file
  const order = new Map<string, string[]>(); // the tests of each file, as defined
  const fileErrors = new Map<string, string>();
  const onEvent = (e: StreamEvent) => {
    if (e.type === 'test') {
      const lab = files.get(path.resolve(e.file));
      if (!lab) return;
      const r = toResult(lab, e, opts.hints);
      const k = key(e.suite, e.file);
      tests.set(k, [...(tests.get(k) ?? []), r]);
      opts.onTest?.(lab, r);
    } else if (e.type === 'file') {
      order.set(path.resolve(e.file), e.tests.map((n) => n.replace(POINTS_RE, '')));
      if (e.error) fileErrors.set(path.resolve(e.file), cleanMessage(e.error));
    }
  };
  const runError = await spawnVitest([...files.keys()], opts, onEvent);
  const graded = opts.targets
    ? Object.entries(opts.targets).flatMap(([name, dir]) => labs.filter((l) => existsSync(path.join(dir, l.slug))).map((lab) => ({ lab, name: name as string | undefined, dir })))
    : labs.map((lab) => ({ lab, name: undefined, dir: opts.target }));
  return graded.map(({ lab, name, dir }) => {
    const mine = [...files.entries()].filter(([, l]) => l === lab).map(([f]) => f);
    const results: TestResult[] = [];
    const errors: string[] = [];
    for (const file of mine) {
      const got = tests.get(key(name, file)) ?? [];
      const defined = order.get(file) ?? [];
      const rank = (t: TestResult) => {
        const i = defined.indexOf(t.name);
        return i < 0 ? defined.length : i;
      };
      results.push(...[...got].sort((a, b) => rank(a) - rank(b)));
      const err = fileErrors.get(file);
      if (err && got.length === 0) errors.push(err);
    }
    if (results.length === 0 && !errors.length) errors.push(runError ?? `no graded tests ran for ${lab.slug}`);
    return {
      slug: lab.slug,
      title: lab.title,
      target: dir,
      tests: results,
      error: errors.length ? errors.join('\n') : undefined,
      gradedAt: started,
    };
  });
}

/** Resolves with an error description, or undefined if vitest finished by itself. */
function spawnVitest(files: string[], opts: RunOptions, onEvent: (e: StreamEvent) => void): Promise<string | undefined> {
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const ownGate = opts.gateDir ? undefined : mkdtempSync(path.join(os.tmpdir(), 'socket-kit-gate-'));
  return new Promise((resolve) => {
    const [command, ...prefix] = [...(opts.prefix ?? []), process.execPath];
    const child = spawn(
      command!,
      [...prefix, kitPath('node_modules/vitest/vitest.mjs'), 'run', ...files, ...(opts.vitestArgs ?? []), `--reporter=${kitPath('lib', 'grader', 'stream-reporter.ts')}`],
      {
        cwd: KIT_ROOT,
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          ...opts.env,
          SOCKET_KIT_TARGET: path.resolve(opts.target),
          SOCKET_KIT_PROOFS: '', // a proof grading labs wants the labs' tests, not the proofs (vitest.config.ts)
          ...(opts.targets ? { SOCKET_KIT_TARGETS: JSON.stringify(opts.targets) } : {}),
          SOCKET_KIT_STREAM_FD: '3',
          SOCKET_KIT_GATE: opts.gateDir ?? ownGate!,
          FORCE_COLOR: '0',
          [WIRE_ENV]: '1', // each failure carries its conversation for the site's picture (transcript.ts)
        },
      },
    );
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const lines = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      let e: StreamEvent;
      try {
        e = JSON.parse(line) as StreamEvent;
      } catch {
        return;
      }
      onEvent(e);
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL'); // anything it left behind
      } catch {
        /* gone */
      }
      if (ownGate) rmSync(ownGate, { recursive: true, force: true });
      if (signal) resolve(`the grading run was stopped after ${Math.round(timeoutMs / 1000)} s`);
      else resolve(code === 0 || code === 1 ? undefined : `the test runner failed (exit ${code}): ${stderr.trim()}`);
    });
  });
}

// Runs a lab's graded tests in a child vitest process against a target folder
// and turns vitest's JSON report into LabResults. The child is bounded in time
// and killed as a whole process group, so nothing a student wrote can hang it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { labTestPaths, type Lab } from '../course.ts';
import { KIT_ROOT, kitPath } from '../paths.ts';
import { POINTS_RE } from '../harness/lab-test.ts';
import { takeWire, WIRE_ENV } from '../harness/transcript.ts';
import type { LabResult, TestResult } from './results.ts';

interface JsonAssertion {
  title: string;
  status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';
  failureMessages?: string[];
  duration?: number;
}
interface JsonFile {
  name: string;
  status: string;
  message?: string;
  assertionResults: JsonAssertion[];
}

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
  /** Command prefix for vitest (the sandbox: enter the student's network namespace). */
  prefix?: string[];
}

export async function runLabTests(labs: Lab[], opts: RunOptions): Promise<LabResult[]> {
  const files = new Map<string, Lab>();
  for (const lab of labs) for (const f of [...labTestPaths(lab), ...(opts.extraTests?.(lab) ?? [])]) files.set(f, lab);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-grade-'));
  const out = path.join(tmp, 'report.json');
  const started = new Date().toISOString();
  let runError: string | undefined;
  try {
    runError = await spawnVitest([...files.keys()], out, opts);
    let report: { testResults: JsonFile[] } = { testResults: [] };
    try {
      report = JSON.parse(readFileSync(out, 'utf8'));
    } catch {
      runError ??= 'the test runner wrote no report';
    }
    return labs.map((lab) => {
      const tests: TestResult[] = [];
      const errors: string[] = [];
      for (const file of report.testResults.filter((f) => files.get(path.resolve(f.name)) === lab)) {
        if (file.message && file.assertionResults.length === 0) errors.push(cleanMessage(file.message));
        for (const a of file.assertionResults) {
          const m = POINTS_RE.exec(a.title);
          const { text, wire } = takeWire(a.failureMessages?.join('\n') ?? '');
          tests.push({
            name: a.title.replace(POINTS_RE, ''),
            points: m ? Number(m[1]) : 0,
            passed: a.status === 'passed',
            message: a.status === 'passed' ? undefined : cleanMessage(text || `the test was ${a.status}`),
            ms: Math.round(a.duration ?? 0),
            ...(wire && a.status !== 'passed' ? { wire } : {}),
          });
        }
      }
      if (tests.length === 0 && !errors.length) errors.push(runError ?? `no graded tests ran for ${lab.slug}`);
      return {
        slug: lab.slug,
        title: lab.title,
        target: opts.target,
        tests,
        error: errors.length ? errors.join('\n') : undefined,
        gradedAt: started,
      };
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Resolves with an error description, or undefined if vitest finished by itself. */
function spawnVitest(files: string[], outputFile: string, opts: RunOptions): Promise<string | undefined> {
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  return new Promise((resolve) => {
    const [command, ...prefix] = [...(opts.prefix ?? []), process.execPath];
    const child = spawn(
      command!,
      [...prefix, kitPath('node_modules/vitest/vitest.mjs'), 'run', ...files, ...(opts.vitestArgs ?? []), '--reporter=json', `--outputFile=${outputFile}`],
      {
        cwd: KIT_ROOT,
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, ...opts.env, SOCKET_KIT_TARGET: path.resolve(opts.target), FORCE_COLOR: '0', [WIRE_ENV]: '1' },
      },
    );
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
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
      if (signal) resolve(`the grading run was stopped after ${Math.round(timeoutMs / 1000)} s`);
      else resolve(code === 0 || code === 1 ? undefined : `the test runner failed (exit ${code}): ${stderr.trim()}`);
    });
  });
}

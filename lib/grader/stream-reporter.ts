// A vitest reporter for the grader's child run: one line of JSON per event,
// written the moment it happens to the file descriptor the grader passed in
// SOCKET_KIT_STREAM_FD, so the grader (run-tests.ts) shows each test as it
// finishes instead of waiting for the whole run.
//
//   {"type":"test","file":…,"suite"?:…,"name":…,"state":"passed"|"failed"|"skipped","message"?:…,"meta":{…},"ms":…}
//   {"type":"file","file":…,"tests":[names in the order they are defined],"error"?:…}
//   {"type":"end","errors":[…]}
import { writeSync } from 'node:fs';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export type StreamEvent =
  | { type: 'test'; file: string; suite?: string; name: string; state: 'passed' | 'failed' | 'skipped' | 'pending'; message?: string; meta: Record<string, unknown>; ms: number }
  | { type: 'file'; file: string; tests: string[]; error?: string }
  | { type: 'end'; errors: string[] };

const errorText = (e: { stack?: string; message?: string }) => e.stack || e.message || String(e);

export default class StreamReporter implements Reporter {
  private readonly fd = Number(process.env.SOCKET_KIT_STREAM_FD ?? 1);

  private emit(event: StreamEvent): void {
    try {
      writeSync(this.fd, JSON.stringify(event) + '\n');
    } catch {
      /* the grader went away: nothing to tell */
    }
  }

  onTestCaseResult(test: TestCase): void {
    const r = test.result();
    this.emit({
      type: 'test',
      file: test.module.moduleId,
      suite: test.parent.type === 'suite' ? test.parent.name : undefined,
      name: test.name,
      state: r.state,
      message: r.state === 'failed' ? r.errors.map(errorText).join('\n') || 'the test failed' : undefined,
      meta: { ...test.meta() },
      ms: Math.round(test.diagnostic()?.duration ?? 0),
    });
  }

  onTestModuleEnd(module: TestModule): void {
    const errors = module.errors().map(errorText);
    this.emit({ type: 'file', file: module.moduleId, tests: [...module.children.allTests()].map((t) => t.name), error: errors.length ? errors.join('\n') : undefined });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<{ stack?: string; message?: string }>): void {
    this.emit({ type: 'end', errors: errors.map(errorText) });
  }
}

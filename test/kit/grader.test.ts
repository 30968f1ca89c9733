// The student grader, end to end: the command a student types, the exit code
// their shell sees, and the report they read.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { kitPath, TSX_LOADER } from '../../lib/paths.ts';
import { findLab, resolveLabs } from '../../lib/course.ts';
import { formatWarnings } from '../../lib/grader/report.ts';
import { typeErrors } from '../../lib/grader/typecheck.ts';
import { cleanMessage } from '../../lib/grader/run-tests.ts';
import { showLine, Transcript } from '../../lib/harness/transcript.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-grader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run `npm run grade -- ARGS` as a student would, with its own state dir. */
function grade(args: string[], state = path.join(tmp, 'state')): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, kitPath('lib/cli/grade.ts'), ...args], {
    cwd: kitPath(),
    timeout: 280_000,
    env: { ...process.env, SOCKET_KIT_STATE: state, NO_COLOR: '1' },
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

// A grade's time is not what these tests check: on a loaded machine a grade may take minutes.
describe.concurrent('npm run grade', { timeout: 300_000 }, () => {
  test('one run, two labs: full marks for one, and for the other points for what works, a transcript and a hint for what does not; exit 1', async () => {
    // An instructor's copy of a submission: lab 02 finished; lab 01 with the reference
    // server and a client that never retries.
    const target = path.join(tmp, 'submission');
    cpSync(kitPath('solutions/01-udp-echo'), path.join(target, '01-udp-echo'), { recursive: true });
    cpSync(kitPath('solutions/02-tcp-echo'), path.join(target, '02-tcp-echo'), { recursive: true });
    const client = path.join(target, '01-udp-echo/client.ts');
    writeFileSync(client, readFileSync(client, 'utf8').replace("console.error(`no echo within", "finish(1, 'gave up'); console.error(`no echo within"));
    const r = await grade(['01', '02', '--target', target]);
    expect(r.out).toMatch(/Lab 02-tcp-echo[^\n]*\n(  ✓ [^\n]*\n)+  Score: (\d+)\/\2  full marks/);
    expect(r.out).toMatch(/✓ echoes a datagram byte for byte\s+2\/2/);
    expect(r.out).toMatch(/✗ client retries when a datagram is lost\s+0\/2/);
    expect(r.out).toMatch(/1\) client retries when a datagram is lost {2}\(2 pts\)/);
    expect(r.out).toMatch(/stderr:\n\s+\| gave up/);
    expect(r.out).toMatch(/Hint \d+ of \d+: UDP loses datagrams/);
    expect(r.out).toMatch(/Total: (\d+)\/36 over 2 labs/);
    expect(r.code).toBe(1);
    // An instructor's --target does not overwrite the student's remembered grades.
    expect(() => readFileSync(path.join(tmp, 'state', 'grades.json'))).toThrow();
  });

  test('a syntax error names file:line:column and shows the line, at once; the other tests keep their points; each test is shown as it finishes', async () => {
    const target = path.join(tmp, 'broken');
    cpSync(kitPath('solutions/01-udp-echo'), path.join(target, '01-udp-echo'), { recursive: true });
    const server = path.join(target, '01-udp-echo/server.ts');
    const lines = readFileSync(server, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('const maxSize'));
    lines[at] = 'const maxSize = Number(values[\'max-size\'];'; // a missing ")"
    writeFileSync(server, lines.join('\n'));
    const started = Date.now();
    const r = await grade(['udp', '--target', target]);
    // The cause, where it is, and the line itself, for every server test.
    expect(r.out).toMatch(new RegExp(`server\\.ts does not compile, so it was not started:\\n\\s+\\S*server\\.ts:${at + 1}:\\d+: Expected "\\)" but found ";"`));
    expect(r.out).toContain(`${at + 1} | const maxSize = Number(values['max-size'];`);
    expect(r.out).toMatch(/✗ echoes a datagram byte for byte\s+0\/2/);
    expect(r.out).toMatch(/✓ client prints the echo and exits 0\s+2\/2/);
    // tsc agrees, among the warnings, when it is done in time (a busy machine may leave them for the next grade).
    if (!/type check skipped/.test(r.out)) {
      expect(r.out).toMatch(new RegExp(`Type errors in lab 01-udp-echo \\(warnings, not points[^\\n]*\\n\\s+\\S*server\\.ts:${at + 1}:\\d+ {2}'\\)' expected\\.`));
    }
    // Shown as they finished, before the report.
    expect(r.out.indexOf('✓ client prints the echo and exits 0')).toBeLessThan(r.out.indexOf('Lab 01-udp-echo — UDP echo'));
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  test('an unknown lab: says which labs there are, exit 2', async () => {
    const r = await grade(['42']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/'42' is not a lab\. The labs are:\n {2}01-udp-echo/);
  });

  test('a --target that does not exist: says so, exit 2', async () => {
    const r = await grade(['01', '--target', path.join(tmp, 'nowhere')]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/no such folder/);
  });
});

describe('pieces of the report', () => {
  test('type errors in a lab\'s files are found, with file:line:column, as warnings for the report', async () => {
    const target = path.join(tmp, 'typed');
    cpSync(kitPath('solutions/01-udp-echo'), path.join(target, '01-udp-echo'), { recursive: true });
    writeFileSync(path.join(target, '01-udp-echo/client.ts'), readFileSync(kitPath('solutions/01-udp-echo/client.ts'), 'utf8') + "\nexport const triesInWords: number = 'three';\n");
    const found = await typeErrors([findLab('01-udp-echo')], target);
    const line = readFileSync(path.join(target, '01-udp-echo/client.ts'), 'utf8').split('\n').length - 1;
    expect(found.get('01-udp-echo')).toEqual([`${path.join(target, '01-udp-echo/client.ts')}:${line}:14  Type 'string' is not assignable to type 'number'. (TS2322)`]);
    const report = formatWarnings([{ slug: '01-udp-echo', title: 'UDP echo', target, tests: [], gradedAt: '', warnings: found.get('01-udp-echo') }]);
    expect(report).toMatch(/Type errors in lab 01-udp-echo \(warnings, not points/);
  }, 600_000);

  test('labs are found by number, slug or word', () => {
    expect(resolveLabs(['1']).map((l) => l.slug)).toEqual(['01-udp-echo']);
    expect(resolveLabs(['02-tcp-echo', 'udp']).map((l) => l.slug)).toEqual(['02-tcp-echo', '01-udp-echo']);
  });

  test('a failure keeps its message and loses the stack frames', () => {
    expect(cleanMessage('LabFailure: no reply to STAT\n  C: STAT\n    at foo (x.ts:1:1)\n    at bar')).toBe('no reply to STAT\n  C: STAT');
  });

  test('a transcript shows CR/LF only where they are wrong, and marks the point of failure', () => {
    expect(showLine('+OK ready\r\n')).toBe('+OK ready');
    expect(showLine('+OK ready\n')).toBe('+OK ready   (ended by a bare LF, not CRLF)');
    expect(showLine('a\rb\x00\r\n')).toBe('a\\rb\\x00');
    const t = new Transcript();
    t.add('C', 'RETR 1');
    t.add('S', '+OK 120 octets');
    t.add('S', '.');
    expect(t.render('expected the message body, got the terminator')).toBe(
      '  C: RETR 1\n  S: +OK 120 octets\n  S: .   <- expected the message body, got the terminator',
    );
  });
});

// The student grader, end to end: the command a student types, the exit code
// their shell sees, and the report they read.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { kitPath, TSX_LOADER } from '../../lib/paths.ts';
import { resolveLabs } from '../../lib/course.ts';
import { cleanMessage } from '../../lib/grader/run-tests.ts';
import { showLine, Transcript } from '../../lib/harness/transcript.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-grader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run `npm run grade -- ARGS` as a student would, with its own state dir. */
function grade(args: string[], state = path.join(tmp, 'state')): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, kitPath('lib/cli/grade.ts'), ...args], {
    cwd: kitPath(),
    timeout: 90_000,
    env: { ...process.env, SOCKET_KIT_STATE: state, NO_COLOR: '1' },
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

describe.concurrent('npm run grade', () => {
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

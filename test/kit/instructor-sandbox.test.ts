// The sandbox the instructor's grader puts around every student program
// (lib/harness/sandbox.ts), one hostile program per case, run the way a test
// process runs them on its own (one student sandbox for the process, no network
// namespace: instructor-hostile.test.ts grades a whole class with those). Each
// program is bounded by design (a fork loop stops at 300, a flood at 64 MiB), so
// a sandbox bug fails a test instead of taking the machine down.
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { kitPath } from '../../lib/paths.ts';
import { runProgram, startServer, UdpClient, type ServerProcess } from '../../lib/harness/index.ts';
import { confine, LIMITS, sandboxComplete, sandboxReport } from '../../lib/harness/sandbox.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-sandbox-test-'));
chmodSync(dir, 0o755); // a graded copy is readable by the sandbox's uid
// Every program started here (and everything it starts) carries this mark in its environment.
const MARK = `sandbox-test-${randomBytes(6).toString('hex')}`;
const saved = { sandbox: process.env.SOCKET_KIT_SANDBOX, mark: process.env.SOCKET_KIT_RUN };
const servers: ServerProcess[] = [];

const programs: Record<string, string> = {
  'fork-loop.ts': `
    import { spawn } from 'node:child_process';
    let n = 0, refused = '';
    for (let i = 0; i < 300 && !refused; i++) {
      try {
        const c = spawn('sleep', ['30'], { detached: i % 2 === 0, stdio: 'ignore' });
        c.on('error', (e) => (refused ||= e.message));
        if (c.pid) n++;
        c.unref();
      } catch (e) { refused = (e as Error).message; }
    }
    setTimeout(() => { console.log(\`forked \${n}\`); process.exit(0); }, 200);`,
  'buffer-hog.ts': `
    const keep: Buffer[] = [];
    for (let i = 0; i < 32; i++) keep.push(Buffer.alloc(64 * 1024 * 1024, 1)); // at most 2 GiB
    console.log('kept', keep.length);`,
  'heap-hog.ts': `
    const keep: number[][] = [];
    for (let i = 0; i < 64; i++) keep.push(new Array(4_000_000).fill(i + 0.5)); // at most 2 GiB`,
  'busy.ts': `for (;;) {}`,
  'flood.ts': `
    const line = 'x'.repeat(1023) + '\\n';
    let n = 0;
    const more = () => { while (n < 65536) { n++; if (!process.stdout.write(line)) return void process.stdout.once('drain', more); } };
    more();`,
  'exit-7.ts': `process.exit(7);`,
  'whoami.ts': `
    import { execFileSync } from 'node:child_process';
    import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
    const tryIt = (f: () => unknown) => { try { f(); return 'yes'; } catch (e) { return (e as NodeJS.ErrnoException).code; } };
    const caps = readFileSync('/proc/self/status', 'utf8').split('\\n').filter((l) => /^(CapEff|CapPrm|CapBnd|NoNewPrivs)/.test(l));
    console.log(JSON.stringify({
      uid: process.getuid!(),
      pid: process.pid,
      env: Object.keys(process.env).sort(),
      caps,
      root: readdirSync('/').sort(),
      processes: readdirSync('/proc').filter((n) => /^\\d+$/.test(n)).length,
      readSolution: tryIt(() => readFileSync(process.argv[2]!)),
      writeKit: tryIt(() => writeFileSync(process.argv[3]!, 'x')),
      signal: tryIt(() => process.kill(Number(process.argv[4]), 0)),
      userNamespace: tryIt(() => execFileSync('unshare', ['--user', '--map-root-user', 'true'], { stdio: 'ignore' })),
      rootCaches: readdirSync('/tmp').filter((n) => /^(tsx-|socket-kit-bundles-)/.test(n)),
      found: ['/tmp/left-behind', '/dev/shm/left-behind'].filter((f) => tryIt(() => readFileSync(f)) === 'yes'),
      leave: process.argv[5] !== 'leave' ? 'not asked' : tryIt(() => { writeFileSync('/tmp/left-behind', 'x'); writeFileSync('/dev/shm/left-behind', 'x'); }),
    }));`,
  'server.ts': `
    import dgram from 'node:dgram';
    const s = dgram.createSocket('udp4');
    s.on('message', (m, r) => s.send(m, r.port, r.address));
    s.bind(0, '127.0.0.1', () => console.log(\`pid \${process.pid}, listening on 127.0.0.1:\${s.address().port}\`));
    if (!process.argv.includes('--no-handler')) process.on('SIGTERM', () => s.close(() => process.exit(0)));`,
};

beforeAll(() => {
  for (const [name, src] of Object.entries(programs)) writeFileSync(path.join(dir, name), src);
  process.env.SOCKET_KIT_SANDBOX = '1';
  process.env.SOCKET_KIT_RUN = MARK;
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(() => {
  process.env.SOCKET_KIT_SANDBOX = saved.sandbox;
  process.env.SOCKET_KIT_RUN = saved.mark;
  if (saved.sandbox === undefined) delete process.env.SOCKET_KIT_SANDBOX;
  if (saved.mark === undefined) delete process.env.SOCKET_KIT_RUN;
  rmSync(dir, { recursive: true, force: true });
});

/** Live (non-zombie) processes carrying this file's mark: what the sandbox left behind. */
function leftBehind(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('/esbuild\0')) continue; // the test side's own compiler service, not a program
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`SOCKET_KIT_RUN=${MARK}`)) found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return found;
}

const run = (name: string, opts: Parameters<typeof runProgram>[1] = {}) => runProgram(path.join(dir, name), opts);

test('off unless the instructor grader turns it on: a student\'s own grade runs programs as they are', () => {
  const launch = { command: process.execPath, args: ['x.ts'], programArgs: [], nodeFlags: [], file: 'x.ts', cwd: '/', env: { PATH: '/bin' } };
  delete process.env.SOCKET_KIT_SANDBOX;
  try {
    expect(confine(launch)).toMatchObject({ command: launch.command, args: launch.args, env: launch.env, extraStdio: [] });
  } finally {
    process.env.SOCKET_KIT_SANDBOX = '1';
  }
  expect(sandboxReport().join('\n')).toMatch(/heap at most \d+ MB/);
});

describe.runIf(sandboxComplete())('with every layer available (root, cgroups, namespaces)', () => {
  test('a program runs as an unprivileged uid without capabilities, in a view with nothing of the kit, the host or other processes', async () => {
    const solution = kitPath('solutions', '01-udp-echo', 'server.ts');
    const r = await run('whoami.ts', { args: [solution, kitPath('course.json.sandbox-was-here'), String(process.pid), 'leave'] });
    expect(r.code, r.describe()).toBe(0);
    const seen = JSON.parse(r.stdout);
    expect(seen.uid).toBeGreaterThanOrEqual(420_000);
    expect(seen.env).toEqual(['HOME', 'NODE_NO_WARNINGS', 'PATH', 'PWD', 'SOCKET_KIT_RUN', 'TMPDIR']);
    expect(seen.caps).toEqual(['CapPrm:\t0000000000000000', 'CapEff:\t0000000000000000', 'CapBnd:\t0000000000000000', 'NoNewPrivs:\t1']);
    expect(seen.root).toEqual(['bin', 'dev', 'etc', 'lib', 'lib64', 'proc', 'sbin', 'tmp', 'usr'].filter((d) => existsSync(`/${d}`)));
    expect(seen.processes).toBeLessThan(6); // the namespace's init and holder, and this program
    expect(seen.readSolution).toBe('ENOENT'); // not in its world at all
    expect(seen.writeKit).toBe('ENOENT');
    expect(seen.signal).toBe('ESRCH'); // the grader's pid names nothing in its namespace
    expect(seen.userNamespace).not.toBe('yes'); // seccomp: no user namespace to be "root" in
    expect(seen.rootCaches).toEqual([]); // the host's /tmp (root's bundle and tsx caches) is not there
    expect(seen.leave).toBe('yes'); // a private /tmp and /dev/shm, writable ...
    const again = JSON.parse((await run('whoami.ts', { args: ['/x', '/x', '1'] })).stdout);
    expect(again.found).toEqual([]); // ... that the next program starts without
    expect(existsSync('/tmp/left-behind') || existsSync('/dev/shm/left-behind')).toBe(false); // and the host never had
  });

  test('a bundle that came with the copy is not trusted: the program runs what its source says', async () => {
    // A stamp that names an unchanged file would pass the bundle off as fresh.
    writeFileSync(path.join(dir, 'smuggled.ts'), 'console.log("from the source");\n');
    writeFileSync(path.join(dir, '.smuggled.ts.socket-kit.mjs'), 'console.log("from a bundle that came with the submission");\n');
    const node = statSync(process.execPath);
    writeFileSync(path.join(dir, '.smuggled.ts.socket-kit.json'), JSON.stringify({ inputs: [[process.execPath, node.mtimeMs, node.size]] }));
    const r = await run('smuggled.ts');
    expect(r.stdout.trim(), r.describe()).toBe('from the source');
  });

  test('a fork loop stops at the process limit, and nothing it forked survives, detached or not', async () => {
    const r = await run('fork-loop.ts');
    expect(r.code, r.describe()).toBe(0);
    const forked = Number(/forked (\d+)/.exec(r.stdout)?.[1]);
    expect(forked).toBeGreaterThan(0);
    expect(forked).toBeLessThan(LIMITS.processes);
    expect(r.describe()).toMatch(`reached the limit of ${LIMITS.processes} processes and threads`);
    expect(leftBehind()).toEqual([]);
  });

  test('a memory hog is stopped at the memory limit, with a reason', async () => {
    const r = await run('buffer-hog.ts', { timeoutMs: 20_000 });
    expect(r.signal, r.describe()).toBe('SIGKILL');
    expect(r.describe()).toMatch(new RegExp(`stopped by the grader's sandbox: it used more than ${LIMITS.memoryMb} MB of memory`));
  });

  test('a JavaScript heap hog meets the same limit and the same reason (not V8\'s stack dump)', async () => {
    const r = await run('heap-hog.ts', { timeoutMs: 20_000 });
    expect(r.signal, r.describe()).toBe('SIGKILL');
    expect(r.describe()).toMatch(new RegExp(`stopped by the grader's sandbox: it used more than ${LIMITS.memoryMb} MB of memory`));
  });

  test('an infinite loop is stopped at its time limit and leaves nothing behind', async () => {
    const r = await run('busy.ts', { timeoutMs: 800 });
    expect(r.timedOut).toBe(true);
    expect(leftBehind()).toEqual([]);
  });

  test('an output flood is cut to what the harness keeps', async () => {
    const r = await run('flood.ts', { timeoutMs: 20_000 });
    expect(r.stdout.length).toBeLessThan(80 * 1024);
    expect(r.stdout).toMatch(/more bytes not kept/);
  });

  test('exit codes and signals come through as if there were no sandbox', async () => {
    expect((await run('exit-7.ts')).code).toBe(7);
    const polite = await startServer(path.join(dir, 'server.ts'));
    servers.push(polite);
    const c = await UdpClient.open({ server: polite });
    await c.send(Buffer.from('ping'), polite.port);
    expect((await c.receive('the echo')).msg.toString()).toBe('ping');
    c.close();
    polite.signal('SIGTERM');
    expect(await polite.waitExit(3000)).toEqual({ code: 0, signal: null });
    const blunt = await startServer(path.join(dir, 'server.ts'), { args: ['--no-handler'] });
    servers.push(blunt);
    blunt.signal('SIGTERM');
    expect(await blunt.waitExit(3000)).toEqual({ code: null, signal: 'SIGTERM' });
  });

  test('programs of one student see each other (a lock file that names its owner\'s pid works)', async () => {
    const owner = await startServer(path.join(dir, 'server.ts'));
    servers.push(owner);
    const pid = Number(/pid (\d+)/.exec(owner.output())?.[1]); // as the program itself sees it: what a lock file holds
    const r = await run('whoami.ts', { args: ['/nonexistent', '/nonexistent', String(pid)] });
    expect(JSON.parse(r.stdout).signal, r.describe()).toBe('yes'); // same student, same namespace, same uid
    owner.signal('SIGKILL');
    expect((await owner.waitExit(3000))?.signal).toBe('SIGKILL');
    const after = await run('whoami.ts', { args: ['/nonexistent', '/nonexistent', String(pid)] });
    expect(JSON.parse(after.stdout).signal, after.describe()).toBe('ESRCH'); // gone at once: its lock is stale
  });

  test('the hostile fixture finds the kit, yet reads none of it, nor a classmate\'s work', async () => {
    // As the class grader runs it: a private copy.
    const copy = path.join(dir, 'fay-server.ts');
    copyFileSync(kitPath('test', 'fixtures', 'class', 'fay-hostile', '01-udp-echo', 'server.ts'), copy);
    const server = await startServer(copy);
    servers.push(server);
    expect(server.output()).toMatch(/peek: /);
    expect(server.output()).not.toContain('LEAK');
  });

  test('the same fixture, unconfined, does find what it looks for (so the test above can fail)', async () => {
    delete process.env.SOCKET_KIT_SANDBOX;
    try {
      const r = await run('whoami.ts', { args: [kitPath('solutions', '01-udp-echo', 'server.ts'), path.join(dir, 'writable'), String(process.pid)] });
      expect(JSON.parse(r.stdout)).toMatchObject({ uid: 0, readSolution: 'yes', writeKit: 'yes', signal: 'yes', userNamespace: 'yes' });
    } finally {
      process.env.SOCKET_KIT_SANDBOX = '1';
    }
  });
});

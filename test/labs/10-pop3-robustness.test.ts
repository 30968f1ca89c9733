// Graded tests for lab 10 — POP3 robustness, the server against clients that
// misbehave and a machine that fails: the exclusive maildrop lock (across
// processes, with stale locks taken over by exactly one process and reused
// pids seen for what they are), the autologout timer, the 255-octet line
// limit, a client that floods without reading, a password guesser, symbolic
// links in the Maildir and file names that are not UTF-8. (Large messages and
// real mail clients are lab 11: 11-pop3-real-clients.test.ts.)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { currentSlowness, LabFailure, scaled, seconds, waitExpired, type LabContext, type ServerProcess, type TcpClient } from '../../lib/harness/index.ts';
import { asSent, MailRoot } from '../fixtures/pop3/mail-root.ts';
import { login, pop3Lab, retrExact } from '../fixtures/pop3/pop3.ts';

const { graded, root, pop3, account } = pop3Lab('pop3-robustness');

const note = (n: number) => `From: a@example.org\r\nSubject: note ${n}\r\n\r\nThis is note ${n}.\r\n.hidden dot line\r\n`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the exclusive-access lock (RFC 1939 §4, RFC 2449 §8.1.2 IN-USE) -------

graded('a second login to a maildrop in use gets -ERR [IN-USE]; the first session carries on', 3, async (t) => {
  const server = await pop3();
  const a = account([note(1)]);
  const first = await t.tcp(server);
  await login(first, a.user, a.password);
  const second = await t.tcp(server);
  await second.expect(/^\+OK/, 'the greeting');
  await second.command(`USER ${a.user}`, /^\+OK/);
  await second.command(`PASS ${a.password}`, /^-ERR \[IN-USE\]/);
  await first.command('STAT', `+OK 1 ${asSent(note(1)).length}`);
  await second.command('QUIT', /^\+OK/);
  await first.command('QUIT', /^\+OK/);
}, { hint: 'lock-in-use' });

/**
 * Log in, allowing the server a moment (bounded) to hear that the last session
 * went away: a disconnect reaches it asynchronously. Fails if it stays [IN-USE].
 */
async function loginSoon(t: LabContext, server: ServerProcess, a: { user: string; password: string }, after: string): Promise<TcpClient> {
  for (let i = 0; ; i++) {
    const c = await t.tcp(server);
    await c.expect(/^\+OK/, 'the greeting');
    await c.command(`USER ${a.user}`, /^\+OK/);
    c.send(`PASS ${a.password}`);
    const reply = await c.readLine();
    if (reply.startsWith('+OK')) return c;
    if (i >= 20 || !reply.startsWith('-ERR [IN-USE]')) {
      throw new LabFailure(`${after}, the maildrop stayed locked.\n${c.transcript.render('expected +OK: a session that ends must release the lock')}`);
    }
    c.close();
    await sleep(100);
  }
}

graded('the lock is let go at QUIT and when a client just disconnects, even mid-login', 2, async (t) => {
  const server = await pop3();
  const a = account([note(1)]);
  const c1 = await t.tcp(server);
  await login(c1, a.user, a.password);
  await c1.command('QUIT', /^\+OK/);
  await c1.expectClosed();
  const c2 = await t.tcp(server);
  await login(c2, a.user, a.password);
  c2.transcript.note('(client 2 drops the connection without QUIT)');
  c2.close();
  const c3 = await loginSoon(t, server, a, 'after a client logged in and disconnected without QUIT');
  c3.close();
  // A client that sends its login and leaves at once: the lock is taken after it has gone.
  const c4 = await t.tcp(server);
  c4.sendRaw(`USER ${a.user}\r\nPASS ${a.password}\r\n`);
  c4.close();
  const c5 = await loginSoon(t, server, a, 'after a client sent USER and PASS and disconnected at once');
  await c5.command('STAT', `+OK 1 ${asSent(note(1)).length}`);
}, { hint: 'lock-release' });

graded('locks are per maildrop: 20 clients with 20 maildrops are served at once', 2, async (t) => {
  const server = await pop3();
  const accounts = Array.from({ length: 20 }, (_, i) => account([note(i), note(100 + i)]));
  // Connect all first, then talk: a server that serves one session at a time stalls here.
  const clients = await Promise.all(accounts.map(() => t.tcp(server)));
  await Promise.all(
    clients.map(async (c, i) => {
      await login(c, accounts[i]!.user, accounts[i]!.password);
      await retrExact(c, 2, asSent(note(100 + i)));
    }),
  );
  await Promise.all(clients.map((c) => c.command('QUIT', /^\+OK/)));
}, { hint: 'lock-in-use' });

graded('a server killed with SIGKILL leaves all mail and no lock that blocks the next login', 2, async (t) => {
  const killRoot = new MailRoot([{ user: 'kim', password: 'k1m', messages: [note(1), note(2)] }]);
  t.onCleanup(() => killRoot.remove());
  const before = killRoot.files('kim');
  const s1 = await t.start('server.ts', { args: ['--mail-root', killRoot.dir] });
  const c1 = await t.tcp(s1);
  await login(c1, 'kim', 'k1m');
  await c1.command('DELE 1', /^\+OK/);
  c1.transcript.note('(the server is killed with SIGKILL: no chance to clean up)');
  s1.signal('SIGKILL');
  if (!(await s1.waitExit(3000))) throw new LabFailure('the server did not die within 3 s of SIGKILL');
  const s2 = await t.start('server.ts', { args: ['--mail-root', killRoot.dir] });
  const c2 = await t.tcp(s2);
  await login(c2, 'kim', 'k1m').catch((e: Error) => {
    throw new LabFailure(`${e.message}\n\nA lock left by a killed server must be recognised as stale (its owner is gone) and taken over.`);
  });
  await c2.command('STAT', /^\+OK 2 /);
  await c2.command('QUIT', /^\+OK/);
  const after = killRoot.files('kim');
  if (after.join() !== before.join()) {
    throw new LabFailure(`the Maildir changed although no session reached UPDATE: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
  }
}, { hint: 'lock-stale' });

// ---- the autologout timer (RFC 1939 §3) ------------------------------------

graded('autologout: a quiet session is closed without a reply, its deletions undone and its lock freed', 2, async (t) => {
  // Timed on the machine's slowness as measured now (the gate keeps heavy tests away meanwhile).
  const k = currentSlowness();
  const limit = Math.round(1000 * k) / 1000;
  const a = account([note(1), note(2)]);
  const server = await t.start('server.ts', { args: ['--mail-root', root().dir, '--idle-timeout', String(limit)] });
  const c = await t.tcp(server);
  await login(c, a.user, a.password);
  await c.command('DELE 1', /^\+OK/);
  // Each command restarts the timer: 0.6 + 0.6 of activity outlives a fixed timer of 1.
  for (let i = 0; i < 2; i++) {
    await sleep(600 * k);
    await c.command('NOOP', /^\+OK/).catch((e: Error) => {
      // Closed before its time: a timer that commands do not restart, or a machine busy enough to make 0.6 late. Either way, once more alone.
      waitExpired('a NOOP inside the idle timeout');
      throw new LabFailure(`${e.message}\n\nThe session was closed although a command came every ${(0.6 * k).toFixed(1)} s and --idle-timeout is ${limit} s: each command must restart the timer.`);
    });
  }
  c.transcript.note(`(the client goes quiet; --idle-timeout is ${limit} s)`);
  await c.expectClosed(`the server to close the idle session after --idle-timeout ${limit} s, without a reply`, 3 * limit * 1000);
  const again = await t.tcp(server);
  await login(again, a.user, a.password);
  await again.command('STAT', `+OK 2 ${asSent(note(1)).length + asSent(note(2)).length}`);
}, { hint: 'autologout', timeout: 15_000, load: 'sensitive' });

// ---- the command line limit (RFC 2449 §4) ----------------------------------

graded('a command line over 255 octets gets -ERR and the session carries on; 255 octets is fine', 2, async (t) => {
  const server = await pop3();
  const a = account([note(1)]);
  const c = await t.tcp(server);
  await login(c, a.user, a.password);
  c.sendRaw(`NOOP ${'x'.repeat(300)}\r\n`, `NOOP xxx… (a 307-octet line)`);
  await c.expect(/^-ERR/, 'a -ERR for a 307-octet command line');
  c.sendRaw(Buffer.alloc(100_000, 'A'), '(100,000 octets without a line end)');
  c.sendRaw('\r\nSTAT\r\n', '\\r\\n STAT');
  await c.expect(/^-ERR/, 'one -ERR for the 100,000-octet line');
  await c.expect(`+OK 1 ${asSent(note(1)).length}`, 'the reply to STAT after the overlong line: the session carries on');
  await c.command('QUIT', /^\+OK/);
  // RFC 2449 §4: 255 octets with the CRLF is the limit, not over it. "PASS " + 248 + CRLF = 255.
  const long = { user: 'longpass', password: 'p'.repeat(248) };
  root().addUser({ ...long, messages: [note(2)] });
  const c2 = await t.tcp(server);
  await c2.expect(/^\+OK/, 'the greeting');
  await c2.command(`USER ${long.user}`, /^\+OK/);
  c2.sendRaw(`PASS ${long.password}\r\n`, 'PASS ppp… (a 255-octet line: 248 characters of password)');
  await c2.expect(/^\+OK/, 'a login with a 255-octet PASS line, which is within the limit');
}, { hint: 'line-limit' });

// ---- one lock for every process (--stdio too) -------------------------------

graded('the lock holds across processes: a --stdio session meets -ERR [IN-USE] while a TCP session is in', 1, async (t) => {
  const server = await pop3();
  const a = account([note(1)]);
  const c = await t.tcp(server);
  await login(c, a.user, a.password);
  const r = await t.run('server.ts', { args: ['--stdio', '--mail-root', root().dir], stdin: `USER ${a.user}\r\nPASS ${a.password}\r\nQUIT\r\n`, hangWhenIdle: true });
  const replies = r.stdout.split('\r\n');
  if (!/^-ERR \[IN-USE\]/.test(replies[2] ?? '')) {
    throw new LabFailure(`while a TCP session held ${a.user}'s maildrop, a second server process (--stdio) was asked to log in to it. Its reply to PASS should be "-ERR [IN-USE] ...": a lock only this process knows about does not stop another process.\n${r.describe()}`);
  }
  await c.command('STAT', `+OK 1 ${asSent(note(1)).length}`);
}, { hint: 'lock-stale' });

// ---- stale locks: taken over by exactly one process, never through a reused pid --

/** The lock file of a Maildir (lock.ts's LOCK_FILE). */
/** A user's lock, relative to the mail root: read and written through MailRoot, never by a path the server could have swapped for a symlink. */
const lockFile = (user: string) => `${user}/pop3.lock`;

/** Log `c` in up to PASS and return PASS's reply, whatever it is. */
async function tryLogin(c: TcpClient, user: string, password: string): Promise<string> {
  await c.expect(/^\+OK/, 'the greeting');
  await c.command(`USER ${user}`, /^\+OK/);
  c.send(`PASS ${password}`);
  return c.readLine();
}

graded('server processes on one mail root, a stale lock, logins at the same moment: exactly one gets in, every time', 2, async (t) => {
  const a = account([note(1)]);
  // A real stale lock, in this server's own format: made by a server killed while it held it.
  const dead = await t.start('server.ts', { args: ['--mail-root', root().dir] });
  const c0 = await t.tcp(dead);
  await login(c0, a.user, a.password);
  // Padded with 32 MB of spaces after its owner: every server then spends a while reading it before
  // it decides, so a takeover that is not atomic is caught in the act, on a quiet machine or a busy one.
  const stale = Buffer.concat([root().read(lockFile(a.user)), Buffer.alloc(32 << 20, ' '), Buffer.from('\n')]);
  dead.signal('SIGKILL');
  if (!(await dead.waitExit(3000))) throw new LabFailure('the server did not die within 3 s of SIGKILL');
  root().write(lockFile(a.user), stale);
  const servers = await Promise.all(Array.from({ length: 6 }, () => t.start('server.ts', { args: ['--mail-root', root().dir] })));
  for (let round = 1; round <= 20; round++) {
    // A server may remove a stale lock as it takes over, or leave it superseded; put it back if gone.
    if (!root().list(a.user).includes('pop3.lock')) root().write(lockFile(a.user), stale);
    const clients = await Promise.all(servers.map((s) => t.tcp(s)));
    await Promise.all(clients.map(async (c) => {
      await c.expect(/^\+OK/, 'the greeting');
      await c.command(`USER ${a.user}`, /^\+OK/);
    }));
    for (const c of clients) c.send(`PASS ${a.password}`);
    const replies = await Promise.all(clients.map((c) => c.readLine()));
    const inside = replies.filter((r) => r.startsWith('+OK')).length;
    if (inside !== 1) {
      const what = inside > 1
        ? `${inside} logged in: ${inside} sessions own one maildrop. Taking over a stale lock must be atomic: processes that all find it stale must not all win (never remove it, then create a new one).`
        : 'none logged in: the lock left by a killed server was not taken over.';
      throw new LabFailure(`round ${round}: six server processes each got "PASS" for ${a.user} at the same moment, with a stale lock in the Maildir; ${what}\n${replies.map((r, i) => `  server ${i + 1}: ${r}`).join('\n')}`);
    }
    await Promise.all(clients.map(async (c) => {
      await c.command('QUIT', /^\+OK/);
      await c.expectClosed();
    }));
  }
}, { hint: 'lock-stale', timeout: 60_000, load: 'heavy' }); // six servers read a 32 MB lock, twenty times

graded('a lock naming a live process that did not write it (a reused pid) does not lock the user out', 2, async (t) => {
  const [x, z, y, old] = [account([note(1)]), account([note(2)]), account([note(3)]), account([note(4)])];
  const sA = await t.start('server.ts', { args: ['--mail-root', root().dir] });
  const sB = await t.start('server.ts', { args: ['--mail-root', root().dir] });
  const cA = await t.tcp(sA);
  await login(cA, x.user, x.password);
  const cB = await t.tcp(sB);
  await login(cB, z.user, z.password);
  // Server A's lock, with server B's pid in place of A's: a live process, but not
  // the one that wrote the lock, which is what a pid reused after a crash looks like.
  const lockA = root().read(lockFile(x.user)).toString('utf8');
  const pidB = /^\s*(\d+)/.exec(root().read(lockFile(z.user)).toString('utf8'))?.[1];
  if (!/^\s*\d+/.test(lockA) || !pidB) throw new LabFailure(`a lock file should start with its owner's pid, then whatever else tells that process apart; found ${JSON.stringify(lockA.slice(0, 60))}.`);
  root().write(lockFile(y.user), lockA.replace(/\d+/, pidB));
  const c = await t.tcp(sA);
  c.transcript.note(`(${y.user}'s Maildir holds a lock naming pid ${pidB}: alive, but not the process that wrote it)`);
  const reply = await tryLogin(c, y.user, y.password);
  if (!reply.startsWith('+OK')) {
    throw new LabFailure(`${y.user}'s lock names a process that is alive but did not write it (its pid now belongs to another process, as after a crash and a reused pid). Alive is not enough: check it is the same process (its start time, /proc/<pid>/stat field 22).\n${c.transcript.render('expected +OK')}`);
  }
  // An old lock that names only a live pid, a day old: nothing says whose it is, and it is far too old.
  const dayAgo = new Date(Date.now() - 86_400_000);
  root().write(lockFile(old.user), `${pidB}\n`, dayAgo);
  const c2 = await t.tcp(sA);
  c2.transcript.note(`(${old.user}'s Maildir holds a day-old lock holding only pid ${pidB}, which is alive)`);
  const reply2 = await tryLogin(c2, old.user, old.password);
  if (!reply2.startsWith('+OK')) throw new LabFailure(`a day-old lock that names only a live pid locked ${old.user} out. A lock that does not say enough to check its owner must not be honoured for ever.\n${c2.transcript.render('expected +OK')}`);
}, { hint: 'lock-stale' });

// ---- a client that floods, a client that guesses -------------------------------

/** Resident memory of the server's process, in MB (/proc/<pid>/status). */
function rssMb(server: ServerProcess): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}

graded('a client that floods empty lines without reading its replies delays no one, and costs the server no memory', 2, async (t) => {
  const server = await t.start('server.ts', { args: ['--mail-root', root().dir] });
  const a = account([note(1)]);
  const before = rssMb(server);
  // The flood: bare LFs (each one an empty command, each answered "-ERR"), as fast as TCP takes them, never reading.
  const flood = net.connect(server.port, '127.0.0.1');
  flood.pause();
  flood.on('error', () => {});
  t.onCleanup(() => flood.destroy());
  const lf = Buffer.alloc(64 * 1024, '\n');
  let sent = 0;
  let flooding = true;
  const pour = async () => {
    while (flooding && sent < 64 * 1024 * 1024) {
      sent += lf.length;
      if (!flood.write(lf)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            flood.off('drain', done);
            resolve();
          };
          const timer = setTimeout(done, 200);
          flood.once('drain', done);
        });
      }
    }
  };
  const pouring = pour();
  await new Promise((r) => setTimeout(r, 300));
  const slowest: { ms: number; c: TcpClient }[] = [];
  for (let i = 0; i < 8; i++) {
    const t0 = Date.now();
    const c = await t.tcp(server);
    await c.expect(/^\+OK/, 'the greeting, while another client floods the server');
    slowest.push({ ms: Date.now() - t0, c });
    if (i === 0) {
      await c.command(`USER ${a.user}`, /^\+OK/);
      await c.command(`PASS ${a.password}`, /^\+OK/);
      await c.command('STAT', `+OK 1 ${asSent(note(1)).length}`);
      await c.command('QUIT', /^\+OK/);
    }
    c.close();
    await new Promise((r) => setTimeout(r, 200));
  }
  flooding = false;
  await pouring;
  const worst = slowest.reduce((m, x) => (x.ms > m.ms ? x : m));
  if (worst.ms > scaled(1000)) {
    throw new LabFailure(`while one client sent ${Math.round(sent / 1048576)} MB of empty lines without reading a reply, a new client waited ${seconds(worst.ms)} for its greeting. One client's commands must not hold the event loop: yield between commands, and stop reading from a client whose replies are not being read.\n${worst.c.transcript.render()}`);
  }
  const grown = rssMb(server) - before;
  if (grown > 48) throw new LabFailure(`while one client sent ${Math.round(sent / 1048576)} MB of empty lines without reading a reply, the server's memory grew by ${Math.round(grown)} MB. Read no more from a client while its replies are unsent: TCP then makes the client wait, not your memory.`);
}, { hint: 'flood', timeout: 60_000 });

graded('password guessing is slow: a refusal waits about a second, is logged, and the third one hangs up; the right password is not delayed', 2, async (t) => {
  const server = await t.start('server.ts', { args: ['--mail-root', root().dir] });
  const a = account([]);
  const c = await t.tcp(server);
  await c.expect(/^\+OK/, 'the greeting');
  for (let i = 1; i <= 3; i++) {
    await c.command(`USER ${a.user}`, /^\+OK/);
    const t0 = Date.now();
    await c.command(`PASS wrong-guess-${i}`, /^-ERR/);
    const ms = Date.now() - t0;
    if (ms < 800) throw new LabFailure(`a wrong password was refused after ${seconds(ms)}: a guesser can try thousands a second. Wait about a second before the -ERR.\n${c.transcript.render('expected -ERR, after about a second')}`);
  }
  await c.expectClosed('the server to hang up after a third wrong password', scaled(3000));
  if (!server.output().includes(a.user)) {
    throw new LabFailure(`three wrong passwords for ${a.user}, and the server's log (stderr) never named the user: log each refused login, so an administrator can see a guesser.\n  the server printed:\n${server.output().split('\n').slice(-5).map((l) => `    | ${l}`).join('\n')}`);
  }
  const ok = await t.tcp(server);
  await ok.expect(/^\+OK/, 'the greeting');
  // Against a reply that is never delayed (USER), on the same connection at the same moment: a loaded machine slows both alike.
  const u0 = Date.now();
  await ok.command(`USER ${a.user}`, /^\+OK/);
  const userMs = Date.now() - u0;
  const t0 = Date.now();
  await ok.command(`PASS ${a.password}`, /^\+OK/);
  const passMs = Date.now() - t0;
  if (passMs - userMs > 600) {
    waitExpired('the right password'); // a stall of the machine looks the same: once more, alone, before it counts
    throw new LabFailure(`the right password took ${seconds(passMs)} to be accepted (USER took ${seconds(userMs)}): slow down refusals only.\n${ok.transcript.render()}`);
  }
}, { hint: 'guessing', timeout: 30_000, load: 'sensitive' });

graded('guessing on many connections at once is slowed as a whole: ten parallel guesses take seconds, not one', 1, async (t) => {
  const server = await t.start('server.ts', { args: ['--mail-root', root().dir] });
  const a = account([]);
  const clients = await Promise.all(Array.from({ length: 10 }, () => t.tcp(server, { timeoutMs: 15_000 })));
  await Promise.all(clients.map(async (c) => {
    await c.expect(/^\+OK/, 'the greeting');
    await c.command(`USER ${a.user}`, /^\+OK/);
  }));
  const t0 = Date.now();
  await Promise.all(clients.map((c, i) => c.command(`PASS parallel-guess-${i}`, /^-ERR/)));
  const ms = Date.now() - t0;
  if (ms < 2000) throw new LabFailure(`ten wrong passwords sent at once on ten connections were all refused within ${seconds(ms)}: a guesser with many connections still guesses at full speed. Space refusals out across the whole server (the lesson's limit: five a second).`);
}, { hint: 'guessing', timeout: 30_000, load: 'sensitive' });

// ---- what the Maildir may hold: symbolic links, names that are not UTF-8 -------

graded('the maildrop serves no symbolic link: not in the listing, not by RETR, not even one swapped in after login', 2, async (t) => {
  const outside = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-outside-'));
  t.onCleanup(() => rmSync(outside, { recursive: true, force: true }));
  const secret = path.join(outside, 'shadow');
  writeFileSync(secret, 'Subject: not yours\r\n\r\nTOP SECRET\r\n');
  const a = account([note(1), note(2)]);
  const newDir = path.join(root().dir, a.user, 'new');
  symlinkSync(secret, path.join(newDir, '1700000000.M0P0.link-to-secret'));
  // Another user's cur/ is a link to a folder elsewhere.
  const b = account([]);
  const elsewhere = path.join(outside, 'cur');
  mkdirSync(elsewhere);
  writeFileSync(path.join(elsewhere, '1700000001.M1P1.elsewhere:2,S'), 'Subject: from elsewhere\r\n\r\nnot in this maildrop\r\n');
  rmSync(path.join(root().dir, b.user, 'cur'), { recursive: true });
  symlinkSync(elsewhere, path.join(root().dir, b.user, 'cur'));
  const server = await pop3();
  const c = await t.tcp(server);
  c.transcript.note(`(${a.user}'s new/ holds two messages and a symbolic link to a file outside the mail root)`);
  await login(c, a.user, a.password);
  const two = asSent(note(1)).length + asSent(note(2)).length;
  await c.command('STAT', `+OK 2 ${two}`);
  // After login, message 1 is replaced by a link to the secret: RETR must not follow it.
  const first = readdirSync(newDir).filter((f) => !f.includes('link')).sort()[0]!;
  symlinkSync(secret, path.join(newDir, `${first}.tmp-link`));
  renameSync(path.join(newDir, `${first}.tmp-link`), path.join(newDir, first));
  c.transcript.note('(message 1 is swapped for a symbolic link to that file)');
  c.send('RETR 1');
  const reply = await c.readLine();
  if (reply.startsWith('+OK')) {
    const body = await c.readMultiline();
    if (body.includes('TOP SECRET')) throw new LabFailure(`RETR 1 followed a symbolic link put in the Maildir after login and sent a file from outside the mail root.\n${c.transcript.render('expected -ERR: never open a message through a link (O_NOFOLLOW)')}`);
  }
  await c.command('NOOP', '+OK');
  const cb = await t.tcp(server);
  cb.transcript.note(`(${b.user}'s cur/ is a symbolic link to a folder outside the mail root)`);
  await login(cb, b.user, b.password);
  await cb.command('STAT', '+OK 0 0');
}, { hint: 'symlinks' });

graded('a message whose file name is not valid UTF-8 is listed, retrieved and deleted like any other', 1, async (t) => {
  const a = account([note(1)]);
  const newDir = Buffer.from(path.join(root().dir, a.user, 'new') + path.sep);
  const name = Buffer.concat([Buffer.from('1800000000.M9P9.caf'), Buffer.from([0xe9]), Buffer.from('.example')]); // é in latin1: not UTF-8
  const body = 'Subject: a latin1 name\r\n\r\nstill a message\r\n';
  writeFileSync(Buffer.concat([newDir, name]), body);
  const c = await t.tcp(await pop3());
  c.transcript.note('(message 2 is stored under a file name with the byte 0xE9, which is not UTF-8)');
  await login(c, a.user, a.password);
  await c.command('STAT', `+OK 2 ${asSent(note(1)).length + asSent(body).length}`);
  await retrExact(c, 2, asSent(body));
  const uid = (await c.command('UIDL 2', /^\+OK 2 /)).split(' ')[2] ?? '';
  if (!/^[\x21-\x7e]{1,70}$/.test(uid)) throw new LabFailure(`UIDL 2 gave ${JSON.stringify(uid)}: an id is 1 to 70 characters from 0x21 to 0x7E (RFC 1939 §7), whatever bytes the file name holds.\n${c.transcript.render()}`);
  await c.command('DELE 2', /^\+OK/);
  await c.command('QUIT', /^\+OK/);
  await c.expectClosed();
  const left = readdirSync(newDir, { encoding: 'buffer' }).filter((n) => n.equals(name));
  if (left.length) throw new LabFailure(`after DELE 2 and QUIT, the file with the non-UTF-8 name is still in the Maildir: keep file names as bytes (readdir with { encoding: 'buffer' }), never as text.\n${c.transcript.render()}`);
}, { hint: 'names' });

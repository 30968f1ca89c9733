// Graded tests for lab 09 — a POP3 server for the real world: the exclusive
// maildrop lock, the autologout timer, the 255-octet line limit, many clients,
// and large messages streamed with backpressure. (Real mail clients have their
// own file: 09-pop3-real-world.clients.test.ts.)
import { readlinkSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LabFailure, livePidsInGroup, type LabContext, type ServerProcess, type TcpClient } from '../../lib/harness/index.ts';
import { asSent, MailRoot } from '../fixtures/pop3/mail-root.ts';
import { login, pop3Lab, retrExact } from '../fixtures/pop3/pop3.ts';

const { graded, root, pop3, account } = pop3Lab('09-pop3-real-world');

const note = (n: number) => `From: a@example.org\r\nSubject: note ${n}\r\n\r\nThis is note ${n}.\r\n.hidden dot line\r\n`;

/** A large message of `mb` MiB: 80-octet lines, some starting with "." (stuffed on the wire). */
function bigMessage(mb: number): Buffer {
  const block: string[] = ['Subject: a large message\r\n', '\r\n'];
  for (let i = 0; block.join('').length < 64 * 1024 - 100; i++) {
    block.push(i % 50 === 7 ? `.line ${i} starts with a dot`.padEnd(78, '.') + '\r\n' : `line ${i} `.padEnd(78, 'x') + '\r\n');
  }
  const one = Buffer.from(block.slice(2).join(''), 'latin1');
  return Buffer.concat([Buffer.from(block.slice(0, 2).join('')), ...Array.from({ length: mb * 16 }, () => one)]);
}

/** Where the server (any process of its group) has `file` open: the read offset of each descriptor. */
function openOffsets(server: ServerProcess, file: string): number[] {
  const found: number[] = [];
  for (const pid of livePidsInGroup(server.group)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== file) continue;
        const pos = /^pos:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
        found.push(Number(pos?.[1] ?? 0));
      } catch {
        /* closed while we looked */
      }
    }
  }
  return found;
}

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
  const a = account([note(1), note(2)]);
  const server = await t.start('server.ts', { args: ['--mail-root', root().dir, '--idle-timeout', '1.5'] });
  const c = await t.tcp(server);
  await login(c, a.user, a.password);
  await c.command('DELE 1', /^\+OK/);
  // Each command restarts the timer: 0.9 s + 0.9 s of activity outlives a fixed 1.5 s.
  for (let i = 0; i < 2; i++) {
    await sleep(900);
    await c.command('NOOP', /^\+OK/);
  }
  c.transcript.note('(the client goes quiet; --idle-timeout is 1.5 s)');
  await c.expectClosed('the server to close the idle session after --idle-timeout 1.5 s, without a reply', 4500);
  const again = await t.tcp(server);
  await login(again, a.user, a.password);
  await again.command('STAT', `+OK 2 ${asSent(note(1)).length + asSent(note(2)).length}`);
}, { hint: 'autologout', timeout: 15_000 });

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
  const r = await t.run('server.ts', { args: ['--stdio', '--mail-root', root().dir], stdin: `USER ${a.user}\r\nPASS ${a.password}\r\nQUIT\r\n` });
  const replies = r.stdout.split('\r\n');
  if (!/^-ERR \[IN-USE\]/.test(replies[2] ?? '')) {
    throw new LabFailure(`while a TCP session held ${a.user}'s maildrop, a second server process (--stdio) was asked to log in to it. Its reply to PASS should be "-ERR [IN-USE] ...": a lock only this process knows about does not stop another process.\n${r.describe()}`);
  }
  await c.command('STAT', `+OK 1 ${asSent(note(1)).length}`);
}, { hint: 'lock-stale' });

// ---- large messages --------------------------------------------------------

graded('RETR of an 8 MB message comes back byte for byte', 2, async (t) => {
  const server = await pop3();
  const big = bigMessage(8);
  const a = account([note(1), big]);
  const c = await t.tcp(server);
  await login(c, a.user, a.password);
  await c.command('LIST 2', `+OK 2 ${big.length}`);
  await retrExact(c, 2, big, 15_000);
  await c.command('QUIT', /^\+OK/);
}, { hint: 'stream-retr', timeout: 30_000 });

/**
 * A message whose line ends and leading dots fall on the chunk boundaries a
 * streaming reader is likely to use (multiples of 16 KiB): a CR at the end of
 * one chunk and its LF at the start of the next; a "." starting the next chunk;
 * with bare-LF lines in between.
 */
function awkwardMessage(): Buffer {
  const out = Buffer.alloc(16 * 1024 * 12, 'y');
  out.write('Subject: boundaries\n\n', 0, 'latin1');
  for (let k = 1; k < 12; k++) {
    const b = k * 16 * 1024;
    if (k % 2) out.write('\r\n', b - 1, 'latin1'); // CR ends a chunk, LF begins the next
    else out.write('\n.', b - 1, 'latin1'); // LF ends a chunk, a dot line begins the next
    out.write('\n', b + 700, 'latin1'); // and some bare-LF lines in between
  }
  return out;
}

graded('a message whose CRLFs and dots fall on read-chunk boundaries comes back byte for byte', 1, async (t) => {
  const server = await pop3();
  const m = awkwardMessage();
  const a = account([m]);
  const c = await t.tcp(server);
  await login(c, a.user, a.password);
  await retrExact(c, 1, asSent(m));
  await c.command('TOP 1 3', /^\+OK/);
  const lines = await c.readMultiline();
  if (lines.length !== 5 || lines[0] !== 'Subject: boundaries' || lines[1] !== '') {
    throw new LabFailure(`TOP 1 3 should give the header, the blank line and 3 body lines (5 lines); got ${lines.length}.\n${c.transcript.render()}`);
  }
}, { hint: 'stream-retr' });

graded('RETR streams with backpressure: a client that stops reading holds the server near the start of the file, and others are served', 3, async (t) => {
  const server = await pop3();
  const mb = 32;
  const a = account([bigMessage(mb)]);
  const file = path.join(root().dir, a.user, 'new', readdirSync(path.join(root().dir, a.user, 'new'))[0]!);
  const slow = await t.tcp(server);
  await login(slow, a.user, a.password);
  await slow.command('RETR 1', /^\+OK/);
  slow.socket.pause(); // from here the client reads nothing: TCP's window fills, then the server's writes back up
  slow.transcript.note(`(the client stops reading; the message is ${mb} MiB)`);
  // Meanwhile another client is served in full.
  const b = account([note(7)]);
  const other = await t.tcp(server);
  await login(other, b.user, b.password);
  await retrExact(other, 1, asSent(note(7)));
  await other.command('QUIT', /^\+OK/);
  // The server should still be reading the file a little at a time, paced by the client.
  const half = (mb / 2) * 1024 * 1024;
  for (let i = 0; i < 8; i++) {
    await sleep(100);
    const offsets = openOffsets(server, file);
    if (offsets.length === 0 || Math.max(...offsets) > half) {
      throw new LabFailure(
        `a client asked for a ${mb} MiB message and read nothing, yet the server ${offsets.length ? `has read ${Math.max(...offsets)} octets of the file` : 'no longer has the file open (it read it whole)'}. ` +
          `Stream it: read a chunk, write it, and wait for 'drain' when write() returns false.\n${slow.transcript.render('expected the server to wait for the client')}`,
      );
    }
  }
  slow.transcript.note('(the client disconnects in the middle of the message)');
  slow.close();
  for (let i = 0; openOffsets(server, file).length > 0; i++) {
    if (i > 30) throw new LabFailure('the client disconnected mid-RETR, but 3 s later the server still had the message file open. Stop reading and close it when the connection closes.');
    await sleep(100);
  }
  const again = await t.tcp(server);
  await login(again, a.user, a.password);
  await again.command('STAT', /^\+OK 1 /);
  await again.command('QUIT', /^\+OK/);
}, { hint: 'stream-retr', timeout: 30_000 });

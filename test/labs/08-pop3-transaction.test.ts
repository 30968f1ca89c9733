// Graded tests for lab 08 — POP3 TRANSACTION and UPDATE: STAT, LIST, RETR,
// DELE, NOOP, RSET, QUIT over a Maildir. Sizes count octets as sent (CRLF),
// multi-line replies are byte-stuffed, and only QUIT removes what DELE marked.
import { LabFailure, prng, type TcpClient } from '../../lib/harness/index.ts';
import { asSent } from '../fixtures/pop3/mail-root.ts';
import { assertSameBytes, login, pop3Lab, retrExact } from '../fixtures/pop3/pop3.ts';

const { graded, root, pop3, account } = pop3Lab('pop3-transaction');

// Three ways a message file ends its lines, as found in real Maildirs.
const LF_MAIL = 'From: ann@example.org\nSubject: lf\n\nLines end in a bare LF on disk.\nSo each counts two octets on the wire.\n';
const CRLF_MAIL = 'From: bo@example.org\r\nSubject: crlf\r\n\r\nThis one is stored with CRLF already.\r\n';
const NO_EOL_MAIL = 'From: cy@example.org\nSubject: no final newline\n\nThe last line has no line end';
const MAILS = [LF_MAIL, CRLF_MAIL, NO_EOL_MAIL];
const sizes = MAILS.map((m) => asSent(m).length);
const total = sizes.reduce((a, b) => a + b, 0);

async function expectList(c: TcpClient, entries: [number, number][]): Promise<void> {
  await c.command('LIST', /^\+OK/);
  const got = await c.readMultiline();
  const want = entries.map(([n, size]) => `${n} ${size}`);
  if (got.join('|') !== want.join('|')) {
    throw new LabFailure(`LIST should list ${JSON.stringify(want)} (message number, size in octets with CRLF line ends), one per line, then ".". It listed ${JSON.stringify(got)}.\n${c.transcript.render('expected that listing')}`);
  }
}

graded('STAT and LIST count the messages and their sizes in octets as sent (CRLF line ends)', 2, async (t) => {
  const a = account(MAILS);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  await c.command('STAT', `+OK 3 ${total}`);
  await expectList(c, [[1, sizes[0]!], [2, sizes[1]!], [3, sizes[2]!]]);
  await c.command('LIST 2', `+OK 2 ${sizes[1]}`);
}, { hint: 'octets' });

graded('an empty maildrop: STAT is +OK 0 0 and LIST is an empty listing', 1, async (t) => {
  const a = account([]);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  await c.command('STAT', '+OK 0 0');
  await expectList(c, []);
}, { hint: 'stat-list' });

graded('RETR sends each message byte for byte, with CRLF line ends, and ends it with "."', 2, async (t) => {
  const a = account(MAILS);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  for (let i = 0; i < MAILS.length; i++) await retrExact(c, i + 1, asSent(MAILS[i]!));
  await c.command('NOOP', '+OK');
}, { hint: 'stuffing' });

graded('RETR byte-stuffs every line that starts with "."', 2, async (t) => {
  const dotty = 'Subject: dots\r\n\r\n.\r\n..\r\n. a dot and a space\r\n.hidden\r\nnot.at.start\r\n.';
  const a = account([dotty]);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  c.send('RETR 1');
  await c.expect(/^\+OK/);
  const wire = Buffer.from('Subject: dots\r\n\r\n..\r\n...\r\n.. a dot and a space\r\n..hidden\r\nnot.at.start\r\n..\r\n.\r\n', 'latin1');
  assertSameBytes(wire, await c.readBytes(wire.length, 'the byte-stuffed message and its "." line'), c, 'RETR of a message whose lines start with "."');
  await c.command('NOOP', '+OK');
}, { hint: 'stuffing' });

graded('bad message numbers and arguments get -ERR, and the session goes on', 1, async (t) => {
  const a = account(MAILS);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  for (const bad of ['RETR 0', 'RETR 4', 'RETR one', 'RETR -1', 'RETR', 'RETR 1 2', 'LIST 9', 'LIST x', 'DELE 99', 'DELE', 'STAT 1', 'NOOP 1', 'USER bob']) {
    await c.command(bad, /^-ERR/);
  }
  await c.command('STAT', `+OK 3 ${total}`);
}, { hint: 'msg-number' });

graded('DELE marks a message: it vanishes from STAT and LIST, and RETR, LIST or DELE of it is -ERR', 2, async (t) => {
  const a = account(MAILS);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  await c.command('DELE 1', /^\+OK/);
  await c.command('STAT', `+OK 2 ${sizes[1]! + sizes[2]!}`);
  await expectList(c, [[2, sizes[1]!], [3, sizes[2]!]]);
  await c.command('RETR 1', /^-ERR/);
  await c.command('LIST 1', /^-ERR/);
  await c.command('DELE 1', /^-ERR/);
  // Message numbers do not shift: 2 is still the second message.
  await retrExact(c, 2, asSent(CRLF_MAIL));
  await c.command('NOOP', '+OK');
}, { hint: 'dele-mark' });

graded('RSET undoes every DELE of the session', 1, async (t) => {
  const a = account(MAILS);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  await c.command('DELE 1', /^\+OK/);
  await c.command('DELE 3', /^\+OK/);
  await c.command('RSET', /^\+OK/);
  await c.command('STAT', `+OK 3 ${total}`);
  await retrExact(c, 1, asSent(LF_MAIL));
}, { hint: 'dele-mark' });

graded('QUIT after DELE removes exactly the marked messages from the Maildir', 2, async (t) => {
  const a = account(MAILS);
  const before = root().files(a.user);
  const server = await pop3();
  const c = await t.tcp(server);
  await login(c, a.user, a.password);
  await c.command('DELE 2', /^\+OK/);
  await c.command('QUIT', /^\+OK/);
  await c.expectClosed();
  const after = root().files(a.user);
  const want = before.filter((_, i) => i !== 1);
  if (after.join() !== want.join()) {
    throw new LabFailure(`after DELE 2 and QUIT the Maildir should hold ${JSON.stringify(want)}; it holds ${JSON.stringify(after)}.\n${c.transcript.render()}`);
  }
  const next = await t.tcp(server);
  await login(next, a.user, a.password);
  await next.command('STAT', `+OK 2 ${sizes[0]! + sizes[2]!}`);
  await retrExact(next, 2, asSent(NO_EOL_MAIL));
}, { hint: 'update' });

graded('a connection that drops without QUIT removes nothing, whatever DELE marked', 2, async (t) => {
  const a = account(MAILS);
  const before = root().files(a.user);
  const server = await pop3();
  const c = await t.tcp(server);
  await login(c, a.user, a.password);
  await c.command('DELE 1', /^\+OK/);
  await c.command('DELE 2', /^\+OK/);
  c.transcript.note('(the client drops the connection without QUIT)');
  c.close();
  // A full session afterwards gives the server time to have acted on the drop.
  const next = await t.tcp(server);
  await login(next, a.user, a.password);
  await next.command('STAT', `+OK 3 ${total}`);
  await next.command('QUIT', /^\+OK/);
  await next.expectClosed();
  const after = root().files(a.user);
  if (after.join() !== before.join()) {
    throw new LabFailure(`a session that never reached QUIT changed the Maildir: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}. Remove messages only in the UPDATE state.`);
  }
}, { hint: 'update' });

graded('mail delivered between sessions shows up in the next one (new/ and cur/, never tmp/), in delivery order', 1, async (t) => {
  const a = account([LF_MAIL]);
  const server = await pop3();
  const c1 = await t.tcp(server);
  await login(c1, a.user, a.password);
  await c1.command('STAT', `+OK 1 ${sizes[0]}`);
  await c1.command('QUIT', /^\+OK/);
  await c1.expectClosed();
  root().deliver(a.user, CRLF_MAIL, 'cur');
  root().deliver(a.user, NO_EOL_MAIL);
  root().write(`${a.user}/tmp/1700009999.M9P9.half-written`, 'Subject: still being delivered\n');
  c1.transcript.note('(two messages delivered, one into cur/ with flags; one half-written in tmp/)');
  const c2 = await t.tcp(server);
  await login(c2, a.user, a.password);
  await c2.command('STAT', `+OK 3 ${total}`);
  for (let i = 0; i < 3; i++) await retrExact(c2, i + 1, asSent(MAILS[i]!));
}, { hint: 'new-mail' });

/** A random message from a seed: text, CRLF, bare LF, bare CR, leading dots and any byte at all, up to ~150 KB. */
function randomMessage(next: () => number, atLeast = 0): Buffer {
  const pieces = ['Subject: random\r\n', '\r\n', '\n', '\r', '.', '..', '.\r\n', '.\n', 'word ', 'x'.repeat(70)];
  const target = Math.max(atLeast, next() < 0.25 ? Math.floor(next() * 150_000) : Math.floor(next() * 2_000));
  const parts: Buffer[] = [];
  let size = 0;
  while (size < target) {
    const p = next() < 0.1 ? Buffer.from([Math.floor(next() * 256)]) : Buffer.from(pieces[Math.floor(next() * pieces.length)]!, 'latin1');
    parts.push(p);
    size += p.length;
  }
  return Buffer.concat(parts);
}

graded('RETR and LIST are exact for 12 random messages: CR, LF, dots and any byte, small and over 64 KB', 2, async (t) => {
  const seed = t.seed();
  const next = prng(seed);
  const messages = Array.from({ length: 12 }, () => randomMessage(next));
  messages[0] = Buffer.alloc(0); // an empty file is a message too
  messages[1] = randomMessage(next, 64 * 1024 + 1 + Math.floor(next() * 64 * 1024)); // always one past a 64 KiB read
  const a = account(messages);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  await expectList(c, messages.map((m, i) => [i + 1, asSent(m).length]));
  for (let i = 0; i < messages.length; i++) await retrExact(c, i + 1, asSent(messages[i]!));
  await c.command('QUIT', /^\+OK/);
}, { hint: 'stuffing' });

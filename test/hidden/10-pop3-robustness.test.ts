// Hidden tests for lab 10 (POP3 robustness): graded only when the
// instructor grades. Edge cases: one octet over the line limit, a second
// session after a refused one, and a lock file left empty by a crash.
import { login, pop3Lab } from '../fixtures/pop3/pop3.ts';

const { graded, root, pop3, account: accountWith } = pop3Lab('pop3-robustness', 'hidden');
const account = () => accountWith(['Subject: hi\r\n\r\nhello\r\n']);

graded('a command line of 256 octets, one over the limit, gets -ERR, even one that would log in', 1, async (t) => {
  // A password of 249 characters: "PASS " + 249 + CRLF is 256 octets. Accepted, it would log in.
  const user = `${accountWith([]).user}-long`;
  root().addUser({ user, password: 'q'.repeat(249) });
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  await c.command(`USER ${user}`, /^\+OK/);
  c.sendRaw(`PASS ${'q'.repeat(249)}\r\n`, 'PASS qqq… (a 256-octet line, CRLF included)');
  await c.expect(/^-ERR/, 'a -ERR for a line one octet over the 255-octet limit (RFC 2449 §4)');
  await c.command('QUIT', /^\+OK/);
}, { hint: 'line-limit' });

graded('a login refused with [IN-USE] leaves the lock to its owner; after QUIT it is free', 1, async (t) => {
  const a = account();
  const server = await pop3();
  const first = await t.tcp(server);
  await login(first, a.user, a.password);
  const second = await t.tcp(server);
  await second.expect(/^\+OK/, 'the greeting');
  await second.command(`USER ${a.user}`, /^\+OK/);
  await second.command(`PASS ${a.password}`, /^-ERR \[IN-USE\]/);
  second.close(); // the refused session goes away: it must not have released the owner's lock
  const third = await t.tcp(server);
  await third.expect(/^\+OK/, 'the greeting');
  await third.command(`USER ${a.user}`, /^\+OK/);
  await third.command(`PASS ${a.password}`, /^-ERR \[IN-USE\]/);
  await first.command('QUIT', /^\+OK/);
  await first.expectClosed();
  const fourth = await t.tcp(server);
  await login(fourth, a.user, a.password);
}, { hint: 'lock-release' });

graded('a lock file left empty by a crash (older than 10 s) does not block the maildrop for ever', 1, async (t) => {
  const a = account();
  // A server killed between open(O_EXCL) and write(pid): the file exists and holds no pid.
  root().maildir(a.user);
  root().write(`${a.user}/pop3.lock`, '', new Date(Date.now() - 60_000));
  const c = await t.tcp(await pop3());
  c.transcript.note('(the maildrop holds an empty pop3.lock, a minute old)');
  await login(c, a.user, a.password);
}, { hint: 'lock-stale' });

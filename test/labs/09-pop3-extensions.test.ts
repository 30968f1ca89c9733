// Graded tests for lab 09 — the extensions real clients use: UIDL, TOP,
// CAPA (RFC 2449) and APOP (RFC 1939 §7).
import { createHash } from 'node:crypto';
import { LabFailure, type TcpClient } from '../../lib/harness/index.ts';
import { asSent } from '../fixtures/pop3/mail-root.ts';
import { assertSameBytes, login, pop3Lab, retrExact } from '../fixtures/pop3/pop3.ts';

const { graded, root, pop3, account } = pop3Lab('pop3-extensions');

const mail = (n: number) => `From: ann@example.org\nSubject: mail ${n}\n\nbody line 1 of mail ${n}\n.line 2 starts with a dot\nline 3\n`;

/** C: UIDL / S: +OK / S: n id ... / S: . — as a map from message number to id, checked for form. */
async function uidl(c: TcpClient): Promise<Map<number, string>> {
  await c.command('UIDL', /^\+OK/);
  const ids = new Map<number, string>();
  for (const line of await c.readMultiline()) {
    const m = /^(\d+) ([\x21-\x7e]{1,70})$/.exec(line);
    if (!m) throw new LabFailure(`a UIDL line is "<message number> <id>", the id 1 to 70 characters from 0x21 to 0x7E (RFC 1939 §7); got ${JSON.stringify(line)}.\n${c.transcript.render()}`);
    ids.set(Number(m[1]), m[2]!);
  }
  return ids;
}

graded('CAPA, before and after login, lists TOP, UIDL, USER, PIPELINING and RESP-CODES', 2, async (t) => {
  const a = account([mail(1)]);
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  for (const when of ['before login', 'after login']) {
    if (when === 'after login') {
      await c.command(`USER ${a.user}`, /^\+OK/);
      await c.command(`PASS ${a.password}`, /^\+OK/);
    }
    await c.command('CAPA', /^\+OK/);
    const caps = (await c.readMultiline()).map((l) => l.split(' ')[0]!.toUpperCase());
    const missing = ['TOP', 'UIDL', 'USER', 'PIPELINING', 'RESP-CODES'].filter((k) => !caps.includes(k));
    if (missing.length) throw new LabFailure(`CAPA ${when} is missing ${missing.join(', ')}.\n${c.transcript.render()}`);
  }
}, { hint: 'capa' });

graded('UIDL gives each message an id that stays the same across sessions, new mail and deletions', 2, async (t) => {
  const a = account([mail(1), mail(2)]);
  const server = await pop3();
  const c1 = await t.tcp(server);
  await login(c1, a.user, a.password);
  const first = await uidl(c1);
  if (first.size !== 2 || first.get(1) === first.get(2)) throw new LabFailure(`UIDL should list two different ids for two messages.\n${c1.transcript.render()}`);
  await c1.command('UIDL 2', `+OK 2 ${first.get(2)}`);
  await c1.command('QUIT', /^\+OK/);
  await c1.expectClosed();
  root().deliver(a.user, mail(3));
  c1.transcript.note('(a third message is delivered)');
  const c2 = await t.tcp(server);
  await login(c2, a.user, a.password);
  const second = await uidl(c2);
  if (second.get(1) !== first.get(1) || second.get(2) !== first.get(2) || second.size !== 3 || [...first.values()].includes(second.get(3)!)) {
    throw new LabFailure(`after new mail, messages 1 and 2 must keep their ids and message 3 get a new one.\n${c2.transcript.render()}`);
  }
  await c2.command('DELE 1', /^\+OK/);
  await c2.command('QUIT', /^\+OK/);
  await c2.expectClosed();
  const c3 = await t.tcp(server);
  await login(c3, a.user, a.password);
  const third = await uidl(c3);
  if (third.get(1) !== first.get(2) || third.get(2) !== second.get(3)) {
    throw new LabFailure(`after message 1 was deleted, the others are renumbered but must keep their ids (${first.get(2)}, ${second.get(3)}).\n${c3.transcript.render()}`);
  }
  await retrExact(c3, 1, asSent(mail(2)));
}, { hint: 'uidl' });

graded('UIDL of a deleted or missing message is -ERR, and the listing leaves deleted ones out', 1, async (t) => {
  const a = account([mail(1), mail(2)]);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  const ids = await uidl(c);
  await c.command('DELE 1', /^\+OK/);
  await c.command('UIDL 1', /^-ERR/);
  await c.command('UIDL 3', /^-ERR/);
  await c.command('UIDL x', /^-ERR/);
  const after = await uidl(c);
  if (after.size !== 1 || after.get(2) !== ids.get(2)) throw new LabFailure(`after DELE 1, UIDL should list only "2 ${ids.get(2)}".\n${c.transcript.render()}`);
}, { hint: 'uidl' });

graded('TOP msg n sends the headers, the blank line and n lines of the body, byte-stuffed', 2, async (t) => {
  const a = account([mail(1), 'Subject: headers only, no body\n']);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  const head = 'From: ann@example.org\r\nSubject: mail 1\r\n\r\n';
  const body = ['body line 1 of mail 1\r\n', '..line 2 starts with a dot\r\n', 'line 3\r\n'];
  for (const n of [0, 2, 100]) {
    await c.command(`TOP 1 ${n}`, /^\+OK/);
    const wire = Buffer.from(head + body.slice(0, n).join('') + '.\r\n', 'latin1');
    assertSameBytes(wire, await c.readBytes(wire.length, `the headers, blank line and ${Math.min(n, 3)} body lines of message 1, then "."`), c, `TOP 1 ${n}`);
  }
  await c.command('TOP 2 5', /^\+OK/);
  const wire = Buffer.from('Subject: headers only, no body\r\n.\r\n', 'latin1');
  assertSameBytes(wire, await c.readBytes(wire.length, 'the whole of a message with no body, then "."'), c, 'TOP 2 5');
  await c.command('NOOP', '+OK');
}, { hint: 'top' });

graded('TOP with a bad message number or line count is -ERR, and the session goes on', 1, async (t) => {
  const a = account([mail(1)]);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  for (const bad of ['TOP 1', 'TOP', 'TOP 1 x', 'TOP 1 -1', 'TOP 9 1', 'TOP 0 1']) await c.command(bad, /^-ERR/);
  await c.command('DELE 1', /^\+OK/);
  await c.command('TOP 1 0', /^-ERR/);
  await c.command('NOOP', '+OK');
}, { hint: 'top' });

/** The <...@...> timestamp at the end of a greeting (RFC 1939 §7). */
function timestampOf(greeting: string, c: TcpClient): string {
  const m = /(<[^<>\s]+@[^<>\s]+>)\s*$/.exec(greeting);
  if (!m) throw new LabFailure(`the greeting must end with a timestamp like <1896.697170952@dbc.mtview.ca.us> for APOP (RFC 1939 §7).\n${c.transcript.render('expected a timestamp here')}`);
  return m[1]!;
}

graded('APOP logs in with MD5(timestamp + password) and refuses a wrong digest', 2, async (t) => {
  const a = account([mail(1)]);
  const server = await pop3();
  const c = await t.tcp(server);
  const stamp = timestampOf(await c.expect(/^\+OK/, 'the greeting'), c);
  await c.command(`APOP ${a.user} ${createHash('md5').update(stamp + 'wrong').digest('hex')}`, /^-ERR/);
  await c.command(`APOP ${a.user} ${createHash('md5').update(stamp + a.password).digest('hex')}`, /^\+OK/);
  await c.command('STAT', `+OK 1 ${asSent(mail(1)).length}`);
}, { hint: 'apop' });

graded('every greeting carries a new timestamp, so an APOP digest cannot be replayed', 1, async (t) => {
  const server = await pop3();
  const stamps = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const c = await t.tcp(server);
    stamps.add(timestampOf(await c.expect(/^\+OK/, 'the greeting'), c));
    c.close();
  }
  if (stamps.size !== 3) throw new LabFailure(`three connections got the timestamps ${JSON.stringify([...stamps])}: each greeting needs its own.`);
}, { hint: 'apop' });

graded('a failed login says why with a response code, -ERR [AUTH], as CAPA promises with AUTH-RESP-CODE', 1, async (t) => {
  const a = account([]);
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  await c.command('CAPA', /^\+OK/);
  const caps = (await c.readMultiline()).map((l) => l.split(' ')[0]!.toUpperCase());
  // AUTH-RESP-CODE (RFC 3206 §6) is the capability that promises [AUTH]; RESP-CODES (RFC 2449 §8) covers §8.1's codes.
  if (!caps.includes('AUTH-RESP-CODE')) throw new LabFailure(`CAPA does not list AUTH-RESP-CODE, the capability (RFC 3206 §6) that tells a client a refused login says [AUTH].\n${c.transcript.render()}`);
  await c.command(`USER ${a.user}`, /^\+OK/);
  await c.command('PASS not-the-password', /^-ERR \[AUTH\]/);
}, { hint: 'resp-codes' });

graded('PIPELINING: commands sent in one write are answered in order', 1, async (t) => {
  const a = account([mail(1)]);
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  c.sendRaw(`CAPA\r\nUSER ${a.user}\r\nPASS ${a.password}\r\nUIDL 1\r\nTOP 1 0\r\nSTAT\r\nQUIT\r\n`, '(seven commands in one write: CAPA, USER, PASS, UIDL 1, TOP 1 0, STAT, QUIT)');
  await c.expect(/^\+OK/, 'the reply to CAPA');
  await c.readMultiline('the capability list, ended by "."');
  await c.expect(/^\+OK/, 'the reply to USER');
  await c.expect(/^\+OK/, 'the reply to PASS');
  await c.expect(/^\+OK 1 \S+$/, 'the reply to UIDL 1');
  await c.expect(/^\+OK/, 'the reply to TOP 1 0');
  await c.readMultiline('the headers of message 1, ended by "."');
  await c.expect(`+OK 1 ${asSent(mail(1)).length}`, 'the reply to STAT');
  await c.expect(/^\+OK/, 'the reply to QUIT');
  await c.expectClosed();
}, { hint: 'capa' });

// Graded tests for lab 12 — an SMTP receiver (RFC 5321, the part a mail drop
// needs) that delivers into the Maildirs of the POP3 server's mail root:
// replies and their order, message transparency (dot-stuffing, CRLF), the
// limits, and Maildir delivery that never shows a torn message.
import { chaosWrite, LabFailure, scaled, type ServerProcess, type TcpClient } from '../../lib/harness/index.ts';
import { MailRoot } from '../fixtures/pop3/mail-root.ts';
import {
  assertDelivered,
  dataOnTheWire,
  expectReply,
  maildirFiles,
  openData,
  readReply,
  sendMessage,
  smtp,
  smtpLab,
  splitTrace,
  theDelivered,
} from '../fixtures/smtp/smtp.ts';

const { graded, root, smtpServer, account } = smtpLab('smtp');

const enc = (s: string) => Buffer.from(s, 'latin1');
const note = (n: number, extra = '') => enc(`From: sender@example.org\r\nTo: rcpt@example.org\r\nSubject: note ${n}\r\n\r\nThis is note ${n}.\r\n${extra}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait (bounded) until `check` holds: a disconnect reaches the server a moment after the client's close(). */
async function soon(check: () => boolean, ms = scaled(3000)): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (check()) return true;
  return check();
}

function assertTmpEmpty(dir: MailRoot, user: string, after: string): void {
  const left = maildirFiles(dir, user, 'tmp');
  if (left.length) throw new LabFailure(`${after}, ${user}'s Maildir tmp/ still holds ${left.join(', ')}. A delivery that ends, well or badly, leaves nothing in tmp/.`);
}

function assertNothingDelivered(dir: MailRoot, user: string, after: string): void {
  const got = [...maildirFiles(dir, user, 'new'), ...maildirFiles(dir, user, 'cur')];
  if (got.length) throw new LabFailure(`${after}, nothing should have been delivered to ${user}, yet the Maildir holds ${got.join(', ')}.`);
}

// ---- greeting, EHLO, HELO, QUIT (RFC 5321 §3.1, §4.1.1.1, §4.1.1.10) --------

graded('greets with 220 and its name first; QUIT gets 221 and the connection closes', 1, async (t) => {
  const c = await t.tcp(await smtpServer());
  const hello = await expectReply(c, 220, 'the greeting');
  if (!/^\S+/.test(hello.lines[0]!)) throw new LabFailure(`the greeting names the server first: "220 host.example ..." (RFC 5321 section 4.3.1).\n${c.transcript.render()}`);
  await smtp(c, 'QUIT', 221);
  await c.expectClosed();
}, { hint: 'greeting' });

graded('EHLO answers with one line per extension: PIPELINING, SIZE and 8BITMIME; HELO with one line', 2, async (t) => {
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  const ehlo = await smtp(c, 'EHLO client.example', 250);
  const keywords = ehlo.lines.slice(1).map((l) => l.split(' ')[0]!.toUpperCase());
  const size = ehlo.lines.slice(1).find((l) => /^SIZE\b/i.test(l));
  for (const want of ['PIPELINING', 'SIZE', '8BITMIME']) {
    if (!keywords.includes(want)) throw new LabFailure(`the EHLO reply should list ${want} on a line of its own ("250-${want}"), after the first line with the server's name.\n${c.transcript.render()}`);
  }
  if (!/^SIZE \d+$/i.test(size ?? '')) throw new LabFailure(`SIZE is followed by the largest message accepted, in octets: "250-SIZE 10485760" (RFC 1870).\n${c.transcript.render()}`);
  const helo = await smtp(c, 'HELO client.example', 250);
  if (helo.lines.length !== 1) throw new LabFailure(`HELO gets a single-line 250: a server "MUST NOT return the extended EHLO-style response to a HELO" (RFC 5321 section 3.2).\n${c.transcript.render()}`);
  await smtp(c, 'ehlo client.example', 250); // keywords are case-insensitive
  await smtp(c, 'QUIT', 221);
}, { hint: 'ehlo' });

// ---- a whole transaction ------------------------------------------------------

graded('a message to a local user lands in its Maildir new/, below Return-Path: and Received:, byte for byte', 3, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await openData(c, 'sender@example.org', [`${a.user}@example.org`]);
  // Dots at line starts travel doubled on the wire (RFC 5321 §4.5.2) and are stored once.
  const message = note(1, '.a line that starts with a dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n');
  await sendMessage(c, message);
  const got = theDelivered(root(), a.user, 'after 250 for the message');
  assertDelivered(message, got.rest, 'the delivered message', c);
  const trace = got.trace.split('\r\n');
  if (trace[0] !== 'Return-Path: <sender@example.org>') {
    throw new LabFailure(`a final delivery puts "Return-Path: <sender@example.org>" (the MAIL FROM address) first (RFC 5321 section 4.4); the message starts:\n${got.trace || got.file.toString('latin1').slice(0, 200)}`);
  }
  if (!/^Received: from client\.example \(\[127\.0\.0\.1\]\)/.test(trace[1] ?? '') || !/\bby \S+/.test(got.trace) || !/;\s*\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n$/.test(got.trace)) {
    throw new LabFailure(
      `then a "Received:" line (RFC 5321 section 4.4): from the EHLO name and the client's address ("from client.example ([127.0.0.1])"), "by" this server, and after ";" the date (RFC 5322: "Thu, 26 Nov 2026 01:59:36 +0000"). Got:\n${got.trace}`,
    );
  }
  assertTmpEmpty(root(), a.user, 'after the delivery');
  await smtp(c, 'QUIT', 221);
}, { hint: 'data' });

graded('one message to several recipients: one copy each, even for a recipient named twice', 1, async (t) => {
  const a = account();
  const b = account();
  const c = await t.tcp(await smtpServer());
  await openData(c, 'sender@example.org', [`${a.user}@example.org`, `${b.user}@example.org`, `${a.user}@example.org`]);
  const message = note(2);
  await sendMessage(c, message);
  for (const u of [a.user, b.user]) assertDelivered(message, theDelivered(root(), u, `a message to ${a.user}, ${b.user} and ${a.user} again`).rest, `${u}'s copy`, c);
  assertTmpEmpty(root(), a.user, 'after the delivery');
}, { hint: 'recipients' });

// ---- replies in the order the RFC gives them -------------------------------------

graded('commands out of order get 503 and change nothing: MAIL before EHLO, RCPT before MAIL, DATA before RCPT, MAIL inside a transaction', 2, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'MAIL FROM:<sender@example.org>', 503); // RFC 5321 §4.1.4: EHLO or HELO first
  await smtp(c, 'NOOP', 250); // NOOP, RSET, VRFY, HELP work before EHLO
  await smtp(c, 'EHLO client.example', 250);
  await smtp(c, `RCPT TO:<${a.user}@example.org>`, 503); // §3.3: "RCPT ... without a previous MAIL ... 503"
  await smtp(c, 'DATA', 503);
  await smtp(c, 'MAIL FROM:<sender@example.org>', 250);
  await smtp(c, 'DATA', 503); // no recipient yet
  await smtp(c, 'MAIL FROM:<other@example.org>', 503); // a transaction is open
  await smtp(c, `RCPT TO:<${a.user}@example.org>`, 250);
  await smtp(c, 'DATA', 354);
  const message = note(3);
  await sendMessage(c, message);
  const got = theDelivered(root(), a.user, 'after the transaction that finally got it right');
  if (!got.trace.startsWith('Return-Path: <sender@example.org>')) throw new LabFailure(`the refused second MAIL FROM must change nothing: the message's Return-Path should still be <sender@example.org>.\n${got.trace}`);
}, { hint: 'order' });

graded('syntax errors get 500 or 501, unimplemented commands 502, VRFY 252, and the session goes on', 2, async (t) => {
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'EHLO', 501); // §4.1.1.1: EHLO needs a domain
  await smtp(c, 'EHLO client.example', 250);
  await smtp(c, 'FROB nicate', 500); // not a command
  await smtp(c, 'MAIL FROM: <sender@example.org>', 501); // §3.3: no space after the colon
  await smtp(c, 'MAIL FROM:sender@example.org', 501); // the path is in <>
  await smtp(c, 'MAIL FROM:<two words@example.org>', 501);
  await smtp(c, 'RSET now', 501); // §4.3.2: RSET, DATA and QUIT take no argument
  c.sendRaw('EHLO client\x00.example\r\n', 'EHLO client\\x00.example (a NUL byte inside the command)');
  await expectReply(c, 500, 'the reply to a command with a NUL byte in it');
  await smtp(c, 'EXPN staff', 502); // recognised, not implemented (§4.2.4)
  await smtp(c, 'VRFY alice', 252); // §7.3: neither yes nor no
  await smtp(c, 'NOOP', 250);
  await smtp(c, 'MAIL FROM:<>', 250); // the null reverse-path is an address (§4.5.5)
  await smtp(c, 'QUIT', 221);
}, { hint: 'dispatch' });

graded('RCPT TO an unknown user gets 550; postmaster is always accepted, in any case, with or without a domain', 2, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'EHLO client.example', 250);
  await smtp(c, 'MAIL FROM:<sender@example.org>', 250);
  await smtp(c, 'RCPT TO:<nobody-by-that-name@example.org>', 550);
  await smtp(c, 'RCPT TO:<../etc@example.org>', /^5\d\d /); // never a path out of the mail root
  await smtp(c, 'DATA', 503); // no recipient accepted yet
  await smtp(c, 'RCPT TO:<Postmaster>', 250); // §4.5.1: "RCPT TO:<Postmaster>" MUST be supported
  await smtp(c, 'RCPT TO:<POSTMASTER@example.org>', 250);
  await smtp(c, `RCPT TO:<${a.user}@example.org>`, 250);
  await smtp(c, 'DATA', 354);
  const message = note(4);
  await sendMessage(c, message);
  assertDelivered(message, theDelivered(root(), 'postmaster', 'a message to Postmaster').rest, "postmaster's copy", c);
  assertDelivered(message, theDelivered(root(), a.user, 'the same message').rest, `${a.user}'s copy`, c);
}, { hint: 'recipients' });

graded('RSET ends the transaction (DATA then gets 503) and works in any state', 1, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'RSET', 250);
  await smtp(c, 'EHLO client.example', 250);
  await smtp(c, 'MAIL FROM:<sender@example.org>', 250);
  await smtp(c, `RCPT TO:<${a.user}@example.org>`, 250);
  await smtp(c, 'RSET', 250);
  await smtp(c, 'DATA', 503);
  await smtp(c, 'MAIL FROM:<again@example.org>', 250); // a new transaction may start
  await smtp(c, 'EHLO client.example', 250); // so does EHLO (§4.1.4)
  await smtp(c, 'DATA', 503);
  assertNothingDelivered(root(), a.user, 'after two aborted transactions');
}, { hint: 'rset' });

// ---- transparency and the byte stream -----------------------------------------

graded('a session split anywhere, even inside CRLF.CRLF, is answered in order and delivered byte for byte', 2, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  const seed = t.seed();
  const commands = enc(`EHLO client.example\r\nMAIL FROM:<sender@example.org>\r\nRCPT TO:<${a.user}@example.org>\r\nDATA\r\n`);
  c.transcript.add('C', `(EHLO, MAIL, RCPT, DATA in pieces of 1 to 7 octets)`);
  await chaosWrite(c.socket, commands, seed);
  for (const code of [250, 250, 250, 354]) await expectReply(c, code, `reply ${code} of the pipelined commands sent in small pieces`);
  const message = note(5, '.dot\r\n\r\n..\r\nlast line\r\n');
  const wire = dataOnTheWire(message);
  const body = wire.subarray(0, wire.length - 5); // everything before the last line's CRLF
  c.transcript.add('C', `(the message in pieces of 1 to 7 octets, then "\\r", "\\n", ".", "\\r", "\\n" one at a time)`);
  await chaosWrite(c.socket, body, seed + 1);
  for (const b of ['\r', '\n', '.', '\r', '\n']) {
    c.socket.write(b);
    await sleep(30);
  }
  await expectReply(c, 250, 'the reply to the end of the message, whose "\\r\\n.\\r\\n" came one octet at a time');
  assertDelivered(message, theDelivered(root(), a.user, 'after the split-up session').rest, 'the delivered message', c);
}, { hint: 'data' });

graded('PIPELINING: a whole transaction in one write, and the next one right after the ".", answered in order', 2, async (t) => {
  const a = account();
  const b = account();
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'EHLO client.example', 250);
  c.sendRaw(`MAIL FROM:<sender@example.org>\r\nRCPT TO:<${a.user}@example.org>\r\nRCPT TO:<nobody-here@example.org>\r\nRCPT TO:<${b.user}@example.org>\r\nDATA\r\n`, '(MAIL, RCPT x3, DATA in one write)');
  for (const code of [250, 250, 550, 250, 354]) await expectReply(c, code, `reply ${code} of the pipelined MAIL, RCPT, RCPT, RCPT, DATA`);
  // RFC 2920: after the "." a client may send the next transaction's commands at once.
  const first = note(6);
  const second = note(7, '.dots again\r\n');
  c.sendRaw(Buffer.concat([dataOnTheWire(first), enc(`MAIL FROM:<sender@example.org>\r\nRCPT TO:<${a.user}@example.org>\r\nDATA\r\n`)]), '(message, ".", MAIL, RCPT, DATA in one write)');
  for (const code of [250, 250, 250, 354]) await expectReply(c, code, `reply ${code} to the end of the message and the next MAIL, RCPT, DATA`);
  await sendMessage(c, second);
  await smtp(c, 'QUIT', 221);
  assertDelivered(first, theDelivered(root(), b.user, 'the first message').rest, `${b.user}'s message`, c);
  const names = maildirFiles(root(), a.user, 'new');
  if (names.length !== 2) throw new LabFailure(`${a.user} was sent two messages; new/ holds ${names.length}.\n${c.transcript.render()}`);
  const got = names.map((n) => splitTrace(root().read(`${a.user}/new/${n}`)).rest);
  if (!got.some((m) => m.equals(first)) || !got.some((m) => m.equals(second))) throw new LabFailure(`${a.user}'s two messages are not the two that were sent, byte for byte.\n${c.transcript.render()}`);
}, { hint: 'pipelining' });

graded('"<LF>.<LF>" and "<LF>.<CRLF>" do not end a message (no SMTP smuggling); a command ended by a bare LF gets 500', 2, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await openData(c, 'sender@example.org', [`${a.user}@example.org`]);
  // What a smuggler sends: a bare-LF "end of data", then a second transaction hidden inside the first message.
  const hidden = `\n.\nMAIL FROM:<ceo@example.org>\r\nRCPT TO:<${a.user}@example.org>\r\nDATA\r\n\n.\r\nforged\r\n`;
  const message = enc(`Subject: smuggled?\r\n\r\nbefore${hidden}after\r\n`);
  c.sendRaw(Buffer.concat([message, enc('.\r\n')]), '(a message holding "\\n.\\n" and "\\n.\\r\\n", then ".")');
  const r = await readReply(c, 'the one reply to the whole message');
  if (r.code !== 250) throw new LabFailure(`only CRLF.CRLF ends the data (RFC 5321 section 4.1.1.4: "<LF>.<LF>" MUST NOT); the first reply should be 250 for the whole message, got ${r.code}.\n${c.transcript.render()}`);
  const got = theDelivered(root(), a.user, 'after a message with bare-LF dot lines in it');
  assertDelivered(message, got.rest, 'the message with the bare LFs kept as data', c);
  c.sendRaw('NOOP\n', 'NOOP\\n (ended by a bare LF)');
  await expectReply(c, 500, 'the reply to a command ended by a bare LF (RFC 5321 section 2.3.8)');
  await smtp(c, 'NOOP', 250);
}, { hint: 'smuggling' });

graded('NUL bytes and 8-bit text are delivered unchanged; BODY=8BITMIME is taken, BODY=BINARYMIME and unknown parameters get 555', 1, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'EHLO client.example', 250);
  await smtp(c, 'MAIL FROM:<sender@example.org> BODY=BINARYMIME', 555);
  await smtp(c, 'MAIL FROM:<sender@example.org> FROB=1', 555);
  await smtp(c, 'MAIL FROM:<sender@example.org> BODY=8BITMIME', 250);
  await smtp(c, `RCPT TO:<${a.user}@example.org>`, 250);
  await smtp(c, 'DATA', 354);
  const message = Buffer.concat([enc('Subject: 8 bits\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ncaf'), Buffer.from('é ünïcödé\r\n'), Buffer.from([0x00, 0x41, 0x00, 0xff, 0x80, 0x0d, 0x0a])]);
  await sendMessage(c, message);
  assertDelivered(message, theDelivered(root(), a.user, 'after an 8-bit message').rest, 'the 8-bit message with NUL bytes', c);
}, { hint: '8bit' });

// ---- limits -------------------------------------------------------------------------

graded('a command over 512 octets gets 500; a text line over 1000 octets refuses the message with 500; 1000 octets is fine', 2, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'EHLO client.example', 250);
  c.sendRaw(`NOOP ${'x'.repeat(600)}\r\n`, 'NOOP xxx… (a 607-octet command line)');
  await expectReply(c, 500, 'the reply to a 607-octet command line (the limit is 512, RFC 5321 section 4.5.3.1.4)');
  c.sendRaw(Buffer.alloc(100_000, 'A'), '(100,000 octets without a line end)');
  c.sendRaw('\r\nNOOP\r\n', '\\r\\n NOOP');
  await expectReply(c, 500, 'one 500 for the 100,000-octet line');
  await expectReply(c, 250, 'the reply to NOOP after the overlong line: the session goes on');
  // A text line of 1001 octets with its CRLF: one too many (§4.5.3.1.6). Nothing of the message is kept.
  await smtp(c, 'MAIL FROM:<sender@example.org>', 250);
  await smtp(c, `RCPT TO:<${a.user}@example.org>`, 250);
  await smtp(c, 'DATA', 354);
  c.sendRaw(`Subject: long\r\n\r\n${'y'.repeat(999)}\r\nmore\r\n.\r\n`, '(a message with a 1001-octet line, then ".")');
  await expectReply(c, 500, 'the reply to a message with a 1001-octet line');
  assertNothingDelivered(root(), a.user, 'after a message with a line over 1000 octets');
  assertTmpEmpty(root(), a.user, 'after a refused message');
  // 998 characters and CRLF fit, and so does a line of 999 characters that starts with a stuffed dot.
  await openData(c, 'sender@example.org', [`${a.user}@example.org`], true);
  const long = enc(`Subject: long\r\n\r\n${'z'.repeat(998)}\r\n.${'d'.repeat(997)}\r\n`);
  await sendMessage(c, long);
  assertDelivered(long, theDelivered(root(), a.user, 'after a message whose lines are 1000 octets').rest, 'the message of 1000-octet lines', c);
}, { hint: 'limits' });

graded('SIZE: MAIL FROM with SIZE over --max-size gets 552; a message over it gets 552 after the "." and nothing is kept', 2, async (t) => {
  const dir = new MailRoot([{ user: 'sam', password: 's' }]);
  t.onCleanup(() => dir.remove());
  const server = await t.start('smtp-server.ts', { args: ['--mail-root', dir.dir, '--max-size', '65536'] });
  const c = await t.tcp(server);
  await expectReply(c, 220, 'the greeting');
  const ehlo = await smtp(c, 'EHLO client.example', 250);
  if (!ehlo.lines.some((l) => /^SIZE 65536$/i.test(l))) throw new LabFailure(`with --max-size 65536 the EHLO reply should say "250-SIZE 65536".\n${c.transcript.render()}`);
  await smtp(c, 'MAIL FROM:<sender@example.org> SIZE=65537', 552); // RFC 1870
  await smtp(c, 'MAIL FROM:<sender@example.org> SIZE=65536', 250);
  await smtp(c, 'RCPT TO:<sam@example.org>', 250);
  await smtp(c, 'DATA', 354);
  const line = 'x'.repeat(98) + '\r\n';
  await c.write(enc(`Subject: big\r\n\r\n${line.repeat(700)}.\r\n`), '(a message of 70,016 octets, then ".")');
  await expectReply(c, 552, 'the reply to a message over the 65,536-octet limit');
  assertNothingDelivered(dir, 'sam', 'after a message over --max-size');
  assertTmpEmpty(dir, 'sam', 'after a refused message');
  // The limit is the message as sent, without the stuffing dots: exactly 65,536 octets is accepted.
  await openData(c, 'sender@example.org', ['sam@example.org'], true);
  const head = 'Subject: exact\r\n\r\n';
  const exact = enc(head + ('.' + 'x'.repeat(97) + '\r\n').repeat(Math.floor((65536 - head.length) / 100)));
  const fill = enc('y'.repeat(65536 - exact.length - 2) + '\r\n');
  const message = Buffer.concat([exact, fill]);
  await sendMessage(c, message);
  assertDelivered(message, theDelivered(dir, 'sam', 'after a message of exactly 65,536 octets').rest, 'the 65,536-octet message', c);
}, { hint: 'size' });

// ---- Maildir delivery -----------------------------------------------------------------

graded('a client that vanishes mid-message leaves nothing behind: no message, nothing in tmp/', 2, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await openData(c, 'sender@example.org', [`${a.user}@example.org`]);
  await c.write(enc(`Subject: cut short\r\n\r\n${'half a message\r\n'.repeat(5000)}`), '(80,000 octets of a message, no ".")');
  c.transcript.note('(the client disconnects without the ".")');
  c.close();
  if (!(await soon(() => maildirFiles(root(), a.user, 'tmp').length === 0))) assertTmpEmpty(root(), a.user, 'a client disconnected in the middle of DATA; 3 s later');
  assertNothingDelivered(root(), a.user, 'after a client vanished mid-message');
  const again = await t.tcp(await smtpServer());
  await openData(again, 'sender@example.org', [`${a.user}@example.org`]);
  await sendMessage(again, note(8));
}, { hint: 'abort' });

graded('while a message comes in it is in tmp/ only; new/ shows it whole or not at all, even after SIGKILL', 2, async (t) => {
  const dir = new MailRoot([{ user: 'kim', password: 'k' }]);
  t.onCleanup(() => dir.remove());
  const start = () => t.start('smtp-server.ts', { args: ['--mail-root', dir.dir] });
  const first = await start();
  const c = await t.tcp(first);
  await openData(c, 'sender@example.org', ['kim@example.org']);
  await c.write(enc(`Subject: in progress\r\n\r\n${'part of a message\r\n'.repeat(4000)}`), '(72,000 octets of a message, no "." yet)');
  await sleep(300);
  if (maildirFiles(dir, 'kim', 'new').length) throw new LabFailure(`a message still coming in must not be in new/, where POP3 looks: write it in tmp/ and move it when it is whole.\n${c.transcript.render()}`);
  if (maildirFiles(dir, 'kim', 'tmp').length !== 1) throw new LabFailure(`a message on its way is written in tmp/ (the Maildir protocol), under a name of its own; kim's tmp/ holds ${maildirFiles(dir, 'kim', 'tmp').length} files.\n${c.transcript.render()}`);
  c.transcript.note('(the server is killed with SIGKILL in the middle of the message)');
  first.signal('SIGKILL');
  if (!(await first.waitExit(3000))) throw new LabFailure('the server did not die within 3 s of SIGKILL');
  assertNothingDelivered(dir, 'kim', 'after the server was killed in the middle of a message');
  // A new server on the same mail root delivers, and a whole message appears in new/ only after its 250.
  const second = await start();
  const d = await t.tcp(second);
  await openData(d, 'sender@example.org', ['kim@example.org']);
  const message = note(9);
  await sendMessage(d, message);
  assertDelivered(message, theDelivered(dir, 'kim', 'after a restart').rest, 'the message', d);
}, { hint: 'maildir' });

graded('20 senders at once to one Maildir: 20 whole messages under 20 names, nothing left in tmp/', 3, async (t) => {
  const a = account();
  const server = await smtpServer();
  const clients = await Promise.all(Array.from({ length: 20 }, () => t.tcp(server)));
  const messages = clients.map((_, i) => note(100 + i, `${`sender ${i} `.repeat(60)}\r\n`.repeat(40)));
  await Promise.all(clients.map((c) => openData(c, 'sender@example.org', [`${a.user}@example.org`])));
  // Every message is written in two halves, interleaved with the others'.
  const halves = messages.map((m) => dataOnTheWire(m));
  await Promise.all(clients.map((c, i) => c.write(halves[i]!.subarray(0, halves[i]!.length >> 1), `(first half of message ${i})`)));
  await Promise.all(clients.map((c, i) => c.write(halves[i]!.subarray(halves[i]!.length >> 1), `(second half of message ${i})`)));
  await Promise.all(clients.map((c) => expectReply(c, 250, 'the reply to the end of the message')));
  const names = maildirFiles(root(), a.user, 'new');
  const stored = names.map((n) => splitTrace(root().read(`${a.user}/new/${n}`)).rest);
  const missing = messages.map((m, i) => (stored.some((s) => s.equals(m)) ? -1 : i)).filter((i) => i >= 0);
  if (names.length !== 20 || missing.length) {
    throw new LabFailure(`20 clients each delivered one message to ${a.user} at the same time; new/ holds ${names.length} files, and ${missing.length} of the messages are missing or not byte for byte what was sent (${missing.slice(0, 5).join(', ')}). Each delivery needs a name no other can pick, and a file of its own in tmp/.`);
  }
  assertTmpEmpty(root(), a.user, 'after 20 deliveries');
}, { hint: 'unique', timeout: 45_000 });

// ---- closing on the server's side: 421 (RFC 5321 §3.8) ---------------------------------

graded('an idle client hears 421 and is disconnected after --idle-timeout', 1, async (t) => {
  const server = await t.start('smtp-server.ts', { args: ['--mail-root', root().dir, '--idle-timeout', '1'] });
  const c = await t.tcp(server);
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'NOOP', 250);
  c.transcript.note('(the client goes quiet; --idle-timeout is 1 s)');
  const r = await readReply(c, 'a 421 reply once the client has been idle for 1 s', scaled(6000));
  if (r.code !== 421) throw new LabFailure(`a server that closes an idle connection says so first with 421 (RFC 5321 section 3.8).\n${c.transcript.render()}`);
  await c.expectClosed('the server to close the idle connection after its 421');
}, { hint: 'idle', timeout: 20_000 });

graded('SIGTERM: an open session hears 421, a message still coming in is dropped, and the server exits 0', 1, async (t) => {
  const dir = new MailRoot([{ user: 'tess', password: 't' }]);
  t.onCleanup(() => dir.remove());
  const server: ServerProcess = await t.start('smtp-server.ts', { args: ['--mail-root', dir.dir] });
  const idle = await t.tcp(server);
  await expectReply(idle, 220, 'the greeting');
  const c: TcpClient = await t.tcp(server);
  await openData(c, 'sender@example.org', ['tess@example.org']);
  await c.write(enc('Subject: interrupted\r\n\r\nhalf of it\r\n'), '(part of a message)');
  await sleep(200);
  c.transcript.note('(the server gets SIGTERM)');
  server.signal('SIGTERM');
  for (const [who, client] of [['the idle client', idle], ['the client in the middle of DATA', c]] as const) {
    const r = await readReply(client, `a 421 to ${who} as the server shuts down`);
    if (r.code !== 421) throw new LabFailure(`a server that shuts down tells its clients with 421 (RFC 5321 section 3.8); ${who} got ${r.code}.\n${client.transcript.render()}`);
  }
  const exit = await server.waitExit(5000);
  if (!exit || exit.code !== 0) throw new LabFailure(`after SIGTERM the server should exit with code 0 once its clients are told; it ${exit ? server.howItEnded() : 'was still running 5 s later'}.`);
  assertNothingDelivered(dir, 'tess', 'after a shutdown in the middle of a message');
  assertTmpEmpty(dir, 'tess', 'after a shutdown in the middle of a message');
}, { hint: 'shutdown' });


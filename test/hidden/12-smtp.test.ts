// Hidden tests for lab 12 (SMTP receiver): graded only when the instructor
// grades. Edge cases of RFC 5321: the null reverse-path, 100 recipients,
// trailing white space, a source route, commands in lower case, a command of
// exactly 512 octets, a line that is only dots, and HELO's plain SMTP.
import { expectReply, openData, sendMessage, smtp, smtpLab, theDelivered, assertDelivered } from '../fixtures/smtp/smtp.ts';
import { LabFailure } from '../../lib/harness/index.ts';

const { graded, root, smtpServer, account } = smtpLab('smtp', 'hidden');
const enc = (s: string) => Buffer.from(s, 'latin1');

graded('the null reverse-path MAIL FROM:<> delivers, with "Return-Path: <>"', 1, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await openData(c, '', [`${a.user}@example.org`]);
  const message = enc('Subject: a bounce\r\n\r\nundeliverable\r\n');
  await sendMessage(c, message);
  const got = theDelivered(root(), a.user, 'a message from the null reverse-path');
  if (!got.trace.startsWith('Return-Path: <>\r\n')) throw new LabFailure(`a message sent with MAIL FROM:<> carries "Return-Path: <>" (RFC 5321 section 4.4); it starts:\n${got.trace}`);
  assertDelivered(message, got.rest, 'the message', c);
}, { hint: 'data' });

graded('100 recipients in one transaction are all taken, each gets one copy (RFC 5321 section 4.5.3.1.8)', 1, async (t) => {
  const users = Array.from({ length: 100 }, () => account().user);
  const c = await t.tcp(await smtpServer());
  await openData(c, 'list@example.org', users.map((u) => `${u}@example.org`));
  const message = enc('Subject: to a hundred\r\n\r\nhello all\r\n');
  await sendMessage(c, message);
  for (const u of [users[0]!, users[49]!, users[99]!]) assertDelivered(message, theDelivered(root(), u, `one of 100 recipients`).rest, `${u}'s copy`, c);
}, { hint: 'recipients', timeout: 45_000 });

graded('trailing white space, lower-case commands and a source route are understood', 1, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'ehlo client.example   ', 250); // §4.1.1: SHOULD tolerate trailing white space
  await smtp(c, 'mail from:<sender@example.org> ', 250);
  await smtp(c, `rcpt to:<@relay.example:${a.user}@example.org>`, 250); // §4.1.1.3: MUST recognize a source route
  await smtp(c, 'data', 354);
  const message = enc('Subject: lower case\r\n\r\nfine\r\n');
  await sendMessage(c, message);
  assertDelivered(message, theDelivered(root(), a.user, 'after lower-case commands').rest, 'the message', c);
}, { hint: 'dispatch' });

graded('a command line of exactly 512 octets is not too long; lines of dots are unstuffed once', 1, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'EHLO client.example', 250);
  c.sendRaw(`NOOP ${'x'.repeat(505)}\r\n`, 'NOOP xxx… (512 octets with its CRLF)');
  await expectReply(c, 250, 'the reply to a 512-octet NOOP (RFC 5321 section 4.3.2: "too long" for a line of 512 would be a violation)');
  await openData(c, 'sender@example.org', [`${a.user}@example.org`], true);
  const message = enc('Subject: dots\r\n\r\n..\r\n...\r\n. \r\n');
  await sendMessage(c, message);
  assertDelivered(message, theDelivered(root(), a.user, 'a message of dot lines').rest, 'the dot lines', c);
}, { hint: 'data' });

graded('after HELO: no parameters on MAIL (555), and the Received: line says "with SMTP"', 1, async (t) => {
  const a = account();
  const c = await t.tcp(await smtpServer());
  await expectReply(c, 220, 'the greeting');
  await smtp(c, 'HELO client.example', 250);
  await smtp(c, 'MAIL FROM:<sender@example.org> SIZE=100', 555);
  await smtp(c, 'MAIL FROM:<sender@example.org>', 250);
  await smtp(c, `RCPT TO:<${a.user}@example.org>`, 250);
  await smtp(c, 'DATA', 354);
  await sendMessage(c, enc('Subject: plain\r\n\r\nsmtp\r\n'));
  const got = theDelivered(root(), a.user, 'after HELO');
  if (!/\bwith SMTP\b/.test(got.trace)) throw new LabFailure(`a message received after HELO is marked "with SMTP" in its Received: line (ESMTP after EHLO; RFC 5321 section 4.4); got:\n${got.trace}`);
}, { hint: 'ehlo' });

// Graded tests for lab 13 — the whole mail system: your SMTP server and your
// POP3 server on one mail root, with real clients at both ends (Python's
// smtplib and curl sending; poplib, curl and fetchmail reading), and your own
// user agent (user-agent.ts) sending and fetching.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { LabFailure, labTest, type LabContext, type RunResult } from '../../lib/harness/index.ts';
import { conversation, firstDifference } from '../fixtures/pop3-clients/clients.ts';
import { asSent } from '../fixtures/pop3/mail-root.ts';
import { fileMailRoot, login, sharedServer } from '../fixtures/pop3/pop3.ts';
import { curlRetrieve, curlSend, fetchmailOnce, mustSucceed, poplibFetch, smtplibSend } from '../fixtures/smtp/clients.ts';
import { dataOnTheWire, maildirFiles, outDir, splitTrace } from '../fixtures/smtp/smtp.ts';

const lab = labTest('mail-system');
const { graded } = lab;
const root = fileMailRoot();
const pop3 = sharedServer(lab.dir, () => ['--mail-root', root().dir]);
const smtp = sharedServer(lab.dir, () => ['--mail-root', root().dir], 'smtp-server.ts');
let users = 0;
function account(): { user: string; password: string } {
  const user = `mail${++users}`;
  const password = `pw ${user}`; // a space: PASS takes the rest of the line
  root().addUser({ user, password });
  return { user, password };
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `socket-kit-${prefix}-`));
  temps.push(dir);
  return dir;
}
function tempFile(name: string, data: Buffer): string {
  const file = path.join(tempDir('msg'), name);
  writeFileSync(file, data);
  return file;
}

const enc = (s: string) => Buffer.from(s, 'latin1');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the mail system must carry unharmed: dots at line starts, 8-bit UTF-8 text, a 998-octet line, a NUL-free binary-ish tail. */
function awkwardMail(tag: string): Buffer {
  return Buffer.concat([
    enc(`From: sender@example.org\r\nTo: rcpt@example.org\r\nSubject: ${tag}\r\nMessage-ID: <${tag}@socket-kit.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`),
    Buffer.from('Grüße aus Köln, ça va? Ελληνικά, 日本語\r\n'),
    enc('.a line that starts with a dot\r\n..two dots\r\n.\r\n...\r\n'),
    enc('L'.repeat(998) + '\r\n'),
    enc('\tafter the long line, a tab and \x1b an escape\r\nthe end\r\n'),
  ]);
}

/** Fail unless `got`, below the trace fields the SMTP server added, is `sent`, byte for byte. */
function mustArrive(sent: Buffer, got: Buffer | undefined, how: string, log: string): void {
  if (!got) throw new LabFailure(`${how}: the message did not arrive.\n  the conversation:\n${log}`);
  const { trace, rest } = splitTrace(got);
  if (!/^Received: /m.test(trace)) throw new LabFailure(`${how}: the message should arrive under the Received: line your SMTP server added; it starts:\n${JSON.stringify(got.subarray(0, 120).toString('latin1'))}`);
  const diff = firstDifference(sent, rest);
  if (diff) throw new LabFailure(`${how}: below the trace fields, the message differs from what was sent: ${diff}\n  the conversation:\n${log}`);
}

// ---- real clients at both ends --------------------------------------------------

graded("Python's smtplib sends, poplib reads back: dots, 8-bit text and a 998-octet line arrive once, byte for byte", 3, async () => {
  const a = account();
  const [s, p] = [await smtp(), await pop3()];
  const message = awkwardMail('smtplib');
  const sent = await smtplibSend(s, 'sender@example.org', [`${a.user}@example.org`], tempFile('m.eml', message), true);
  mustSucceed(sent, "smtplib's sendmail()", [s]);
  const out = tempDir('poplib');
  const { run, files } = await poplibFetch(p, a.user, a.password, out);
  mustSucceed(run, "poplib fetching what smtplib sent", [p]);
  if (files.length !== 1) throw new LabFailure(`one message was sent; poplib found ${files.length} in the maildrop.\n  the conversation:\n${conversation(run.stderr)}`);
  mustArrive(message, files[0], 'smtplib -> your SMTP server -> Maildir -> your POP3 server -> poplib', conversation(sent.stderr));
}, { hint: 'both-ways' });

graded('curl sends (smtp://) and curl reads back (pop3://): the message arrives once, byte for byte', 2, async () => {
  const a = account();
  const [s, p] = [await smtp(), await pop3()];
  const message = awkwardMail('curl');
  const sent = await curlSend(s, 'sender@example.org', `${a.user}@example.org`, tempFile('m.eml', message));
  mustSucceed(sent, 'curl sending the message (smtp://)', [s]);
  const got = await curlRetrieve(p, a.user, a.password, 1);
  mustSucceed(got, 'curl retrieving message 1 (pop3://)', [p]);
  mustArrive(message, got.stdout, 'curl -> your SMTP server -> Maildir -> your POP3 server -> curl', conversation(sent.stderr));
  const list = await curlRetrieve(p, a.user, a.password, 2);
  if (list.code === 0) throw new LabFailure(`one message was sent, yet curl could retrieve a message 2: it arrived more than once?\n${list.describe()}`);
}, { hint: 'both-ways' });

graded('fetchmail fetches what smtplib delivered, byte for byte', 1, async () => {
  const a = account();
  const [s, p] = [await smtp(), await pop3()];
  const first = awkwardMail('fetchmail-1');
  mustSucceed(await smtplibSend(s, 'sender@example.org', [`${a.user}@example.org`], tempFile('m.eml', first)), "smtplib's sendmail()", [s]);
  const home = tempDir('fetchmail');
  const one = await fetchmailOnce(p, a.user, a.password, home);
  mustSucceed(one.run, 'fetchmail (keep fetchall)', [p]);
  if (one.files.length !== 1) throw new LabFailure(`fetchmail should deliver the 1 message in the maildrop; it delivered ${one.files.length}.\n${one.run.describe()}`);
  mustArrive(first, one.files[0], 'smtplib -> SMTP -> Maildir -> POP3 -> fetchmail', conversation(one.run.stderr));
}, { hint: 'both-ways' });

graded('mail delivered while a POP3 session is open shows up in the next session, under a new unique-id', 1, async (t) => {
  const a = account();
  const [s, p] = [await smtp(), await pop3()];
  const c = await t.tcp(p);
  await login(c, a.user, a.password);
  await c.command('STAT', '+OK 0 0');
  const message = awkwardMail('during');
  mustSucceed(await smtplibSend(s, 'sender@example.org', [`${a.user}@example.org`], tempFile('m.eml', message)), "smtplib's sendmail() while a POP3 session is open", [s]);
  c.transcript.note('(smtplib delivers a message through the SMTP server meanwhile)');
  await c.command('STAT', '+OK 0 0'); // RFC 1939: the maildrop is as it was at login
  await c.command('QUIT', /^\+OK/);
  const d = await t.tcp(p);
  await login(d, a.user, a.password);
  await d.command('STAT', /^\+OK 1 \d+$/);
  const uid = await d.command('UIDL 1', /^\+OK 1 [\x21-\x7e]{1,70}$/);
  const name = maildirFiles(root(), a.user, 'new')[0] ?? '';
  if (!uid.endsWith(` ${name.split(':')[0]}`) && !/^\+OK 1 [0-9a-f]{32}$/.test(uid)) {
    throw new LabFailure(`UIDL should name the message by its Maildir unique name (${name}); got "${uid}".\n${d.transcript.render()}`);
  }
  await d.command('QUIT', /^\+OK/);
}, { hint: 'both-ways' });

// ---- your user agent: sending ---------------------------------------------------------

/** A scripted SMTP server in the test: replies split into single octets, and a record of every octet the client sent. */
async function fakeSmtp(t: LabContext, refuseRcpt = false): Promise<{ port: number; received: () => string; early: () => string }> {
  let received = '';
  let early = '';
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let greeted = false;
    let inData = false;
    let pending = '';
    const say = async (text: string) => {
      for (const ch of text) {
        if (socket.destroyed) return;
        socket.write(ch);
        await sleep(1);
      }
    };
    let turn = Promise.resolve(); // one reply at a time, in order
    socket.on('data', (chunk: Buffer) => {
      const s = chunk.toString('latin1');
      received += s;
      if (!greeted) early += s;
      pending += s;
      turn = turn.then(async () => {
        for (;;) {
          if (inData) {
            const end = pending.indexOf('\r\n.\r\n');
            if (end < 0) return;
            pending = pending.slice(end + 5);
            inData = false;
            await say('250 2.0.0 queued as FAKE1\r\n');
            continue;
          }
          const nl = pending.indexOf('\r\n');
          if (nl < 0) return;
          const cmd = pending.slice(0, nl).toUpperCase();
          pending = pending.slice(nl + 2);
          if (cmd.startsWith('EHLO')) await say('250-fake.example greets you\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n');
          else if (cmd.startsWith('HELO')) await say('250 fake.example\r\n');
          else if (cmd.startsWith('MAIL')) await say('250 2.1.0 sender ok\r\n');
          else if (cmd.startsWith('RCPT')) await say(refuseRcpt ? '550 5.1.1 no such user here\r\n' : '250 2.1.5 recipient ok\r\n');
          else if (cmd === 'DATA') {
            inData = true;
            pending = pending.replace(/^/, '\r\n'); // the DATA line's CRLF starts the data
            await say('354 go ahead\r\n');
          } else if (cmd === 'QUIT') {
            await say('221 bye\r\n');
            socket.end();
          } else await say('500 what?\r\n');
        }
      });
    });
    socket.on('error', () => {});
    setTimeout(() => {
      greeted = true;
      void say('220 fake.example ESMTP test server\r\n');
    }, 300);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.onCleanup(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, received: () => received, early: () => early };
}

function ranOk(r: RunResult, what: string): void {
  if (r.code !== 0 || r.timedOut) throw new LabFailure(`${what}: user-agent.ts should exit 0.\n${r.describe()}`);
}

graded('user-agent send speaks SMTP in order: waits for each reply, reads multiline replies however they arrive, stuffs dots, ends with CRLF.CRLF', 2, async (t) => {
  const fake = await fakeSmtp(t);
  const lf = enc('From: me@example.org\nSubject: from the user agent\n\n.a dot line\nplain\n.\n');
  const r = await t.run('user-agent.ts', { args: ['send', '--smtp', `127.0.0.1:${fake.port}`, '--from', 'me@example.org', '--to', 'alice@example.org', '--to', 'bob@example.org'], stdin: lf, timeoutMs: 15_000 });
  ranOk(r, 'sending to a test SMTP server that sends its replies one octet at a time');
  const got = fake.received();
  if (fake.early()) throw new LabFailure(`the client sent ${JSON.stringify(fake.early())} before the server's 220 greeting: an SMTP client waits for it (RFC 5321 section 3.1).`);
  const crlf = asSent(lf); // LF line ends become CRLF
  const size = crlf.length;
  const want = [
    /^EHLO \S+\r\n/,
    new RegExp(`^MAIL FROM:<me@example\\.org>( SIZE=${size})?( BODY=8BITMIME)?\\r\\n`),
    /^RCPT TO:<alice@example\.org>\r\n/,
    /^RCPT TO:<bob@example\.org>\r\n/,
    /^DATA\r\n/,
  ];
  let rest = got;
  for (const re of want) {
    const m = re.exec(rest);
    if (!m) throw new LabFailure(`the client's commands should be EHLO, MAIL FROM:<me@example.org> (with SIZE=${size} if it gives SIZE), RCPT TO for each recipient, DATA, in that order, each ended by CRLF. It sent:\n${JSON.stringify(got.slice(0, 600))}\n  (expected next: ${re})`);
    rest = rest.slice(m[0].length);
  }
  const data = dataOnTheWire(crlf).toString('latin1');
  if (!rest.startsWith(data)) {
    throw new LabFailure(`after DATA the message goes with CRLF line ends, a "." added before each line that starts with one, then ".": ${JSON.stringify(data)}. The client sent:\n${JSON.stringify(rest.slice(0, 400))}`);
  }
  if (!/^QUIT\r\n$/.test(rest.slice(data.length))) throw new LabFailure(`after the 250 for the message the client says QUIT; after the data it sent ${JSON.stringify(rest.slice(data.length))}.`);
  if (!/250/.test(r.stdout)) throw new LabFailure(`user-agent send should print the server's reply to the message ("sent: 250 ..."); it printed:\n${r.stdout}`);
}, { hint: 'ua-send' });

graded('user-agent send: a refused recipient stops it before DATA, with the reply shown and exit code 1', 1, async (t) => {
  const fake = await fakeSmtp(t, true);
  const r = await t.run('user-agent.ts', { args: ['send', '--smtp', `127.0.0.1:${fake.port}`, '--from', 'me@example.org', '--to', 'nobody@example.org'], stdin: enc('Subject: x\r\n\r\nx\r\n'), timeoutMs: 15_000 });
  if (r.code !== 1) throw new LabFailure(`the server refused the only recipient (550): user-agent.ts should exit 1.\n${r.describe()}`);
  if (!/550/.test(r.stderr + r.stdout)) throw new LabFailure(`the user should see the server's refusal ("550 ...") in what user-agent.ts prints.\n${r.describe()}`);
  if (/\r\nDATA\r\n/.test('\r\n' + fake.received())) throw new LabFailure(`after its only recipient was refused, the client must not send DATA; it sent:\n${JSON.stringify(fake.received())}`);
}, { hint: 'ua-send' });

graded('user-agent send, through your SMTP server and out of your POP3 server: the message arrives byte for byte', 2, async (t) => {
  const a = account();
  const [s, p] = [await smtp(), await pop3()];
  const lf = Buffer.concat([enc('From: me@example.org\nSubject: round trip\n\n.dots\n..\n'), Buffer.from('8 bits: äöü\n'), enc('x'.repeat(998) + '\nend\n')]);
  const r = await t.run('user-agent.ts', { args: ['send', '--smtp', `127.0.0.1:${s.port}`, '--from', 'me@example.org', '--to', `${a.user}@example.org`], stdin: lf, timeoutMs: 15_000, waitingOn: s });
  ranOk(r, 'sending through your SMTP server');
  const { run, files } = await poplibFetch(p, a.user, a.password, tempDir('poplib'));
  mustSucceed(run, 'poplib fetching what the user agent sent', [p]);
  if (files.length !== 1) throw new LabFailure(`one message was sent; poplib found ${files.length}.\n${r.describe()}`);
  mustArrive(asSent(lf), files[0], 'user-agent -> your SMTP server -> your POP3 server -> poplib', r.stderr);
}, { hint: 'ua-send' });

// ---- your user agent: fetching -------------------------------------------------------

/** A relay between the user agent and the POP3 server that records the commands the client sends. */
async function recordingRelay(t: LabContext, to: number): Promise<{ port: number; commands: () => string[] }> {
  let sent = '';
  const relay = net.createServer((client) => {
    const upstream = net.connect(to, '127.0.0.1');
    client.on('data', (c) => {
      sent += c.toString('latin1');
      upstream.write(c);
    });
    upstream.on('data', (c) => client.write(c));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.onCleanup(() => relay.close());
  return { port: (relay.address() as net.AddressInfo).port, commands: () => sent.split('\r\n').filter(Boolean).map((l) => (l.startsWith('PASS ') ? 'PASS ***' : l)) };
}

graded('user-agent fetch saves every message under its unique-id, and a second run fetches only the new one', 3, async (t) => {
  const a = account();
  const p = await pop3();
  const m1 = awkwardMail('fetch-1');
  const m2 = enc('Subject: two\n\nstored with bare LFs\n.and a dot\n');
  root().deliver(a.user, m1);
  root().deliver(a.user, m2);
  const { dir: out, files: saved, remove } = outDir('fetched');
  t.onCleanup(remove);
  const relay = await recordingRelay(t, p.port);
  const fetch = () => t.run('user-agent.ts', { args: ['fetch', '--pop3', `127.0.0.1:${relay.port}`, '--user', a.user, '--password', a.password, '--out', out], timeoutMs: 15_000, waitingOn: p });
  const first = await fetch();
  ranOk(first, 'the first fetch');
  const files = () => saved.list('').filter((f) => f.endsWith('.eml')).sort();
  const uid = (f: string) => f.replace(/\.eml$/, '');
  const names = maildirFiles(root(), a.user, 'new').concat(maildirFiles(root(), a.user, 'cur')).map((n) => n.split(':')[0]!).sort();
  if (files().map(uid).join() !== names.join()) throw new LabFailure(`the first fetch should save each message as <unique-id>.eml: ${names.map((n) => `${n}.eml`).join(', ')}; the folder holds ${files().join(', ') || 'nothing'}.\n${first.describe()}`);
  for (const [m, name] of [[m1, names[0]!], [m2, names[1]!]] as const) {
    const diff = firstDifference(asSent(m), saved.read(`${name}.eml`));
    if (diff) throw new LabFailure(`${name}.eml should hold the message as POP3 sent it (CRLF line ends, stuffing dots removed): ${diff}\n  the commands it sent: ${relay.commands().join(' | ')}`);
  }
  const m3 = enc('Subject: three\r\n\r\n..the newest\r\n');
  const newest = root().deliver(a.user, m3);
  const before = relay.commands().length;
  const second = await fetch();
  ranOk(second, 'the second fetch');
  const commands = relay.commands().slice(before);
  const retrs = commands.filter((c) => /^RETR /i.test(c));
  if (!commands.some((c) => /^UIDL$/i.test(c)) || retrs.length !== 1 || retrs[0] !== 'RETR 3') {
    throw new LabFailure(`the second run should ask for the unique-ids (UIDL) and RETR only message 3, the one it has not seen. It sent: ${commands.join(' | ')}`);
  }
  const diff = firstDifference(asSent(m3), saved.read(`${newest}.eml`));
  if (diff) throw new LabFailure(`${newest}.eml, fetched on the second run: ${diff}`);
  if (!/1 new message/.test(second.stdout)) throw new LabFailure(`the second run should say "1 new message, 2 already here"; it printed:\n${second.stdout}`);
}, { hint: 'ua-fetch', timeout: 45_000 });

graded('user-agent fetch --delete removes on the server what it saved (DELE, then QUIT)', 1, async (t) => {
  const a = account();
  const p = await pop3();
  root().deliver(a.user, enc('Subject: delete me\r\n\r\nbye\r\n'));
  const { dir: out, files: saved, remove } = outDir('fetched');
  t.onCleanup(remove);
  const r = await t.run('user-agent.ts', { args: ['fetch', '--pop3', `127.0.0.1:${p.port}`, '--user', a.user, '--password', a.password, '--out', out, '--delete'], timeoutMs: 15_000, waitingOn: p });
  ranOk(r, 'fetch --delete');
  if (saved.list('').filter((f) => f.endsWith('.eml')).length !== 1) throw new LabFailure(`fetch --delete should save the message first.\n${r.describe()}`);
  const left = [...maildirFiles(root(), a.user, 'new'), ...maildirFiles(root(), a.user, 'cur')];
  if (left.length) throw new LabFailure(`after fetch --delete the maildrop should be empty (DELE each message saved, then QUIT); it holds ${left.join(', ')}.\n${r.describe()}`);
}, { hint: 'ua-fetch' });

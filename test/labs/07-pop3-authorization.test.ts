// Graded tests for lab 07 — POP3, the AUTHORIZATION state: greeting, USER,
// PASS, QUIT, and -ERR (not a crash, not a hang) for everything else.
// Each test is the session it checks, in C:/S: order.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { labTest, LabFailure } from '../../lib/harness/index.ts';
import { login, fileMailRoot, sharedServer } from '../fixtures/pop3/pop3.ts';

const { graded, dir } = labTest('pop3-authorization');
const root = fileMailRoot(
  [
    { user: 'alice', password: 'wonderland' },
    { user: 'bob', password: 'correct horse battery staple' },
  ],
  // Names an attacker might try, listed in passwd by a careless admin: still no way out of the mail root.
  (r) => writeFileSync(path.join(r.dir, 'passwd'), '../outside:pw\na/b:pw\n', { flag: 'a' }),
);
const pop3 = sharedServer(dir, () => ['--mail-root', root().dir]);

graded('greets a new connection with +OK', 1, async (t) => {
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting: a line starting with "+OK", sent as soon as the client connects');
}, { hint: 'greeting' });

graded('USER and PASS with the right password log in', 2, async (t) => {
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  await c.command('USER alice', /^\+OK/);
  await c.command('PASS wonderland', /^\+OK/);
  await c.command('QUIT', /^\+OK/);
  await c.expectClosed();
}, { hint: 'user-pass' });

graded('a password may contain spaces: PASS takes the rest of the line', 1, async (t) => {
  const c = await t.tcp(await pop3());
  await login(c, 'bob', 'correct horse battery staple');
}, { hint: 'user-pass' });

graded('keywords are case-insensitive', 1, async (t) => {
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  await c.command('user alice', /^\+OK/);
  await c.command('pAsS wonderland', /^\+OK/);
  await c.command('Quit', /^\+OK/);
  await c.expectClosed();
}, { hint: 'dispatch' });

graded('a wrong password gets -ERR, and the client can try again', 2, async (t) => {
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  await c.command('USER alice', /^\+OK/);
  await c.command('PASS through-the-looking-glass', /^-ERR/);
  c.send('USER nobody');
  const reply = await c.readLine(); // +OK or -ERR: a server need not say which users exist
  if (reply.startsWith('+OK')) await c.command('PASS anything', /^-ERR/);
  else if (!reply.startsWith('-ERR')) throw new LabFailure(`a reply must start with +OK or -ERR.\n${c.transcript.render('expected +OK or -ERR')}`);
  await c.command('USER alice', /^\+OK/);
  await c.command('PASS wonderland', /^\+OK/);
}, { hint: 'retry-login' });

graded('QUIT says +OK and closes the connection, before and after login', 1, async (t) => {
  const server = await pop3();
  const c1 = await t.tcp(server);
  await c1.expect(/^\+OK/, 'the greeting');
  await c1.command('QUIT', /^\+OK/);
  await c1.expectClosed();
  const c2 = await t.tcp(server);
  await login(c2, 'alice', 'wonderland');
  await c2.command('QUIT', /^\+OK/);
  await c2.expectClosed();
}, { hint: 'quit' });

graded('unknown commands and wrong arguments get -ERR, and the session goes on', 2, async (t) => {
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  await c.command('HELO example.org', /^-ERR/);
  await c.command('', /^-ERR/);
  await c.command('USER', /^-ERR/);
  await c.command('USER alice extra', /^-ERR/);
  await c.command('PASS', /^-ERR/);
  await c.command('QUIT now', /^-ERR/);
  await c.command('USER alice', /^\+OK/);
  await c.command('PASS wonderland', /^\+OK/);
}, { hint: 'dispatch' });

graded('a command in the wrong state gets -ERR: PASS before USER, USER and PASS once logged in', 1, async (t) => {
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  await c.command('PASS wonderland', /^-ERR/);
  await c.command('USER alice', /^\+OK/);
  await c.command('PASS wonderland', /^\+OK/);
  await c.command('USER bob', /^-ERR/);
  await c.command('PASS correct horse battery staple', /^-ERR/);
  await c.command('QUIT', /^\+OK/);
}, { hint: 'dispatch' });

graded('binary garbage gets -ERR, not a crash', 1, async (t) => {
  const server = await pop3();
  const c = await t.tcp(server);
  await c.expect(/^\+OK/, 'the greeting');
  const garbage = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37 + 11) % 256).filter((b) => b !== 0x0a && b !== 0x0d));
  c.sendRaw(Buffer.concat([garbage, Buffer.from('\r\n')]));
  await c.expect(/^-ERR/, 'a -ERR for a line of binary garbage');
  c.sendRaw(Buffer.from([0x00, 0xff, 0x55, 0x53, 0x45, 0x52, 0x0d, 0x0a]));
  await c.expect(/^-ERR/, 'a -ERR for NUL, 0xFF and "USER"');
  await c.command('USER alice', /^\+OK/);
  await c.command('PASS wonderland', /^\+OK/);
}, { hint: 'dispatch' });

graded('a user name never leads outside the mail root: ../outside and a/b cannot log in', 2, async (t) => {
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  for (const name of ['../outside', 'a/b']) {
    c.send(`USER ${name}`);
    const reply = await c.readLine();
    if (reply.startsWith('-ERR')) continue;
    if (!reply.startsWith('+OK')) throw new LabFailure(`a reply must start with +OK or -ERR.\n${c.transcript.render('expected +OK or -ERR')}`);
    c.send('PASS pw');
    const pass = await c.readLine();
    if (!pass.startsWith('-ERR')) {
      throw new LabFailure(`the user name '${name}' logged in. It names a folder outside the mail root (or a nested one): refuse such names.\n${c.transcript.render('expected -ERR')}`);
    }
  }
  await c.command('USER alice', /^\+OK/);
}, { hint: 'user-name' });

graded('--stdio: the same session over standard input and output', 1, async (t) => {
  const r = await t.run('server.ts', {
    args: ['--stdio', '--mail-root', root().dir],
    stdin: 'USER alice\r\nPASS wonderland\r\nNONSENSE\r\nQUIT\r\n',
    hangWhenIdle: true, // all its input is there: a server that sits idle instead of exiting never will
  });
  const lines = r.stdout.split('\r\n');
  const want = [/^\+OK/, /^\+OK/, /^\+OK/, /^-ERR/, /^\+OK/];
  const ok = r.code === 0 && want.every((re, i) => re.test(lines[i] ?? '')) && lines.length === want.length + 1 && lines[want.length] === '';
  if (!ok) {
    throw new LabFailure(
      `piped "USER alice, PASS wonderland, NONSENSE, QUIT" into --stdio and expected five CRLF-ended replies (+OK greeting, +OK, +OK, -ERR, +OK) and exit code 0.\n${r.describe()}`,
    );
  }
}, { hint: 'stdio' });

// Hidden tests for lab 07 (POP3 AUTHORIZATION): graded only when the instructor
// grades. Edge cases: passwords compare exactly, and each connection has its
// own state (one client's USER does not let another in).
import { labTest } from '../../lib/harness/index.ts';
import { fileMailRoot, sharedServer } from '../fixtures/pop3/pop3.ts';

const { graded, dir } = labTest('pop3-authorization');
const root = fileMailRoot([{ user: 'carol', password: 'Secret-Pass' }]);
const pop3 = sharedServer(dir, () => ['--mail-root', root().dir]);

graded('a password compares exactly: other case, or a trailing space, is -ERR', 1, async (t) => {
  const c = await t.tcp(await pop3());
  await c.expect(/^\+OK/, 'the greeting');
  await c.command('USER carol', /^\+OK/);
  await c.command('PASS secret-pass', /^-ERR/);
  await c.command('USER carol', /^\+OK/);
  await c.command('PASS Secret-Pass ', /^-ERR/);
  await c.command('USER carol', /^\+OK/);
  await c.command('PASS Secret-Pass', /^\+OK/);
}, { hint: 'user-pass' });

graded("one client's USER does not log in another: each connection has its own state", 1, async (t) => {
  const server = await pop3();
  const a = await t.tcp(server);
  const b = await t.tcp(server);
  await a.expect(/^\+OK/, 'the greeting');
  await b.expect(/^\+OK/, 'the greeting');
  await a.command('USER carol', /^\+OK/);
  await b.command('PASS Secret-Pass', /^-ERR/); // b never sent USER
  await a.command('PASS Secret-Pass', /^\+OK/);
}, { hint: 'dispatch' });

// Graded tests for lab 09 that start servers of their own: the autologout timer
// (RFC 1939 §3) and a server killed outright. Apart from the shared-server tests
// of 09-pop3-real-world.test.ts, so that the files run side by side.
import { currentSlowness, LabFailure, waitExpired } from '../../lib/harness/index.ts';
import { asSent, MailRoot } from '../fixtures/pop3/mail-root.ts';
import { login, pop3Lab } from '../fixtures/pop3/pop3.ts';

const { graded, root, account } = pop3Lab('09-pop3-real-world', 'timer', { concurrent: true });

const note = (n: number) => `From: a@example.org\r\nSubject: note ${n}\r\n\r\nThis is note ${n}.\r\n.hidden dot line\r\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

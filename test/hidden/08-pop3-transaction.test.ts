// Hidden tests for lab 08 (POP3 TRANSACTION and UPDATE): graded only when the
// instructor grades. Edge cases: the message number that was valid before a
// DELE, RSET after RSET, and sizes counted after a DELE of the first message.
import { LabFailure } from '../../lib/harness/index.ts';
import { asSent } from '../fixtures/pop3/mail-root.ts';
import { login, pop3Lab } from '../fixtures/pop3/pop3.ts';

const { graded, pop3, account } = pop3Lab('pop3-transaction', 'hidden');
const mail = (n: number) => `From: n${n}@example.org\nSubject: message ${n}\n\n${'body line\n'.repeat(n)}`;

graded('after DELE 1, STAT and LIST count only the rest, and keep the other numbers', 1, async (t) => {
  const a = account([mail(1), mail(2), mail(3)]);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  await c.command('DELE 1', /^\+OK/);
  const [two, three] = [asSent(mail(2)).length, asSent(mail(3)).length];
  await c.command('STAT', `+OK 2 ${two + three}`);
  await c.command('LIST 3', `+OK 3 ${three}`);
  await c.command('LIST', /^\+OK/);
  const lines = await c.readMultiline();
  if (lines.join('|') !== `2 ${two}|3 ${three}`) {
    throw new LabFailure(`after DELE 1, LIST should keep the numbers 2 and 3 (messages are not renumbered within a session); it listed ${JSON.stringify(lines)}.\n${c.transcript.render('expected "2 …" and "3 …"')}`);
  }
}, { hint: 'dele-mark' });

graded('RSET twice, and DELE again after RSET, behave', 1, async (t) => {
  const a = account([mail(1), mail(2)]);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  await c.command('DELE 2', /^\+OK/);
  await c.command('RSET', /^\+OK/);
  await c.command('RSET', /^\+OK/);
  await c.command('STAT', `+OK 2 ${asSent(mail(1)).length + asSent(mail(2)).length}`);
  await c.command('DELE 2', /^\+OK/);
  await c.command('DELE 2', /^-ERR/);
  await c.command('STAT', `+OK 1 ${asSent(mail(1)).length}`);
}, { hint: 'dele-mark' });

// Hidden tests for lab 09 (UIDL, TOP, CAPA, APOP): graded only when the
// instructor grades. Edge cases: two messages with the same content still get
// different ids, and TOP does not mark a message read or deleted.
import { LabFailure } from '../../lib/harness/index.ts';
import { asSent } from '../fixtures/pop3/mail-root.ts';
import { login, pop3Lab } from '../fixtures/pop3/pop3.ts';

const { graded, pop3, account } = pop3Lab('pop3-extensions', 'hidden');
const same = 'From: bot@example.org\nSubject: daily report\n\nnothing to report\n';

graded('two messages with the same bytes still get different UIDL ids', 1, async (t) => {
  // An id made from a hash of the content alone gives both the same id; a client would then skip one.
  const a = account([same, same]);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  const one = (await c.command('UIDL 1', /^\+OK 1 /)).split(' ').pop();
  const two = (await c.command('UIDL 2', /^\+OK 2 /)).split(' ').pop();
  if (!one || one === two) throw new LabFailure(`messages 1 and 2 have the same bytes but are two messages: UIDL must give them different ids; both got ${JSON.stringify(one)}.\n${c.transcript.render()}`);
}, { hint: 'uidl' });

graded('TOP changes nothing: after TOP, STAT and RETR see the message as before', 1, async (t) => {
  const a = account([same]);
  const c = await t.tcp(await pop3());
  await login(c, a.user, a.password);
  await c.command('TOP 1 0', /^\+OK/);
  await c.readMultiline();
  await c.command('STAT', `+OK 1 ${asSent(same).length}`);
  await c.command('RETR 1', /^\+OK/);
  const lines = await c.readMultiline();
  if (lines.at(-1) !== 'nothing to report') throw new LabFailure(`RETR 1 after TOP 1 0 should still send the whole message; its last line was ${JSON.stringify(lines.at(-1))}.\n${c.transcript.render()}`);
}, { hint: 'top' });

// Hidden tests for lab 13 (the mail system): graded only when the instructor
// grades. The user agent with two recipients, a message without a final line
// end, an empty maildrop, and a refused login.
import { LabFailure, labTest } from '../../lib/harness/index.ts';
import { fileMailRoot, sharedServer } from '../fixtures/pop3/pop3.ts';
import { assertDelivered, outDir, theDelivered } from '../fixtures/smtp/smtp.ts';

const lab = labTest('mail-system');
const { graded } = lab;
const root = fileMailRoot();
const pop3 = sharedServer(lab.dir, () => ['--mail-root', root().dir]);
const smtp = sharedServer(lab.dir, () => ['--mail-root', root().dir], 'smtp-server.ts');
let users = 0;
function account(): { user: string; password: string } {
  const user = `hidden${++users}`;
  const password = `pw-${user}`;
  root().addUser({ user, password });
  return { user, password };
}

graded('user-agent send to two recipients: one copy each; a last line without a line end gets its CRLF', 1, async (t) => {
  const a = account();
  const b = account();
  const s = await smtp();
  const message = 'Subject: two of you\n\nno line end at the end';
  const r = await t.run('user-agent.ts', { args: ['send', '--smtp', `127.0.0.1:${s.port}`, '--from', 'me@example.org', '--to', `${a.user}@example.org`, '--to', `${b.user}@example.org`], stdin: message, timeoutMs: 15_000, waitingOn: s });
  if (r.code !== 0) throw new LabFailure(`user-agent send should exit 0.\n${r.describe()}`);
  const want = Buffer.from('Subject: two of you\r\n\r\nno line end at the end\r\n', 'latin1');
  for (const u of [a.user, b.user]) assertDelivered(want, theDelivered(root(), u, 'a message sent by the user agent to two recipients').rest, `${u}'s copy`);
}, { hint: 'ua-send' });

graded('user-agent fetch: an empty maildrop is "0 new messages" and exit 0; a wrong password is exit 1 with the -ERR shown', 1, async (t) => {
  const a = account();
  const p = await pop3();
  const { dir: out, files: saved, remove } = outDir('hidden-ua');
  t.onCleanup(remove);
  const empty = await t.run('user-agent.ts', { args: ['fetch', '--pop3', `127.0.0.1:${p.port}`, '--user', a.user, '--password', a.password, '--out', out], timeoutMs: 15_000, waitingOn: p });
  if (empty.code !== 0 || !/0 new messages/.test(empty.stdout) || saved.list('').length) throw new LabFailure(`fetching from an empty maildrop should save nothing, print "0 new messages, 0 already here" and exit 0.\n${empty.describe()}`);
  const wrong = await t.run('user-agent.ts', { args: ['fetch', '--pop3', `127.0.0.1:${p.port}`, '--user', a.user, '--password', 'not it', '--out', out], timeoutMs: 15_000, waitingOn: p });
  if (wrong.code !== 1 || !/-ERR/.test(wrong.stdout + wrong.stderr)) throw new LabFailure(`with a wrong password the server says -ERR to PASS: user-agent fetch should show that reply and exit 1.\n${wrong.describe()}`);
}, { hint: 'ua-fetch' });

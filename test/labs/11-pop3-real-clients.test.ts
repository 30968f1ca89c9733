// Graded tests for lab 11 — large messages streamed with backpressure, then
// real mail clients, written by nobody here, talking to the server under test:
// curl, Python's poplib and fetchmail. Each must get every message byte for
// byte as POP3 carries it (CRLF line ends, a final CRLF, the stuffing dots
// removed again), awkward messages included.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { LabFailure, livePidsInGroup, type LabContext, type ServerProcess } from '../../lib/harness/index.ts';
import { login, pop3Lab, retrExact } from '../fixtures/pop3/pop3.ts';
import { kitPath } from '../../lib/paths.ts';
import { conversation, firstDifference, requireClient, runClient, type ClientRun } from '../fixtures/pop3-clients/clients.ts';
import { awkwardMessages } from '../fixtures/pop3-clients/messages.ts';
import { asSent, MailRoot } from '../fixtures/pop3/mail-root.ts';

const { graded, root, pop3, account } = pop3Lab('pop3-real-clients');

const USER = 'alice';
const PASSWORD = 'open sesame'; // a space: PASS takes the rest of the line (RFC 1939 §7)
const FIXTURES = kitPath('test', 'fixtures', 'pop3-clients');

// Temp folders are removed after the harness has stopped the server.
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `socket-kit-${prefix}-`));
  temps.push(dir);
  return dir;
}

interface Served {
  server: ServerProcess;
  root: MailRoot;
  messages: { name: string; file: Buffer }[];
  /** Each message as the client must receive it. */
  expected: Buffer[];
}

/** A mail root holding the awkward messages for alice, served by the lab's server. */
async function serve(t: LabContext): Promise<Served> {
  const messages = awkwardMessages();
  const root = new MailRoot([{ user: USER, password: PASSWORD, messages: messages.map((m) => m.file) }]);
  temps.push(root.dir);
  const server = await t.start('server.ts', { args: ['--mail-root', root.dir] });
  return { server, root, messages, expected: messages.map((m) => asSent(m.file)) };
}

/** Fail with the client's command, exit, output and conversation, unless it exited 0. */
function mustSucceed(run: ClientRun, what: string, server: ServerProcess): void {
  if (run.code === 0 && !run.timedOut) return;
  server.assertAlive(`${what}`);
  throw new LabFailure(`${what} failed.\n${run.describe()}`);
}

/** Compare what a client got for message `i` with what was stored. */
function mustMatch(s: Served, i: number, got: Buffer, client: string, run: ClientRun): void {
  const diff = firstDifference(s.expected[i]!, got);
  if (!diff) return;
  throw new LabFailure(
    `${client} received message ${i + 1} ('${s.messages[i]!.name}') with different bytes: ${diff}\n` +
      `  (expected: the stored message with CRLF line ends and a final CRLF, the stuffing dots removed by the client.)\n` +
      `${run.describe()}`,
  );
}

const note = (n: number) => `From: a@example.org\r\nSubject: note ${n}\r\n\r\nThis is note ${n}.\r\n.hidden dot line\r\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A large message of `mb` MiB: 80-octet lines, some starting with "." (stuffed on the wire). */
function bigMessage(mb: number): Buffer {
  const block: string[] = ['Subject: a large message\r\n', '\r\n'];
  for (let i = 0; block.join('').length < 64 * 1024 - 100; i++) {
    block.push(i % 50 === 7 ? `.line ${i} starts with a dot`.padEnd(78, '.') + '\r\n' : `line ${i} `.padEnd(78, 'x') + '\r\n');
  }
  const one = Buffer.from(block.slice(2).join(''), 'latin1');
  return Buffer.concat([Buffer.from(block.slice(0, 2).join('')), ...Array.from({ length: mb * 16 }, () => one)]);
}

/** Where the server (any process of its group) has `file` open: the read offset of each descriptor. */
function openOffsets(server: ServerProcess, file: string): number[] {
  const found: number[] = [];
  for (const pid of livePidsInGroup(server.group)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== file) continue;
        const pos = /^pos:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
        found.push(Number(pos?.[1] ?? 0));
      } catch {
        /* closed while we looked */
      }
    }
  }
  return found;
}

// ---- large messages --------------------------------------------------------

graded('RETR of an 8 MB message comes back byte for byte', 2, async (t) => {
  const server = await pop3();
  const big = bigMessage(8);
  const a = account([note(1), big]);
  const c = await t.tcp(server);
  await login(c, a.user, a.password);
  await c.command('LIST 2', `+OK 2 ${big.length}`);
  await retrExact(c, 2, big, 15_000);
  await c.command('QUIT', /^\+OK/);
}, { hint: 'stream-retr', timeout: 30_000, load: 'heavy' });

/**
 * A message whose line ends and leading dots fall on the chunk boundaries a
 * streaming reader is likely to use (multiples of 16 KiB): a CR at the end of
 * one chunk and its LF at the start of the next; a "." starting the next chunk;
 * with bare-LF lines in between.
 */
function awkwardMessage(): Buffer {
  const out = Buffer.alloc(16 * 1024 * 12, 'y');
  out.write('Subject: boundaries\n\n', 0, 'latin1');
  for (let k = 1; k < 12; k++) {
    const b = k * 16 * 1024;
    // Both cases at 16, 32, 48 KiB... and, alternating, at the 64 KiB multiples too.
    if ((k % 4 === 0 ? k / 4 : k) % 2) out.write('\r\n', b - 1, 'latin1'); // CR ends a chunk, LF begins the next
    else out.write('\n.', b - 1, 'latin1'); // LF ends a chunk, a dot line begins the next
    out.write('\n', b + 700, 'latin1'); // and some bare-LF lines in between
  }
  return out;
}

graded('a message whose CRLFs and dots fall on read-chunk boundaries comes back byte for byte', 1, async (t) => {
  const server = await pop3();
  const m = awkwardMessage();
  const a = account([m]);
  const c = await t.tcp(server);
  await login(c, a.user, a.password);
  await retrExact(c, 1, asSent(m));
  await c.command('TOP 1 3', /^\+OK/);
  const lines = await c.readMultiline();
  if (lines.length !== 5 || lines[0] !== 'Subject: boundaries' || lines[1] !== '') {
    throw new LabFailure(`TOP 1 3 should give the header, the blank line and 3 body lines (5 lines); got ${lines.length}.\n${c.transcript.render()}`);
  }
}, { hint: 'stream-retr' });

graded('RETR streams with backpressure: a client that stops reading holds the server near the start of the file, and others are served', 3, async (t) => {
  const server = await pop3();
  const mb = 32;
  const a = account([bigMessage(mb)]);
  const file = path.join(root().dir, a.user, 'new', readdirSync(path.join(root().dir, a.user, 'new'))[0]!);
  const slow = await t.tcp(server);
  await login(slow, a.user, a.password);
  await slow.command('RETR 1', /^\+OK/);
  slow.socket.pause(); // from here the client reads nothing: TCP's window fills, then the server's writes back up
  slow.transcript.note(`(the client stops reading; the message is ${mb} MiB)`);
  // Meanwhile another client is served in full.
  const b = account([note(7)]);
  const other = await t.tcp(server);
  await login(other, b.user, b.password);
  await retrExact(other, 1, asSent(note(7)));
  await other.command('QUIT', /^\+OK/);
  // The server should still be reading the file a little at a time, paced by the client.
  const half = (mb / 2) * 1024 * 1024;
  for (let i = 0; i < 8; i++) {
    await sleep(100);
    const offsets = openOffsets(server, file);
    if (offsets.length === 0 || Math.max(...offsets) > half) {
      throw new LabFailure(
        `a client asked for a ${mb} MiB message and read nothing, yet the server ${offsets.length ? `has read ${Math.max(...offsets)} octets of the file` : 'no longer has the file open (it read it whole)'}. ` +
          `Stream it: read a chunk, write it, and wait for 'drain' when write() returns false.\n${slow.transcript.render('expected the server to wait for the client')}`,
      );
    }
  }
  slow.transcript.note('(the client disconnects in the middle of the message)');
  slow.close();
  for (let i = 0; openOffsets(server, file).length > 0; i++) {
    if (i > 30) throw new LabFailure('the client disconnected mid-RETR, but 3 s later the server still had the message file open. Stop reading and close it when the connection closes.');
    await sleep(100);
  }
  const again = await t.tcp(server);
  await login(again, a.user, a.password);
  await again.command('STAT', /^\+OK 1 /);
  await again.command('QUIT', /^\+OK/);
}, { hint: 'stream-retr', timeout: 30_000, load: 'heavy' });

// ---- curl ---------------------------------------------------------------------

/** curl with no ~/.curlrc (-q), no proxy, bounded, logging the conversation (-v) to stderr. */
function curl(server: ServerProcess, urlPath: string, extra: string[] = []): Promise<ClientRun> {
  requireClient('curl', 'apt-get install curl (Debian/Ubuntu), brew install curl (macOS)');
  const url = `pop3://127.0.0.1:${server.port}/${urlPath}`;
  return runClient('curl', ['-q', '-sS', '-v', '--noproxy', '*', '--connect-timeout', '5', '--max-time', '10', '-u', `${USER}:${PASSWORD}`, ...extra, url], { timeoutMs: 15_000, server });
}

function listing(sizes: number[]): string {
  return sizes.map((n, i) => `${i + 1} ${n}\r\n`).join('');
}

graded('curl lists the maildrop and retrieves every message byte for byte', 3, async (t) => {
  const s = await serve(t);
  const list = await curl(s.server, '');
  mustSucceed(list, 'curl listing the maildrop (LIST)', s.server);
  const want = listing(s.expected.map((m) => m.length));
  if (list.stdout.toString('latin1') !== want) {
    throw new LabFailure(
      `curl's listing differs from the maildrop's ${s.expected.length} messages and their sizes in octets as sent (CRLF line ends):\n` +
        `    expected ${JSON.stringify(want)}\n    got      ${JSON.stringify(list.stdout.toString('latin1'))}\n` +
        `${list.describe()}`,
    );
  }
  for (let i = 0; i < s.expected.length; i++) {
    const run = await curl(s.server, String(i + 1));
    mustSucceed(run, `curl retrieving message ${i + 1} (RETR ${i + 1})`, s.server);
    mustMatch(s, i, run.stdout, 'curl', run);
  }
}, { hint: 'real-clients', timeout: 40_000 });

graded('curl -X DELE deletes one message, and only that one', 1, async (t) => {
  const s = await serve(t);
  // Maildir unique names: a server may move a message from new/ to cur/ and add flags; it is still there.
  const uniques = () => s.root.files(USER).map((f) => path.basename(f).split(':')[0]!);
  const before = uniques();
  // -I: DELE's reply is one line, so tell curl to expect no message body.
  const run = await curl(s.server, '2', ['-X', 'DELE', '-I']);
  mustSucceed(run, 'curl deleting message 2 (DELE 2, then QUIT)', s.server);
  const after = uniques();
  const gone = before.filter((f) => !after.includes(f));
  if (gone.length !== 1 || gone[0] !== before[1] || after.length !== before.length - 1) {
    throw new LabFailure(
      `after curl's DELE 2 and QUIT, exactly message 2 (${before[1]}) should be gone from the Maildir.\n` +
        `    before: ${before.join(', ')}\n    after:  ${after.join(', ') || '(nothing)'}\n${run.describe()}`,
    );
  }
  const list = await curl(s.server, '');
  mustSucceed(list, 'curl listing the maildrop after the deletion', s.server);
  const want = listing(s.expected.filter((_, i) => i !== 1).map((m) => m.length));
  if (list.stdout.toString('latin1') !== want) {
    throw new LabFailure(`in the next session, LIST should number the 5 remaining messages 1 to 5:\n    expected ${JSON.stringify(want)}\n    got      ${JSON.stringify(list.stdout.toString('latin1'))}\n  the conversation:\n${conversation(list.stderr)}`);
  }
}, { hint: 'real-clients' });

// ---- Python's poplib --------------------------------------------------------------

interface PoplibReport {
  step: string;
  error?: string;
  welcome?: string;
  stat?: [number, number];
  list?: [number, number][];
  uidl?: [string, string][];
}

async function poplib(server: ServerProcess, out: string, extra: string[] = []): Promise<{ run: ClientRun; report: PoplibReport }> {
  requireClient('python3', 'apt-get install python3 (Debian/Ubuntu), or https://www.python.org/downloads/');
  const run = await runClient('python3', [path.join(FIXTURES, 'poplib_session.py'), '127.0.0.1', String(server.port), USER, PASSWORD, out, ...extra], { timeoutMs: 20_000, server });
  let report: PoplibReport;
  try {
    report = JSON.parse(run.stdout.toString('utf8')) as PoplibReport;
  } catch {
    report = { step: 'start', error: 'the script printed no report' };
  }
  if (run.code !== 0 || run.timedOut || report.error) {
    server.assertAlive(`poplib was at ${report.step}`);
    const why = report.error?.startsWith('error_proto')
      ? "\n  (error_proto: poplib read a line it did not expect, such as the rest of a multi-line reply that ended too early or an unstuffed '.' line.)"
      : '';
    throw new LabFailure(`Python's poplib failed at ${report.step}: ${report.error ?? '(no error reported)'}${why}\n${run.describe()}`);
  }
  return { run, report };
}

/** RFC 1939 §7: a unique-id is 1 to 70 characters in the range 0x21 to 0x7E. */
const UID_RE = /^[\x21-\x7e]{1,70}$/;

graded("Python's poplib: STAT, LIST, UIDL, TOP and RETR of every message, byte for byte", 2, async (t) => {
  const s = await serve(t);
  const out = tempDir('poplib');
  // TOP 2 3: the headers, the blank line and the first 3 body lines of the dot-lines message, still unstuffed right.
  const { run, report } = await poplib(s.server, out, ['--top', '2', '3']);
  const sizes = s.expected.map((m) => m.length);
  const total = sizes.reduce((a, b) => a + b, 0);
  const stat = JSON.stringify(report.stat);
  if (stat !== JSON.stringify([sizes.length, total])) {
    throw new LabFailure(`STAT should count ${sizes.length} messages of ${total} octets as sent; poplib read ${stat}.\n  the conversation:\n${conversation(run.stderr)}`);
  }
  const list = JSON.stringify(report.list);
  if (list !== JSON.stringify(sizes.map((n, i) => [i + 1, n]))) {
    throw new LabFailure(`LIST should give each message's size in octets as sent (CRLF line ends): ${JSON.stringify(sizes)}; poplib read ${list}.\n  the conversation:\n${conversation(run.stderr)}`);
  }
  const uids = (report.uidl ?? []).map((u) => u[1]);
  if (uids.length !== sizes.length || new Set(uids).size !== uids.length || !uids.every((u) => UID_RE.test(u))) {
    throw new LabFailure(`UIDL should list ${sizes.length} different unique-ids, each 1-70 printable characters; poplib read ${JSON.stringify(report.uidl)}.\n  the conversation:\n${conversation(run.stderr)}`);
  }
  for (let i = 0; i < s.expected.length; i++) mustMatch(s, i, readFileSync(path.join(out, `${i + 1}.eml`)), "poplib's RETR", run);
  const msg = s.expected[1]!;
  const headerEnd = msg.indexOf('\r\n\r\n') + 4;
  let cut = headerEnd;
  for (let k = 0; k < 3; k++) cut = msg.indexOf('\r\n', cut) + 2;
  const diff = firstDifference(msg.subarray(0, cut), readFileSync(path.join(out, 'top-2.eml')));
  if (diff) throw new LabFailure(`TOP 2 3 should give message 2's headers, the blank line and its first 3 body lines: ${diff}\n  the conversation:\n${conversation(run.stderr)}`);
}, { hint: 'real-clients' });

graded("Python's poplib logs in with APOP; unique-ids stay the same across sessions and new mail shows up", 1, async (t) => {
  const s = await serve(t);
  const first = await poplib(s.server, tempDir('poplib'), ['--apop']);
  // Another program delivers while no session holds the maildrop (tmp/, then rename into new/).
  const fresh = Buffer.from('From: late@example.org\r\nSubject: delivered between sessions\r\n\r\n.a late dot line\r\n', 'latin1');
  s.root.deliver(USER, fresh);
  const out = tempDir('poplib');
  const second = await poplib(s.server, out, ['--apop']);
  const before = first.report.uidl ?? [];
  const after = second.report.uidl ?? [];
  const kept = before.every(([n, uid], i) => after[i]?.[0] === n && after[i]?.[1] === uid);
  if (!kept || after.length !== before.length + 1 || before.some(([, uid]) => uid === after.at(-1)?.[1])) {
    throw new LabFailure(
      `the second session should list the same unique-ids for the same messages, plus one new id for the message delivered in between.\n` +
        `    first session:  ${JSON.stringify(before)}\n    second session: ${JSON.stringify(after)}\n  the second conversation:\n${conversation(second.run.stderr)}`,
    );
  }
  const n = after.length;
  const diff = firstDifference(asSent(fresh), readFileSync(path.join(out, `${n}.eml`)));
  if (diff) throw new LabFailure(`the message delivered between sessions came back different: ${diff}\n  the conversation:\n${conversation(second.run.stderr)}`);
}, { hint: 'real-clients' });

// ---- fetchmail --------------------------------------------------------------------

/**
 * Run fetchmail once, confined to `home`: its own rc file (mode 0600, as it
 * insists), HOME, FETCHMAILHOME, id and pid files there, no syslog, no DNS, no
 * bounce mail, no TLS, and an MDA that writes each message to home/out/NNNN.eml.
 */
async function fetchmail(server: ServerProcess, home: string, options: string, uidl = false): Promise<{ run: ClientRun; files: Buffer[] }> {
  requireClient('fetchmail', 'apt-get install fetchmail (Debian/Ubuntu), brew install fetchmail (macOS)');
  const out = path.join(home, 'out');
  mkdirSync(out, { recursive: true });
  const rc = path.join(home, 'fetchmailrc');
  writeFileSync(
    rc,
    [
      'set no syslog',
      'set no bouncemail',
      'set invisible', // no Received: header of its own, so the bytes can be compared
      `poll 127.0.0.1 protocol pop3 service ${server.port} auth password timeout 10 no dns${uidl ? ' uidl' : ''}`,
      `  user "${USER}" there with password "${PASSWORD}"`,
      `  options ${options} no rewrite no stripcr sslproto ''`,
      `  mda "/bin/sh '${path.join(FIXTURES, 'mda.sh')}' '${out}'"`, // fetchmail hands it to sh -c
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const run = await runClient('fetchmail', ['-v', '--nodetach', '-f', rc, '-i', path.join(home, 'fetchids'), '--pidfile', path.join(home, 'fetchmail.pid')], {
    timeoutMs: 20_000,
    server,
    env: { HOME: home, FETCHMAILHOME: home },
    cwd: home,
  });
  const names = readdirSync(out).filter((f) => f.endsWith('.eml')).sort();
  const files = names.map((f) => readFileSync(path.join(out, f)));
  rmSync(out, { recursive: true, force: true }); // the next run starts numbering again
  return { run, files };
}

/** fetchmail exits 0 when it delivered mail, 1 when there was none. */
function fetched(run: ClientRun, server: ServerProcess, count: number, files: Buffer[], what: string): void {
  if (run.timedOut || run.code !== (count ? 0 : 1) || files.length !== count) {
    server.assertAlive(what);
    throw new LabFailure(
      `${what}: fetchmail should deliver ${count} message${count === 1 ? '' : 's'} and exit ${count ? 0 : '1 ("no mail")'}; it delivered ${files.length}.\n` +
        `${run.describe()}`,
    );
  }
}

graded('fetchmail fetches every message byte for byte and, with keep, leaves them on the server', 2, async (t) => {
  const s = await serve(t);
  const home = tempDir('fetchmail');
  const { run, files } = await fetchmail(s.server, home, 'keep fetchall');
  fetched(run, s.server, s.expected.length, files, 'fetchmail (keep fetchall)');
  files.forEach((f, i) => mustMatch(s, i, f, 'fetchmail', run));
  if (s.root.files(USER).length !== s.expected.length) {
    throw new LabFailure(`with "keep", fetchmail deletes nothing, yet the Maildir now holds ${s.root.files(USER).length} of ${s.expected.length} messages.\n  the conversation:\n${conversation(run.stderr)}`);
  }
}, { hint: 'real-clients' });

graded('fetchmail uses UIDL to fetch only new mail, then fetches and deletes it all', 2, async (t) => {
  const s = await serve(t);
  const home = tempDir('fetchmail');
  // Run 1: "keep uidl" remembers, by unique-id, what it has seen (and reads each message with TOP n <huge>).
  const one = await fetchmail(s.server, home, 'keep', true);
  fetched(one.run, s.server, s.expected.length, one.files, 'first run (keep uidl)');
  one.files.forEach((f, i) => mustMatch(s, i, f, 'fetchmail', one.run));
  const fresh = Buffer.from('From: late@example.org\r\nSubject: new since the last poll\r\n\r\n..\r\nnew\r\n', 'latin1');
  s.root.deliver(USER, fresh);
  // Run 2: only the new message.
  const two = await fetchmail(s.server, home, 'keep', true);
  fetched(two.run, s.server, 1, two.files, 'second run after one new delivery (keep uidl)');
  const diff = firstDifference(asSent(fresh), two.files[0]!);
  if (diff) throw new LabFailure(`fetchmail's second run fetched the new message with different bytes: ${diff}\n  the conversation:\n${conversation(two.run.stderr)}`);
  // Run 3: everything, deleted on the server (DELE, then QUIT into UPDATE).
  const three = await fetchmail(s.server, home, 'no keep fetchall');
  fetched(three.run, s.server, s.expected.length + 1, three.files, 'third run (no keep fetchall)');
  const left = s.root.files(USER);
  if (left.length) {
    throw new LabFailure(`after fetchmail fetched and deleted every message ("no keep"), the Maildir should be empty; it still holds ${left.join(', ')}.\n  the conversation:\n${conversation(three.run.stderr)}`);
  }
}, { hint: 'real-clients', timeout: 45_000 });

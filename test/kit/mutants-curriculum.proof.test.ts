// Every graded test of the concurrency lab and the POP3 labs is proven by a
// wrong program it fails: a test a wrong program passes tests nothing.
//
// The wrong programs ("mutants") are the reference with one mistake in it:
//   - an edit: a string of a reference file replaced (the mistakes students make:
//     the CPU work left on the event loop, no limit on children, a lock taken by
//     remove-then-create, a CR forgotten across chunks, ...);
//   - a knockout (POP3): one region of the staged source put back to its
//     starter (lib/stages.ts knockouts()), so the server lacks exactly one piece.
// Each mutant names the tests it must fail; each runs only those (vitest -t).
// Every knockout of a POP3 lab must also fail some test of that lab, and every
// graded test, hidden ones included, must be named by some mutant.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findLab, labDir, labTestPaths, stagesOf, type Lab } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { runLabTests } from '../../lib/grader/run-tests.ts';
import { hiddenTestPaths } from '../../lib/instructor/hidden.ts';
import { listTests } from '../../lib/instructor/list-tests.ts';
import { knockouts } from '../../lib/stages.ts';
import { SMTP_MUTANTS } from '../fixtures/smtp/mutants.ts';

interface Edit {
  file: string;
  from: string;
  to: string;
}
interface Mutant {
  /** The lab whose tests it is graded on. */
  lab: string;
  /** What is wrong with it, in words. */
  name: string;
  /** The reference with these edits... */
  edits?: Edit[];
  /** ...or with this region of a stage (default: the lab itself) as its starter. */
  knockout?: { key: string; stage?: string };
  /** Tests it must fail: a word or phrase from each one's name. */
  kills: string[];
}

const CRACK_WORKER_LIMIT = { file: 'server.ts', from: '    await slots.acquire();\n', to: '' };

const MUTANTS: Mutant[] = [
  // ---- lab 03: concurrent servers ---------------------------------------------------
  { lab: 'concurrent-servers', name: 'crack computed on the event loop', edits: [{ file: 'server.ts', from: 'await crackInWorker(req)', to: 'crackReply(crack(req))' }], kills: ['runs off the event loop', 'each in a child process'] },
  { lab: 'concurrent-servers', name: 'no limit on crack workers', edits: [CRACK_WORKER_LIMIT, { file: 'server.ts', from: '      slots.release();\n', to: '' }], kills: ['at most --workers'] },
  {
    lab: 'concurrent-servers',
    name: 'connections served one at a time',
    edits: [
      { file: 'server.ts', from: '    serve(socket).catch(', to: '    (queue = queue.then(() => serve(socket).catch(() => {}))).catch(' },
      { file: 'server.ts', from: '  const slots = new Slots(workers);', to: '  const slots = new Slots(workers);\n  let queue = Promise.resolve();' },
    ],
    kills: ['sends nothing delays no one', 'runs off the event loop'],
  },
  { lab: 'concurrent-servers', name: 'no idle timeout', edits: [{ file: 'request.ts', from: '    socket.setTimeout(idleMs);\n', to: '' }], kills: ['silent client is hung up on'] },
  {
    lab: 'concurrent-servers',
    name: 'the idle timer left on while the job runs',
    edits: [
      { file: 'request.ts', from: '      socket.setTimeout(0);\n', to: '' },
      { file: 'request.ts', from: "    socket.on('timeout', () => {\n      if (done) return;\n", to: "    socket.on('timeout', () => {\n" },
    ],
    kills: ['silent client is hung up on'],
  },
  { lab: 'concurrent-servers', name: 'a bad request answered without "error: "', edits: [{ file: 'server.ts', from: 'errorReply(req.why)', to: 'req.why' }], kills: ['answers echo and crack requests, one per connection'] },
  { lab: 'concurrent-servers', name: 'fork-server: no limit on children', edits: [{ file: 'fork-server.ts', from: 'children.size < maxChildren &&', to: 'true &&' }], kills: ['at most --max-children'] },
  { lab: 'concurrent-servers', name: 'fork-server: the child ends its side at the FIN', edits: [{ file: 'fork-server.ts', from: '    socket.allowHalfOpen = true;\n', to: '' }], kills: ['each client served by a child process'] },
  { lab: 'concurrent-servers', name: 'fork-server: one child at a time', edits: [{ file: 'fork-server.ts', from: 'children.size < maxChildren &&', to: 'children.size < 1 &&' }], kills: ['a silent client and a crack job in progress delay no one'] },

  // ---- POP3: edits for what a region knockout cannot show -------------------------
  { lab: 'pop3-robustness', name: 'one lock for the whole server', edits: [{ file: 'lock.ts', from: 'const seq = sequence(maildir);', to: 'maildir = path.dirname(maildir);\n      const seq = sequence(maildir);' }], kills: ['locks are per maildrop'] },
  {
    lab: 'pop3-robustness',
    name: 'a stale lock taken over by remove-then-create',
    edits: [{ file: 'lock.ts', from: "    if (this.held.has(maildir)) return false;\n    for (let attempt = 0; attempt < 5; attempt++) {\n      const seq = sequence(maildir);\n      const newest = seq.at(-1);\n      if (newest !== undefined) {\n        const gone = this.ownerGone(path.join(maildir, lockName(newest)));\n        if (gone === undefined) continue; // it vanished while we looked (released): look again\n        if (!gone) return false;\n      }\n      const file = path.join(maildir, lockName(newest === undefined ? 0 : newest + 1));\n      const fd = claim(file);\n      if (fd !== undefined) {\n        this.held.set(maildir, { file, fd });\n        return true;\n      }\n      // Another process claimed that name first: look again (it is theirs now, and alive).\n    }\n    return false;\n", to: "    if (this.held.has(maildir)) return false;\n    const file = path.join(maildir, LOCK_FILE);\n    for (let attempt = 0; attempt < 2; attempt++) {\n      const fd = claim(file);\n      if (fd !== undefined) {\n        this.held.set(maildir, { file, fd });\n        return true;\n      }\n      if (this.ownerGone(file) === false) return false;\n      try {\n        unlinkSync(file);\n      } catch {\n        /* someone else removed it first */\n      }\n    }\n    return false;\n" }],
    kills: ['a stale lock, logins at the same moment'],
  },
  { lab: 'pop3-robustness', name: 'a line of 256 octets let through', edits: [{ file: 'line-reader.ts', from: '> this.maxOctets', to: '> this.maxOctets + 1' }], kills: ['256 octets, one over the limit'] },
  { lab: 'pop3-real-clients', name: 'a CR at the end of a chunk forgotten in the next', edits: [{ file: 'stuffing.ts', from: 'const crBefore = lf > 0 ? chunk[lf - 1] === CR : this.prevCR;', to: 'const crBefore = lf > 0 ? chunk[lf - 1] === CR : false;' }], kills: ['fall on read-chunk boundaries'] },
  { lab: 'pop3-real-clients', name: 'only the first chunk of a message sent', edits: [{ file: 'maildrop.ts', from: '    while (total < fileSize) {', to: '    if (total < fileSize) {' }], kills: ['8 MB message', 'fall on read-chunk boundaries'] },
  { lab: 'pop3-real-clients', name: 'no final CRLF for a last line without one', knockout: { stage: 'pop3-transaction', key: 'stuffing.ts:end' }, kills: ['curl lists', "poplib: STAT, LIST", 'fetchmail fetches every message'] },
  { lab: 'pop3-real-clients', name: 'DELE never removes anything', knockout: { stage: 'pop3-transaction', key: 'maildrop.ts:removeDeleted' }, kills: ['curl -X DELE', 'fetchmail uses UIDL'] },
  { lab: 'pop3-real-clients', name: 'no APOP', knockout: { stage: 'pop3-extensions', key: 'session.ts:apop' }, kills: ['poplib logs in with APOP'] },
  // ---- the SMTP labs (12, 13), in the same folder: test/fixtures/smtp/mutants.ts -------
  ...SMTP_MUTANTS,
];

// POP3 knockouts: every region of every POP3 lab, graded on that lab's tests. The
// robustness and real-clients labs' test files are slow, so each region there says which tests it must fail.
const KNOCKOUT_KILLS: Record<string, Record<string, string[]>> = {
  'pop3-robustness': {
    'connection.ts:flood': ['floods empty lines'],
    'connection.ts:autologout': ['autologout'],
    'line-reader.ts:push': ['over 255 octets gets -ERR and the session carries on'],
    'lock.ts:tryLock': ['second login to a maildrop in use', 'holds across processes', 'refused with [IN-USE] leaves the lock'],
    'lock.ts:ownerGone': ['killed with SIGKILL', 'left empty by a crash', 'a reused pid'],
    'lock.ts:unlock': ['let go at QUIT', 'autologout'],
    'maildrop.ts:listNames': ['not valid UTF-8', 'symbolic link'],
    'maildrop.ts:look': ['symbolic link'],
    'maildrop.ts:openFile': ['symbolic link'],
    'session.ts:refuse': ['password guessing is slow', 'ten parallel guesses'],
  },
  'pop3-real-clients': { 'maildrop.ts:messageBody': ['streams with backpressure'] },
};
/** Labs whose knockouts are graded on all their tests (fast files): each must fail at least one. */
const FULL_KNOCKOUTS = ['pop3-authorization', 'pop3-transaction', 'pop3-extensions'];

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-mutants-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let made = 0;

/** Write a mutant as a target folder laid out like labs/. */
function build(lab: Lab, m: Pick<Mutant, 'edits' | 'knockout'>): string {
  const target = path.join(tmp, `m${++made}`);
  const dir = labDir(target, lab);
  if (m.knockout) {
    const stage = findLab(m.knockout.stage ?? lab.slug);
    const k = knockouts(stage).find((x) => x.name === m.knockout!.key);
    if (!k) throw new Error(`no region ${m.knockout.key} in ${stage.slug} (there are: ${knockouts(stage).map((x) => x.name).join(', ')})`);
    mkdirSync(dir, { recursive: true });
    for (const [f, text] of k.files) writeFileSync(path.join(dir, f), text);
  } else cpSync(labDir(kitPath('solutions'), lab), dir, { recursive: true });
  for (const e of m.edits ?? []) {
    const file = path.join(dir, e.file);
    const text = readFileSync(file, 'utf8');
    if (!text.includes(e.from)) throw new Error(`${lab.slug} mutant: ${e.file} no longer holds ${JSON.stringify(e.from.slice(0, 60))}: update the mutant`);
    writeFileSync(file, text.split(e.from).join(e.to));
  }
  return target;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Grade a mutant on the named tests of its lab (all, if none named): the names of the tests that failed, of those that ran. */
async function failing(lab: Lab, target: string, kills?: string[]): Promise<{ ran: string[]; failed: string[] }> {
  const [r] = await runLabTests([lab], {
    target,
    timeoutMs: 300_000,
    extraTests: hiddenTestPaths,
    vitestArgs: kills ? ['-t', kills.map(escape).join('|')] : [],
  });
  const ran = r!.tests.filter((t) => !/the test was skipped/.test(t.message ?? ''));
  return { ran: ran.map((t) => t.name), failed: ran.filter((t) => !t.passed).map((t) => t.name) };
}

const OURS = ['concurrent-servers', ...stagesOf(findLab('pop3-authorization')).map((l) => l.slug.slice(3))];

test('every graded test of these labs, hidden ones included, is named by a mutant it must fail', async () => {
  const labs = OURS.map((n) => findLab(n));
  const listed = await listTests(labs, (l) => [...labTestPaths(l), ...hiddenTestPaths(l)]);
  const claims = [
    ...MUTANTS.map((m) => ({ lab: m.lab, kills: m.kills })),
    ...Object.entries(KNOCKOUT_KILLS).flatMap(([lab, byKey]) => Object.values(byKey).map((kills) => ({ lab, kills }))),
  ];
  const full = new Set(FULL_KNOCKOUTS.map((n) => findLab(n).slug));
  const unproven = listed.filter((t) => !full.has(t.slug) && !claims.some((c) => findLab(c.lab).slug === t.slug && c.kills.some((k) => t.name.includes(k))));
  expect(unproven.map((t) => `${t.slug}: ${t.name}`)).toEqual([]);
  for (const [lab, byKey] of Object.entries(KNOCKOUT_KILLS)) expect(Object.keys(byKey).sort()).toEqual(knockouts(findLab(lab)).map((k) => k.name).sort());
}, 120_000);

// Every run is graded up front, three at a time (each is a vitest run with servers of its own):
// the mutants are independent, and one after another they would take minutes.
interface Run {
  name: string;
  lab: Lab;
  kills?: string[];
  build: () => string;
}
const runs: Run[] = [
  ...MUTANTS.map((m) => ({ name: `mutant ${m.lab}: ${m.name}`, lab: findLab(m.lab), kills: m.kills, build: () => build(findLab(m.lab), m) })),
  ...Object.entries(KNOCKOUT_KILLS).flatMap(([lab, byKey]) =>
    Object.entries(byKey).map(([key, kills]) => ({ name: `knockout ${lab} without ${key}`, lab: findLab(lab), kills, build: () => build(findLab(lab), { knockout: { key } }) })),
  ),
  ...FULL_KNOCKOUTS.flatMap((n) => knockouts(findLab(n)).map((k) => ({ name: `knockout ${n} without ${k.name}`, lab: findLab(n), build: () => build(findLab(n), { knockout: { key: k.name } }) }))),
];
const graded = new Map<string, Promise<{ ran: string[]; failed: string[] }>>();
let next = 0;
async function worker(): Promise<void> {
  while (next < runs.length) {
    const r = runs[next++]!;
    const p = failing(r.lab, r.build(), r.kills);
    graded.set(r.name, p);
    await p.catch(() => {});
  }
}
const all = Promise.all([worker(), worker(), worker()]);
/** The result of one run, once its turn has come and gone. */
async function result(name: string): Promise<{ ran: string[]; failed: string[] }> {
  while (!graded.has(name)) await Promise.race([all, new Promise((r) => setTimeout(r, 200))]);
  return graded.get(name)!;
}

describe.each(runs.filter((r) => r.kills).map((r) => [r.name, r] as const))('%s', (name, r: Run) => {
  test('fails the tests that catch it', async () => {
    const { ran, failed } = await result(name);
    for (const k of r.kills!) {
      expect(ran.filter((n) => n.includes(k)), `no test named like "${k}" ran`).not.toEqual([]);
      expect(failed.filter((n) => n.includes(k)), `it passed the tests named like "${k}"`).toEqual(ran.filter((n) => n.includes(k)));
    }
  }, 900_000);
});

describe.each(FULL_KNOCKOUTS.map((n) => [n] as const))('knockouts of %s', (labName) => {
  test('each region put back to its starter fails some test, and together they fail every test', async () => {
    const lab = findLab(labName);
    const proven = new Set<string>();
    let ran: string[] = [];
    for (const k of knockouts(lab)) {
      const r = await result(`knockout ${labName} without ${k.name}`);
      ran = r.ran;
      expect(r.failed, `${k.name} put back to its starter fails no test of ${lab.slug}`).not.toEqual([]);
      for (const f of r.failed) proven.add(f);
    }
    expect(ran.filter((t) => !proven.has(t))).toEqual([]);
  }, 900_000);
});

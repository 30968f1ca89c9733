// Graded tests for lab 03 — concurrent servers: the job protocol (one request
// per connection, ended by the client's FIN), answered by the event-loop server
// (server.ts) and the process-per-client server (fork-server.ts).
//
// Graded by measurement, and made to hold on a loaded machine: a wrong server
// delays others for seconds (a crack job that is measured to take over 2.5 s,
// or a silent client that never goes away), while the bounds a correct server
// must meet are a second or more, stretched by scaled().
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { labTest, LabFailure, livePidsInGroup, scaled, seconds, waitExpired, type LabContext, type ServerProcess, type TcpClient } from '../../lib/harness/index.ts';

const { graded } = labTest('concurrent-servers');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let salts = 0;
const salt = () => `t${process.pid}x${++salts}x${Math.floor(Math.random() * 1e6)}`;

/** A crack job whose answer is `answer`: the server must try answer + 1 numbers to find it. */
function crackJob(answer: number, s = salt()): string {
  return `crack ${s} ${createHash('sha256').update(s + answer).digest('hex')} ${answer + 1}`;
}

/**
 * Hashes per millisecond on this machine, now: the best of a few short runs of
 * the crack loop, so a job can be sized in seconds. (The best, not the mean: a
 * job sized from a busy moment would be too short to tell servers apart; one
 * too long only costs time, and a short one is measured and retried.)
 */
function hashRate(): number {
  let best = 0;
  const want = Buffer.alloc(32);
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    for (let n = 0; n < 20_000; n++) createHash('sha256').update('calibrate' + n).digest().equals(want);
    best = Math.max(best, 20_000 / Math.max(performance.now() - t0, 1));
  }
  return best;
}

interface Asked {
  reply: string;
  ms: number;
  client: TcpClient;
}

/** Open a connection that sends `request` and its FIN (lab 02's half-close). */
async function open(t: LabContext, server: ServerProcess, request: string, ms: number): Promise<{ done: Promise<Asked> }> {
  const t0 = Date.now();
  // longJobs: a server whose child computes for seconds is working, not stuck; one that sits
  // idle with the request in hand (nothing computing) fails the wait at once.
  const opts = { timeoutMs: ms, longJobs: true };
  const c = await t.tcp(server, opts);
  c.sendRaw(request, request.length > 60 ? request.slice(0, 57) + '...' : request);
  c.end();
  const done = c.readToEnd(`the reply to "${request.slice(0, 40)}" and the server's close`, scaled(ms)).then((b) => {
    const text = b.toString('utf8');
    if (text === '') throw new LabFailure(`the server closed the connection without a reply.\n${c.transcript.render('expected one line, then the close')}`);
    if (!text.endsWith('\n') || text.indexOf('\n') !== text.length - 1) {
      throw new LabFailure(`the reply should be one line ending in a line end, then the server closes.\n${c.transcript.render('expected "...\\n" and a close')}`);
    }
    return { reply: text.slice(0, -1), ms: Date.now() - t0, client: c };
  });
  done.catch(() => {}); // awaited by the caller; this only keeps an early failure from going unhandled
  return { done };
}

/** C: request, then FIN / S: one line, then the server closes. */
async function ask(t: LabContext, server: ServerProcess, request: string, ms = 5000): Promise<Asked> {
  return (await open(t, server, request, ms)).done;
}

function expectReply(got: Asked, want: string, asked: string): void {
  if (got.reply !== want) {
    throw new LabFailure(`"${asked.slice(0, 60)}" should be answered with "${want}"; the reply was ${JSON.stringify(got.reply)}.\n${got.client.transcript.render(`expected "${want}"`)}`);
  }
}

/** A connection that sends nothing and stays open: a slow (or idle, or malicious) client. */
async function silent(t: LabContext, server: ServerProcess): Promise<TcpClient> {
  const c = await t.tcp(server);
  c.transcript.note('(a client connects and sends nothing)');
  return c;
}

/** The processes of the server under test: its process group (children stay in it). */
function processes(server: ServerProcess): number[] {
  return livePidsInGroup(server.group).filter((pid) => {
    try {
      return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes('(bwrap)'); // the sandbox's own, in class runs
    } catch {
      return false;
    }
  });
}

/** Sample the server's process count every 50 ms while `work` runs: the most seen at once. */
async function peakProcesses<T>(server: ServerProcess, work: Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = processes(server).length;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      peak = Math.max(peak, processes(server).length);
      await sleep(50);
    }
  })();
  try {
    return { result: await work, peak };
  } finally {
    done = true;
    await sampler;
  }
}

/**
 * Send a crack job measured to take over 2.5 s on the server, and meanwhile
 * ask `probes` echoes, 400 ms apart, starting 300 ms after the job. Returns
 * how long the job took and each echo's time. A job that came back sooner is
 * too short to tell anything: it is retried three times bigger, twice.
 */
/** A failure decided by a clock: noted as a wait that ran out, so the test is run once more, alone, before it counts. */
function late(what: string, message: string): LabFailure {
  waitExpired(what);
  return new LabFailure(message);
}

async function echoesDuringCrack(t: LabContext, server: ServerProcess, probes = 4): Promise<{ jobMs: number; echoMs: number[]; transcript: () => string }> {
  let seconds_ = 3;
  const rate = hashRate();
  for (let attempt = 0; ; attempt++) {
    const answer = Math.round(rate * seconds_ * 1000);
    const job = await open(t, server, crackJob(answer), 90_000);
    await sleep(300);
    const echoes: Promise<Asked>[] = [];
    for (let i = 0; i < probes; i++) {
      echoes.push(ask(t, server, `echo probe ${i + 1} while a crack job runs`, 60_000));
      await sleep(400);
    }
    const done = await job.done;
    expectReply(done, String(answer), `a crack job whose answer is ${answer}`);
    const answered = await Promise.all(echoes);
    answered.forEach((a, i) => expectReply(a, `probe ${i + 1} while a crack job runs`, `echo probe ${i + 1} while a crack job runs`));
    if (done.ms >= 2500 || attempt === 2) {
      return { jobMs: done.ms, echoMs: answered.map((a) => a.ms), transcript: () => answered.map((a) => a.client.transcript.render()).join('\n') };
    }
    seconds_ *= 3;
  }
}

// ---- server.ts: one event loop, crack jobs in child processes ------------------

graded('server.ts answers echo and crack requests, one per connection, and "error: ..." to anything else', 2, async (t) => {
  const server = await t.start('server.ts');
  expectReply(await ask(t, server, 'echo hello, event loop'), 'hello, event loop', 'echo hello, event loop');
  const job = crackJob(4321);
  expectReply(await ask(t, server, job, 15_000), '4321', job);
  const none = `crack nope ${'0'.repeat(64)} 1000`;
  expectReply(await ask(t, server, none, 15_000), 'not found', none);
  const bad = await ask(t, server, 'hello?');
  if (!bad.reply.startsWith('error: ')) throw new LabFailure(`"hello?" is no request of this protocol: the reply should start with "error: ".\n${bad.client.transcript.render('expected "error: ..."')}`);
  expectReply(await ask(t, server, 'echo still here'), 'still here', 'echo still here');
}, { hint: 'request-until-fin' });

graded('server.ts: a crack job that takes seconds does not delay other clients: it runs off the event loop', 3, async (t) => {
  const server = await t.start('server.ts', { args: ['--workers', '2'] });
  const r = await echoesDuringCrack(t, server);
  // Relative to the job, measured in the same moment: a busy machine slows the job as much as the
  // echoes, and a server that makes echoes wait for the job has them wait about as long as the job.
  const bound = r.jobMs / 2;
  const slowest = Math.max(...r.echoMs);
  if (slowest > bound) {
    throw late(
      'an echo while a crack job ran',
      `while a crack job ran (it took ${seconds(r.jobMs)}), echo requests took ${r.echoMs.map(seconds).join(', ')}: the slowest waited ${seconds(slowest)}, over ${seconds(bound)}. ` +
        `An echo costs nothing: it waited for the crack job, so the job ran on the event loop every client shares.\n${r.transcript()}`,
    );
  }
}, { hint: 'off-the-loop', timeout: 90_000 });

graded('server.ts: a client that connects and sends nothing delays no one', 2, async (t) => {
  const server = await t.start('server.ts', { args: ['--idle-timeout', '30'] });
  const quiet = await silent(t, server);
  const a = await ask(t, server, 'echo after a silent client', 3000);
  expectReply(a, 'after a silent client', 'echo after a silent client');
  if (a.ms > scaled(1500)) throw late('an echo beside a silent client', `with one silent client connected, an echo took ${seconds(a.ms)}: serve each connection as its data comes, never one connection at a time.\n${a.client.transcript.render()}`);
  quiet.close();
}, { hint: 'request-until-fin' });

graded('server.ts: at most --workers crack jobs compute at once, each in a child process, and every job is answered', 2, async (t) => {
  const server = await t.start('server.ts', { args: ['--workers', '2'] });
  const rate = hashRate();
  const answers = Array.from({ length: 5 }, () => Math.round(rate * 800));
  const { result, peak } = await peakProcesses(server, Promise.all(answers.map((n) => ask(t, server, crackJob(n), 90_000))));
  result.forEach((a, i) => expectReply(a, String(answers[i]), `crack job ${i + 1} of 5`));
  if (peak > 3) {
    throw new LabFailure(`five crack jobs at once with --workers 2: the server ran ${peak} processes at once (itself and ${peak - 1} children). At most 2 children may compute at a time; the other jobs wait their turn.`);
  }
  if (peak < 2) {
    throw new LabFailure(`five crack jobs were answered, but the server never had a child process: the jobs ran in the server's own process, on the event loop every client shares. Fork a child for each job.`);
  }
}, { hint: 'bounded-workers', timeout: 90_000 });

graded('server.ts: a silent client is hung up on after --idle-timeout, but a slow request and a long job are not', 1, async (t) => {
  const server = await t.start('server.ts', { args: ['--idle-timeout', '1'] });
  const quiet = await silent(t, server);
  const t0 = Date.now();
  await quiet.expectClosed('the server to hang up on a client silent for --idle-timeout 1 s', scaled(5000));
  if (Date.now() - t0 < 700) throw new LabFailure(`a silent client was hung up on after ${seconds(Date.now() - t0)}, before --idle-timeout 1 s had passed.`);
  // Pauses under a second between pieces: never idle for 1 s.
  const slow = await t.tcp(server);
  for (const piece of ['ec', 'ho slo', 'wly']) {
    slow.sendRaw(piece);
    await sleep(500);
  }
  slow.end();
  const text = (await slow.readToEnd('the reply to a request sent in three pieces, 0.5 s apart', scaled(5000))).toString();
  if (text !== 'slowly\n') throw new LabFailure(`a request sent in pieces 0.5 s apart (each under --idle-timeout 1 s) should still be answered "slowly".\n${slow.transcript.render('expected "slowly"')}`);
  // Once the request is complete, the client is waiting for the server: no timeout applies.
  const answer = Math.round(hashRate() * 2500);
  const long = await ask(t, server, crackJob(answer), 90_000);
  expectReply(long, String(answer), 'a crack job of about 2.5 s with --idle-timeout 1');
}, { hint: 'idle-timeout', timeout: 90_000 });

// ---- fork-server.ts: a process per client --------------------------------------

graded('fork-server.ts answers echo and crack requests, each client served by a child process', 2, async (t) => {
  const server = await t.start('fork-server.ts', { args: ['--idle-timeout', '30'] });
  expectReply(await ask(t, server, 'echo hello, child', 8000), 'hello, child', 'echo hello, child');
  const job = crackJob(1234);
  expectReply(await ask(t, server, job, 15_000), '1234', job);
  const quiet = await silent(t, server);
  const t0 = Date.now();
  while (processes(server).length < 2) {
    if (Date.now() - t0 > scaled(5000)) throw late('a child for a connected client', `a client connected and stayed connected, yet after ${seconds(Date.now() - t0)} fork-server.ts had no child process serving it: hand each connection to a child of its own.\n${quiet.transcript.render()}`);
    await sleep(50);
  }
}, { hint: 'fork-handoff' });

graded('fork-server.ts: a silent client and a crack job in progress delay no one', 2, async (t) => {
  const server = await t.start('fork-server.ts', { args: ['--idle-timeout', '30', '--max-children', '4'] });
  const quiet = await silent(t, server);
  const answer = Math.round(hashRate() * 3000);
  const job = await open(t, server, crackJob(answer), 90_000);
  // Decided by order, not by a clock: the echo must come back while the seconds-long job still runs.
  let jobDone = false;
  job.done.then(() => (jobDone = true), () => (jobDone = true));
  await sleep(300);
  const a = await ask(t, server, 'echo beside them', 8000);
  expectReply(a, 'beside them', 'echo beside them');
  if (jobDone || a.ms > scaled(5000)) throw late('an echo beside a silent client and a crack job', `with a silent client and a crack job in progress, an echo took ${seconds(a.ms)}${jobDone ? ', and came back only after the crack job was done' : ''}. Each client has its own process: nothing one does may hold up another.\n${a.client.transcript.render()}`);
  expectReply(await job.done, String(answer), `a crack job whose answer is ${answer}`);
  quiet.close();
}, { hint: 'fork-handoff', timeout: 90_000 });

graded('fork-server.ts: at most --max-children children at once; the other clients wait their turn and are served', 2, async (t) => {
  const server = await t.start('fork-server.ts', { args: ['--idle-timeout', '1', '--max-children', '2'] });
  const quiet = await Promise.all(Array.from({ length: 4 }, () => silent(t, server)));
  const work = (async () => {
    const a = await ask(t, server, 'echo my turn came', 20_000);
    await Promise.all(quiet.map((c) => c.expectClosed('the child serving a silent client to hang up after --idle-timeout 1 s', scaled(15_000))));
    return a;
  })();
  const { result, peak } = await peakProcesses(server, work);
  expectReply(result, 'my turn came', 'echo my turn came');
  if (peak > 3) {
    throw new LabFailure(`five clients at once with --max-children 2: fork-server.ts ran ${peak} processes at once (itself and ${peak - 1} children). Keep the other connections waiting until a child exits.`);
  }
}, { hint: 'fork-limit', timeout: 60_000 });

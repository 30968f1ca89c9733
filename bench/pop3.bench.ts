// npm run bench -- pop3
//
// The final POP3 server (the last POP3 lab's folder, in solutions/ or SOCKET_KIT_TARGET) under load,
// against Dovecot's POP3 server measured in the same run on the same Maildirs:
//   1. N clients at once (POP3_BENCH_CLIENTS, default 50), each with its own
//      user, running sessions (log in, STAT, UIDL, RETR every message, QUIT)
//      for POP3_BENCH_SECONDS (default 5) per server and round, in
//      POP3_BENCH_ROUNDS (default 2) alternating rounds: sessions/s, MB/s,
//      p50/p99 session latency, and the kit/Dovecot ratio;
//   2. RETR of a 100 MB message, with a reader that stops for a while midway:
//      growth of the server's RSS (target < 32 MB);
//   3. 1,000 idle connections: the server's RSS (target < 150 MB).
// Everything is on 127.0.0.1, every loop is bounded, and every process and temp
// dir the benchmark makes is gone when it returns.
import os from 'node:os';
import path from 'node:path';
import { startServer, targetRoot, type ServerProcess } from '../lib/harness/index.ts';
import { findLab, labDir } from '../lib/course.ts';
import { shownPath } from '../lib/paths.ts';
import { largeMessage } from '../test/fixtures/pop3-clients/messages.ts';
import { MailRoot } from '../test/fixtures/pop3/mail-root.ts';
import { performanceMode, startDovecot, type Dovecot } from './pop3/dovecot.ts';
import { loadRun, summary, type LoadResult } from './pop3/load.ts';
import { openIdle, retrBig, rssMb, sampler, writeBigMessage } from './pop3/memory.ts';

/** The last POP3 lab: its folder holds the whole server. */
const LAB = findLab('pop3-real-clients');

/**
 * What must not outlive the benchmark: servers run in process groups of their
 * own, so a Ctrl-C of `npm run bench` would not reach them. Killed on exit and
 * on SIGINT/SIGTERM; each entry removes itself once stopped normally.
 */
const leftovers = new Set<() => void>();
function killLeftovers(): void {
  for (const kill of leftovers) {
    try {
      kill();
    } catch {
      /* best effort */
    }
  }
  leftovers.clear();
}
process.on('exit', killLeftovers);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killLeftovers();
    process.exit(130);
  });
}

/** Register a last-resort cleanup; returns the function that unregisters it. */
function track(kill: () => void): () => void {
  leftovers.add(kill);
  return () => leftovers.delete(kill);
}

const killGroupNow = (pid: number) => () => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
};
const envInt = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : dflt;
};

/** Each session fetches these: 10 messages, 2 KiB to 128 KiB, about 330 KiB in all. */
const MAILBOX = [2, 2, 2, 2, 16, 16, 16, 16, 128, 128].map((kib, i) => largeMessage(kib, `bench-${i}`));

const NAME = 48;

function row(name: string, r: LoadResult): string {
  const s = summary(r);
  const err = r.errors ? `  ${r.errors} errors, first: ${r.firstError}` : '';
  return `  ${name.padEnd(NAME)} ${s.sessionsPerSec.toFixed(1).padStart(10)} ${s.mbPerSec.toFixed(1).padStart(8)} ${s.p50.toFixed(1).padStart(9)} ${s.p99.toFixed(1).padStart(9)}${err}`;
}

async function kitServer(mailRoot: string): Promise<ServerProcess> {
  return startServer(path.join(labDir(targetRoot(), LAB), 'server.ts'), { args: ['--mail-root', mailRoot] });
}

/** Sum of rounds: the same totals over all the time measured. */
function merge(results: LoadResult[]): LoadResult {
  const out: LoadResult = { sessions: 0, seconds: 0, octets: 0, latenciesMs: [], errors: 0 };
  for (const r of results) {
    out.sessions += r.sessions;
    out.seconds += r.seconds;
    out.octets += r.octets;
    out.latenciesMs.push(...r.latenciesMs);
    out.errors += r.errors;
    out.firstError ??= r.firstError;
  }
  return out;
}

async function loadSection(clients: number, seconds: number, rounds: number): Promise<void> {
  const users = Array.from({ length: clients }, (_, i) => ({ user: `user${i}`, password: `pw-${i}` }));
  const root = new MailRoot(users.map((u) => ({ ...u, messages: MAILBOX })));
  const untrack: (() => void)[] = [track(() => root.remove())];
  let kit: ServerProcess | undefined;
  let dovecot: Dovecot | undefined;
  try {
    const kib = MAILBOX.reduce((a, m) => a + m.length, 0) / 1024;
    console.log(
      `load: ${clients} clients at once, each with its own maildrop; a session is USER, PASS, STAT, UIDL, RETR of ${MAILBOX.length} messages (${kib.toFixed(0)} KiB), QUIT.\n` +
        `  ${rounds} round${rounds === 1 ? '' : 's'} of ${seconds} s per server, taking turns (1 s warm-up each), so a busy moment on the machine hits both. ` +
        `Load average at start: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores.`,
    );
    kit = await kitServer(root.dir);
    untrack.push(track(killGroupNow(kit.pid)));
    try {
      dovecot = await startDovecot(root.dir, rounds * (seconds + 2) * 2 + 60);
      untrack.push(track(dovecot.kill));
    } catch (e) {
      console.log(`  Dovecot: not measured. ${(e as Error).message}`);
    }
    const mine: LoadResult[] = [];
    const theirs: LoadResult[] = [];
    for (let i = 0; i < rounds; i++) {
      mine.push(await loadRun(kit.port, users, seconds));
      if (dovecot) theirs.push(await loadRun(dovecot.port, users, seconds));
    }
    const name = `kit (${shownPath(labDir(targetRoot(), LAB))})`;
    console.log(`  ${'server'.padEnd(NAME)} ${'sessions/s'.padStart(10)} ${'MB/s'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`);
    console.log(row(name, merge(mine)));
    if (!dovecot) return;
    console.log(row(`Dovecot ${dovecot.version.split(' ')[0]} (${performanceMode ? 'high-performance' : 'default'} login mode)`, merge(theirs)));
    const a = summary(merge(mine));
    const b = summary(merge(theirs));
    console.log(
      `  ratio kit/Dovecot: sessions/s ×${(a.sessionsPerSec / b.sessionsPerSec).toFixed(2)}, MB/s ×${(a.mbPerSec / b.mbPerSec).toFixed(2)}, ` +
        `p50 latency ×${(a.p50 / b.p50).toFixed(2)}, p99 latency ×${(a.p99 / b.p99).toFixed(2)} (throughput: above 1 is better; latency: below 1 is better)`,
    );
  } finally {
    await kit?.stop();
    await dovecot?.stop();
    root.remove();
    for (const u of untrack) u();
  }
}

async function memorySection(): Promise<void> {
  const root = new MailRoot([{ user: 'big', password: 'big-secret' }, { user: 'idle', password: 'x' }]);
  const untrack: (() => void)[] = [track(() => root.remove())];
  let kit: ServerProcess | undefined;
  try {
    const big = await writeBigMessage(root.maildir('big'), 100);
    kit = await kitServer(root.dir);
    untrack.push(track(killGroupNow(kit.pid)));
    const pid = kit.pid;
    await retrBig(kit.port, 'big', 'big-secret', 1, 0); // warm the code path once: count steady state only
    const before = rssMb(pid);
    const peak = sampler(pid);
    const t0 = performance.now();
    const got = await retrBig(kit.port, 'big', 'big-secret', 20, 2000);
    const secs = (performance.now() - t0) / 1000;
    const top = peak.stop();
    const ok = got === big.size + big.dots;
    const growth = top - before;
    console.log(
      `100 MB RETR (reader stops 2 s after 20 MB): ${(got / 1e6).toFixed(1)} MB in ${secs.toFixed(1)} s${ok ? '' : ` (expected ${big.size + big.dots} octets: WRONG)`}; ` +
        `RSS ${before.toFixed(1)} → peak ${top.toFixed(1)} MB, growth ${growth.toFixed(1)} MB (target < 32 MB: ${growth < 32 ? 'met' : 'MISSED'})`,
    );
    await kit.stop();

    kit = await kitServer(root.dir);
    untrack.push(track(killGroupNow(kit.pid)));
    const base = rssMb(kit.pid);
    const conns = await openIdle(kit.port, 1000);
    await new Promise((r) => setTimeout(r, 500));
    const held = rssMb(kit.pid);
    for (const c of conns) c.close();
    console.log(
      `1,000 idle connections (greeted, then silent): RSS ${base.toFixed(1)} → ${held.toFixed(1)} MB, ` +
        `${(((held - base) * 1e6) / 1000 / 1024).toFixed(1)} KiB per connection (target < 150 MB: ${held < 150 ? 'met' : 'MISSED'})`,
    );
  } finally {
    await kit?.stop();
    root.remove();
    for (const u of untrack) u();
  }
}

export async function run(): Promise<void> {
  await loadSection(envInt('POP3_BENCH_CLIENTS', 50), envInt('POP3_BENCH_SECONDS', 5), envInt('POP3_BENCH_ROUNDS', 2));
  await memorySection();
}

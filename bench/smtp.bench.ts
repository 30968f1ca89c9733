// npm run bench -- smtp
//
// The SMTP server of the smtp lab (smtp-server.ts in the mail folder, in
// solutions/ or SOCKET_KIT_TARGET) against aiosmtpd, Debian's python3-aiosmtpd
// with a handler that delivers through Python's mailbox.Maildir, measured in
// the same run on the same kind of mail root: SMTP_BENCH_SENDERS (default 50)
// senders at once, each to its own user, sending 4 KiB messages back to back
// for SMTP_BENCH_SECONDS (default 5) per server and round, in SMTP_BENCH_ROUNDS
// (default 2) alternating rounds. Reported: messages accepted per second,
// MB/s, p50/p99 time from MAIL FROM to the 250, the ratio, and how durable
// each server's 250 is. Every message accepted is then counted in new/.
// Everything runs on 127.0.0.1, every wait is bounded, and every process and
// folder it makes is gone when it returns.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findLab, labDir } from '../lib/course.ts';
import { startServer, targetRoot } from '../lib/harness/index.ts';
import { kitPath, shownPath } from '../lib/paths.ts';
import { MailRoot } from '../test/fixtures/pop3/mail-root.ts';
import { loadRun, merge, summary, type LoadResult } from './smtp/load.ts';

const LAB = findLab('smtp');
/** Debian's python3-aiosmtpd installs for the system Python, which a pyenv or venv python3 on PATH may not be. */
const PYTHON = '/usr/bin/python3';

const envInt = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : dflt;
};

/** A plain 4 KiB message, dot-stuffed and ended by "." as it goes on the wire (no line starts with "."). */
function message(): Buffer {
  const lines = ['From: bench@example.org', 'Subject: bench', ''];
  for (let i = 0; lines.join('\r\n').length < 4096 - 80; i++) lines.push(`line ${String(i).padStart(4, '0')} `.padEnd(76, 'x'));
  return Buffer.from(lines.join('\r\n') + '\r\n.\r\n', 'latin1');
}

interface Running {
  name: string;
  port: number;
  stop(): Promise<void>;
}

/** Kill a process group at once (the bench's last resort, on exit or Ctrl-C). */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

async function startAiosmtpd(mailRoot: string): Promise<Running> {
  const probe = spawnSync(PYTHON, ['-c', 'import aiosmtpd; print(aiosmtpd.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`aiosmtpd is not installed for ${PYTHON}: apt-get install python3-aiosmtpd`);
  const child = spawn(PYTHON, [kitPath('bench', 'smtp', 'aiosmtpd_maildir.py'), '--port', '0', '--mail-root', mailRoot], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const onExit = () => killGroup(child);
  process.on('exit', onExit);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aiosmtpd did not start within 10 s: ${out}`)), 10_000);
    const seen = (c: Buffer) => {
      out += c.toString();
      const m = /listening on \S+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', () => reject(new Error(`aiosmtpd exited: ${out}`)));
  });
  return {
    name: `aiosmtpd ${probe.stdout.trim()} (mailbox.Maildir)`,
    port,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      killGroup(child);
      process.off('exit', onExit);
    },
  };
}

async function startKit(mailRoot: string): Promise<Running> {
  const server = await startServer(path.join(labDir(targetRoot(), LAB), 'smtp-server.ts'), { args: ['--mail-root', mailRoot] });
  const onExit = () => killGroup(server.child);
  process.on('exit', onExit);
  return {
    name: `kit (${shownPath(labDir(targetRoot(), LAB))}/smtp-server.ts)`,
    port: server.port,
    async stop() {
      await server.stop();
      process.off('exit', onExit);
    },
  };
}

/** The type of the file system a folder is on (stat -f), or 'unknown'. */
function fileSystem(dir: string): string {
  const r = spawnSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

const delivered = (root: MailRoot, users: string[]) => users.reduce((n, u) => n + readdirSync(path.join(root.dir, u, 'new')).length, 0);

const NAME = 46;
function row(name: string, r: LoadResult): string {
  const s = summary(r);
  const err = r.errors ? `  ${r.errors} errors, first: ${r.firstError}` : '';
  return `  ${name.padEnd(NAME)} ${s.perSec.toFixed(1).padStart(11)} ${s.mbPerSec.toFixed(2).padStart(7)} ${s.p50.toFixed(1).padStart(8)} ${s.p99.toFixed(1).padStart(8)}${err}`;
}

export async function run(): Promise<void> {
  const senders = envInt('SMTP_BENCH_SENDERS', 50);
  const seconds = envInt('SMTP_BENCH_SECONDS', 5);
  const rounds = envInt('SMTP_BENCH_ROUNDS', 2);
  const users = Array.from({ length: senders }, (_, i) => `user${i}`);
  const wire = message();
  // One mail root per server, so each count of new/ is its own.
  const roots = [new MailRoot(users.map((user) => ({ user, password: 'x' }))), new MailRoot(users.map((user) => ({ user, password: 'x' })))];
  const servers: Running[] = [];
  const cleanup = () => roots.forEach((r) => r.remove());
  process.on('exit', cleanup);
  try {
    console.log(
      `${senders} senders at once, each to its own user, sending ${wire.length - 3}-octet messages back to back (MAIL, RCPT, DATA, "." and a reply each; a new connection every 10).\n` +
        `  ${rounds} round${rounds === 1 ? '' : 's'} of ${seconds} s per server, taking turns (1 s warm-up each). Load average at start: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores.\n` +
        `  Mail roots in ${os.tmpdir()} (file system: ${fileSystem(os.tmpdir())}; what an fsync() costs depends on it and on the disk).`,
    );
    servers.push(await startKit(roots[0]!.dir));
    try {
      servers.push(await startAiosmtpd(roots[1]!.dir));
    } catch (e) {
      console.log(`  aiosmtpd: not measured. ${(e as Error).message}`);
    }
    const results: LoadResult[][] = servers.map(() => []);
    for (let i = 0; i < rounds; i++) {
      for (const [k, s] of servers.entries()) results[k]!.push(await loadRun(s.port, users, wire, seconds));
    }
    console.log(`  ${'server'.padEnd(NAME)} ${'messages/s'.padStart(11)} ${'MB/s'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
    servers.forEach((s, k) => console.log(row(s.name, merge(results[k]!))));
    if (servers.length === 2) {
      const a = summary(merge(results[0]!));
      const b = summary(merge(results[1]!));
      console.log(
        `  ratio kit/aiosmtpd: messages/s ×${(a.perSec / b.perSec).toFixed(2)}, p50 latency ×${(a.p50 / b.p50).toFixed(2)}, p99 latency ×${(a.p99 / b.p99).toFixed(2)} ` +
          `(throughput: above 1 is better; latency: below 1 is better)`,
      );
    }
    console.log(
      `  durability of a 250: kit: the message file fsync()ed, linked into new/, and new/ fsync()ed (survives a power cut);\n` +
        `                       aiosmtpd with mailbox.Maildir: the file fsync()ed and linked into new/, the folder not fsync()ed (the new name may be lost in a power cut).`,
    );
    for (const [k, s] of servers.entries()) {
      const accepted = results[k]!.reduce((n, r) => n + r.messages, 0);
      const inNew = delivered(roots[k]!, users);
      // Messages sent during warm-up and after the window count on disk but not in the rate.
      console.log(`  ${s.name}: ${inNew} messages in new/, at least the ${accepted} counted above${inNew >= accepted ? '' : ' — MISSING MESSAGES'}`);
    }
  } finally {
    for (const s of servers) await s.stop();
    cleanup();
    process.off('exit', cleanup);
  }
}

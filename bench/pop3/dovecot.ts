// Dovecot's POP3 server as the benchmark's baseline: started by the benchmark
// on a loopback port, with its own config file in a temp dir, serving the SAME
// mail root as the kit's server (passwd-file auth on MAIL_ROOT/passwd,
// mail_location maildir:MAIL_ROOT/%u). Its index and control files go to the
// temp dir, so the Maildirs hold only messages. Nothing is installed here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Pop3Client } from './client.ts';

export const DOVECOT = '/usr/sbin/dovecot';
export const INSTALL_HINT = 'sudo apt-get install dovecot-pop3d   (Debian/Ubuntu; the benchmark installs nothing itself)';

export interface Dovecot {
  port: number;
  version: string;
  config: string;
  stop(): Promise<void>;
  /** Synchronous last resort (process exit, Ctrl-C): kill its process group. */
  kill(): void;
}

/** A port that was free a moment ago (Dovecot cannot report the one it chose). */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** uid, gid and name of a user from /etc/passwd. */
function account(name: string): { uid: number; gid: number; name: string } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { name, uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

/**
 * As root, Dovecot refuses to read mail as uid 0, so the mail root is handed to
 * its own unprivileged "dovecot" user (root's kit server still reads it). As
 * anyone else, everything runs as that user.
 */
/** A group's name from /etc/group (Dovecot wants names, not numbers). */
function groupName(gid: number): string | undefined {
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const f = line.split(':');
    if (Number(f[2]) === gid && f[0]) return f[0];
  }
  return undefined;
}

function identity(mailRoot: string): { uid: number; gid: number; login: string; internal: string; group?: string; asRoot: boolean } {
  if (process.getuid?.() === 0) {
    const d = account('dovecot') ?? account('nobody');
    if (!d) throw new Error('no "dovecot" or "nobody" user to run Dovecot mail processes as');
    chownTree(mailRoot, d.uid, d.gid);
    return { uid: d.uid, gid: d.gid, login: 'dovenull', internal: 'dovecot', asRoot: true };
  }
  const me = os.userInfo();
  return { uid: me.uid, gid: me.gid, login: me.username, internal: me.username, group: groupName(me.gid), asRoot: false };
}

/**
 * Dovecot's login process model. Its default starts a login process per
 * connection (safest); its documented "high-performance mode" reuses a few.
 * The benchmark uses the faster one unless POP3_BENCH_DOVECOT_MODE=default.
 */
export const performanceMode = process.env.POP3_BENCH_DOVECOT_MODE !== 'default';

function config(dir: string, mailRoot: string, port: number, id: ReturnType<typeof identity>): string {
  const noChroot = id.asRoot ? '' : '  chroot =\n';
  return `# Written by bench/pop3.bench.ts for one run; removed afterwards.
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = pop3
listen = 127.0.0.1
ssl = no
# Plaintext USER/PASS, as the kit's server offers: loopback only.
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = ${id.uid}
last_valid_uid = ${id.uid}
default_login_user = ${id.login}
default_internal_user = ${id.internal}
${id.group ? `default_internal_group = ${id.group}\n` : ''}mail_location = maildir:${mailRoot}/%u:INDEX=${dir}/index/%u:CONTROL=${dir}/index/%u
# Do not rename messages to record \\Seen: both servers then read the same files.
pop3_no_flag_updates = yes
pop3_uidl_format = %f
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${mailRoot}/passwd
}
userdb {
  driver = static
  args = uid=${id.uid} gid=${id.gid} home=${dir}/home/%u
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener pop3s {
    port = 0
  }
${performanceMode ? '  # "High-performance mode": login processes serve many connections.\n  service_count = 0\n  process_min_avail = 2\n' : ''}${noChroot}}
service anvil {
${noChroot}}
`;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        /* gone */
      }
    };
    const timer = setTimeout(() => {
      kill('SIGKILL');
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    kill('SIGTERM'); // the master stops its children on SIGTERM
  });
}

/**
 * Start Dovecot on a loopback port serving `mailRoot`, or explain why not.
 * It runs under coreutils `timeout`, so it stops after `lifetimeS` even if the
 * benchmark itself is killed and cannot stop it.
 */
export async function startDovecot(mailRoot: string, lifetimeS: number): Promise<Dovecot> {
  if (!existsSync(DOVECOT)) throw new Error(`${DOVECOT} is not installed. ${INSTALL_HINT}`);
  const version = spawnSync(DOVECOT, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-dovecot-'));
  const id = identity(mailRoot);
  for (const sub of ['run', 'state', 'index', 'home']) mkdirSync(path.join(dir, sub));
  for (const sub of ['index', 'home', 'state']) chownSync(path.join(dir, sub), id.uid, id.gid);
  chmodSync(dir, 0o755); // its unprivileged processes reach index/ and home/ through it
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  writeFileSync(conf, config(dir, mailRoot, port, id));
  const child = spawn('timeout', ['-k', '5', String(Math.ceil(lifetimeS)), DOVECOT, '-F', '-c', conf], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const log = () => {
    const file = path.join(dir, 'dovecot.log');
    return (output + (existsSync(file) ? readFileSync(file, 'utf8') : '')).trim().split('\n').slice(-8).join('\n');
  };
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when it greets; bounded.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      const why = log();
      await stop();
      throw new Error(`dovecot exited at start:\n${why}`);
    }
    try {
      const c = await Pop3Client.connect(port, 1000);
      await c.line('Dovecot greeting');
      c.close();
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        const why = log();
        await stop();
        throw new Error(`dovecot did not greet on 127.0.0.1:${port} within 10 s (${(e as Error).message}):\n${why}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, version, config: conf, stop, kill };
}

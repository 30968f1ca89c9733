// One student's sandbox for the length of their grading run: the namespaces
// their programs share, a private folder for their test data, and the
// environment that tells the trusted test process (vitest, root) about them.
//
//   holder   bwrap --unshare-pid --unshare-net -- sleep infinity
//            Its PID namespace is joined by every program of this student (two
//            POP3 servers see each other's pids, nobody else's); its network
//            namespace is entered by the trusted test process (nsenter), so
//            programs and the tests' clients share a loopback of their own,
//            with no route out and no other student's ports.
//            Killing it kills every process in the namespace.
//   dir/     root, 0700: nobody but root can reach into it from the host.
//     etc/   the minimal /etc every program sees (passwd with the student's uid, hosts).
//     seccomp.bpf  the filter every program runs under (sandbox-seccomp.ts).
//     data/  the student's test data (mail roots), owned by the student's uid,
//            bound read-write into their programs at the same path. Removed
//            only after every process of the student is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { noUserNamespacesFilter } from './sandbox-seccomp.ts';

/** The seccomp filter in a student's folder (sandbox-seccomp.ts), when this architecture has one. */
export const SECCOMP_FILE = 'seccomp.bpf';

export interface StudentSandbox {
  uid: number;
  /** Environment for the trusted test process that starts this student's programs. */
  env: Record<string, string>;
  /** Prefix for the trusted test process's command line: it enters the student's network namespace. */
  vitestPrefix: string[];
  /** The student's data folder (owned by their uid). */
  dataDir: string;
  /** Kill every process of the student, then remove their folder. */
  close(): Promise<void>;
}

/** Environment variables the trusted side reads (set by openStudentSandbox). */
export const ENV = {
  on: 'SOCKET_KIT_SANDBOX',
  uid: 'SOCKET_KIT_SANDBOX_UID',
  /** `<host pid>:<namespace inode>` of the holder whose PID namespace programs join. */
  pidns: 'SOCKET_KIT_SANDBOX_PIDNS',
  /** The student's root-only folder (etc/, data/). */
  dir: 'SOCKET_KIT_SANDBOX_DIR',
} as const;

/** The merged-/usr system folders a program needs (node, sh, setpriv), as binds or symlinks. */
export function systemView(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const d of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let st;
    try {
      st = lstatSync(d);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(d), d); // usr/lib, as on the host
    else if (st.isDirectory()) args.push('--ro-bind', d, d);
  }
  return args;
}

function etcFiles(uid: number): Record<string, string> {
  return {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\nstudent:x:${uid}:${uid}:student:/tmp:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\nstudent:x:${uid}:\nnogroup:x:65534:\n`,
    hosts: '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n',
    'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files\n',
  };
}

/** Wait for a file to hold one whole JSON document (bwrap's --info-fd), without an event loop. */
function readJsonFile(file: string, ms: number): Record<string, number> | undefined {
  const until = Date.now() + ms;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch {
      if (Date.now() > until) return undefined;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

function startHolder(dir: string, network: boolean): { child: ChildProcess; pid: number; pidns: number } {
  const infoFile = path.join(dir, 'holder.json');
  const info = openSync(infoFile, 'w', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(
      'bwrap',
      [...systemView(), '--proc', '/proc', '--dev', '/dev', '--unshare-pid', ...(network ? ['--unshare-net'] : []), '--die-with-parent', '--info-fd', '3', '--', '/usr/bin/sleep', 'infinity'],
      { stdio: ['ignore', 'ignore', 'ignore', info], env: { PATH: '/usr/bin:/bin' } },
    );
  } finally {
    closeSync(info);
  }
  const json = readJsonFile(infoFile, 10_000);
  const pid = json?.['child-pid'];
  if (!pid) {
    child.kill('SIGKILL');
    throw new Error('the sandbox could not start its namespace holder (bwrap --unshare-pid)');
  }
  return { child, pid, pidns: statSync(`/proc/${pid}/ns/pid`).ino };
}

/** Live processes (not zombies) owned by `uid`. */
export function processesOf(uid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid && !/^State:\s+Z/m.test(status)) found.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PREFIX = 'socket-kit-student-';

/**
 * Remove student folders whose grader process is gone (killed before it could
 * close them): its holder died with it, so did every program of the student;
 * a folder whose student still has a live process is left for a later sweep.
 */
function sweepStudentDirs(): void {
  let names: string[] = [];
  try {
    names = readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const owner = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!owner || existsSync(`/proc/${owner[1]}`)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      const st = lstatSync(dir);
      if (!st.isDirectory() || st.uid !== 0) continue; // not one of ours
      const uid = lstatSync(path.join(dir, 'data')).uid;
      if (processesOf(uid).length === 0) rmSync(dir, { recursive: true, force: true });
    } catch {
      /* gone, or half made */
    }
  }
}

/**
 * Open a student's sandbox (root and bwrap only: check sandboxAbilities first).
 * `network: false` keeps the host's network namespace (a process that cannot
 * enter another one itself, such as a test file running programs directly).
 * `tmp`: where its folder goes (default: the system's temp). `lone`: the
 * sandbox of a process grading on its own, which may exit while it is open.
 */
export function openStudentSandbox(opts: { uid: number; network?: boolean; tmp?: string; lone?: boolean }): StudentSandbox {
  const { uid } = opts;
  const network = opts.network !== false;
  sweepStudentDirs();
  // In `tmp` when given (a class run's own temp folder, removed with it), else the system's.
  const dir = mkdtempSync(path.join(opts.tmp ?? os.tmpdir(), `${PREFIX}${process.pid}-`)); // 0700, root
  const etc = path.join(dir, 'etc');
  mkdirSync(etc, { mode: 0o755 });
  for (const [name, text] of Object.entries(etcFiles(uid))) writeFileSync(path.join(etc, name), text, { mode: 0o644 });
  const filter = noUserNamespacesFilter();
  if (filter) writeFileSync(path.join(dir, SECCOMP_FILE), filter, { mode: 0o600 });
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  chownSync(dataDir, uid, uid); // made just now inside a root-only folder: nothing to follow
  let holder: ReturnType<typeof startHolder>;
  try {
    holder = startHolder(dir, network);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  // A process grading on its own may end with the holder running: its exit hook (or the next sweep) kills it.
  if (opts.lone) holder.child.unref();
  let closed: Promise<void> | undefined;
  return {
    uid,
    dataDir,
    env: {
      [ENV.on]: '1',
      [ENV.uid]: String(uid),
      [ENV.pidns]: `${holder.pid}:${holder.pidns}`,
      [ENV.dir]: dir,
    },
    vitestPrefix: network ? ['nsenter', `--net=/proc/${holder.pid}/ns/net`, '--'] : [],
    close() {
      closed ??= (async () => {
        holder.child.ref(); // waited for below: it keeps this process alive until it is gone
        const gone = new Promise((r) => (holder.child.exitCode !== null || holder.child.signalCode !== null ? r(null) : holder.child.once('exit', r)));
        // The namespace's init first (the kernel then kills the rest of the namespace): bwrap's
        // --die-with-parent would see to it, but not when bwrap is killed before it has set that up.
        try {
          if (statSync(`/proc/${holder.pid}/ns/pid`).ino === holder.pidns) process.kill(holder.pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
        holder.child.kill('SIGKILL');
        await gone;
        // The student's data is theirs to change until every one of their processes is gone.
        for (let i = 0; i < 200 && processesOf(uid).length > 0; i++) await sleep(25);
        for (const pid of processesOf(uid)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        for (let i = 0; i < 40 && processesOf(uid).length > 0; i++) await sleep(25);
        if (processesOf(uid).length === 0) rmSync(dir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

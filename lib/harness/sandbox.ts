// The seam where a student program's process is confined. spawnTs() in
// program.ts asks confine() for the command line of every program it starts.
//
// A student's own `npm run grade` runs unconfined (beyond the scrubbed
// environment program.ts builds): it is their code on their machine. The
// instructor's grader sets SOCKET_KIT_SANDBOX=1, and then every program runs as
//
//   bash prefix   (exec)  joins the program's memory and pids cgroups, closes
//                         stray descriptors
//   → bwrap       (fork)  a view built from nothing: /usr and the /lib links, a
//                         generated /etc, the program's own folder read-only, the
//                         student's data folder, a private /tmp and /dev; its own
//                         IPC and UTS namespaces; the student's PID namespace
//                         (sandbox-student.ts), and through the trusted test
//                         process, the student's network namespace
//                         and a seccomp filter: no user namespaces (sandbox-seccomp.ts)
//   → setpriv     (exec)  an unprivileged uid of the student's, no capabilities, no_new_privs
//   → setpriv     (exec)  parent-death signal (a uid change clears it), so the
//                         program dies with bwrap
//   → node BUNDLE ARGS    the program, bundled beforehand by esbuild: nothing of the kit is mounted
//
// bwrap forwards no signal and reports a program killed by signal N as exit
// code 128+N: Confinement (below) signals the program itself, by the pid bwrap
// reports, and maps the exit back. After the program ends, its cgroups say
// whether a limit stopped it (the reason reaches the student) and whatever it
// left running is killed through them.
//
// Each layer is used only where this machine allows it (probed once); where one
// is missing, sandboxReport() says so: nothing is silently faked.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, existsSync, fchmodSync, fstatSync, openSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundledEntry } from './bundle.ts';
import { CGROUP_PREFIX, ProgramCgroups, probeCgroups, sweepCgroups as sweep, type CgroupLayout } from './sandbox-cgroup.ts';
import { ENV, openStudentSandbox, processesOf, SECCOMP_FILE, systemView, type StudentSandbox } from './sandbox-student.ts';

export { openStudentSandbox, type StudentSandbox } from './sandbox-student.ts';

export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** Limits of a confined program: generous for a lab program, small for a hostile one. */
export const LIMITS = {
  /** The whole process tree, Buffers and its /tmp included (memory cgroup): SIGKILL beyond it, with a reason. */
  memoryMb: 768,
  /**
   * V8's heap: above the memory limit, so that where the cgroup exists a
   * JavaScript hog meets the cgroup first (and its clear reason, rather than
   * V8's native stack dump); where it does not, this is the backstop.
   */
  heapMb: 1024,
  /** Tasks (processes and threads). Node uses about 11. */
  processes: 96,
  /** The private /tmp (a tmpfs; what is written there also counts as memory). */
  tmpMb: 256,
};

/** Uids lent to student programs: none of them owns a file of the kit. */
export const UID_BASE = 420_000;
export const UID_COUNT = 4096;

export const sandboxEnabled = () => process.env[ENV.on] === '1';

interface Abilities {
  root: boolean;
  /** setpriv: the program runs as an unprivileged uid. */
  setpriv: boolean;
  /** bubblewrap works here: namespaces and the whitelist view. */
  bwrap: boolean;
  cgroups: CgroupLayout | undefined;
}

let abilities: Abilities | undefined;

function works(cmd: string, args: string[]): boolean {
  try {
    return spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
  } catch {
    return false;
  }
}

export function sandboxAbilities(): Abilities {
  if (abilities) return abilities;
  const root = process.getuid?.() === 0;
  abilities = {
    root,
    setpriv: root && works('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']),
    bwrap: root && works('bwrap', [...systemView(), '--unshare-pid', '--unshare-net', '--unshare-ipc', '--die-with-parent', '--', '/usr/bin/true']),
    cgroups: probeCgroups(),
  };
  return abilities;
}

/** What the sandbox enforces on this machine, one line per guarantee, for the grader's log. */
export function sandboxReport(): string[] {
  const a = sandboxAbilities();
  const on = (b: boolean) => (b ? 'yes' : 'NO ');
  const cg = a.cgroups ? ` (cgroup v${a.cgroups.version})` : '';
  const lines = [
    `yes wall time per test, output capped, process group killed (harness)`,
    `yes scrubbed environment; JavaScript heap at most ${LIMITS.heapMb} MB`,
    `yes verdicts decided by the grader, never by a process that runs student code`,
    `${on(!!a.cgroups?.memoryParent)} memory ${LIMITS.memoryMb} MB for the whole process tree${cg}`,
    `${on(!!a.cgroups?.pidsParent)} at most ${LIMITS.processes} processes and threads${cg}`,
    `${on(!!a.cgroups?.memoryParent || !!a.cgroups?.pidsParent)} nothing a program starts outlives it, detached or not (killed through its cgroup)`,
    `${on(!!a.cgroups?.cpuParent)} a fair share of the CPU per program, however many processes it starts${cg}`,
    `${on(a.setpriv)} an unprivileged uid per student, no capabilities (cannot signal the grader or write root's files)`,
    `${on(a.bwrap)} a view with nothing of the kit, root, other students or the host's /tmp in it: /usr, a generated /etc, the program's own folder (read-only), its data, a private /tmp and /dev/shm (bubblewrap)`,
    `${on(a.bwrap)} a PID namespace per student: sees only their own processes (bubblewrap)`,
    `${on(a.bwrap)} a network namespace per student in class runs: loopback only, no route out, no other student's ports`,
  ];
  for (const w of protectCaches()) lines.push(`NO  ${w}`);
  if (!a.root) lines.push('NO  not running as root: the sandbox needs root for uids, cgroups and namespaces. Run the class as root (sudo) on a grading machine.');
  else if (!a.bwrap) lines.push('NO  bubblewrap (bwrap) is missing or does not work here: apt-get install bubblewrap');
  return lines;
}

/**
 * Close this user's compile caches in the system's temp (tsx's, the kit's
 * bundles and drivers) to everyone else: they hold compiled reference
 * solutions. One made by someone else, or a symlink, is reported: this user
 * may run what is in it.
 */
export function protectCaches(): string[] {
  const uid = process.getuid?.();
  if (uid === undefined) return [];
  const warnings: string[] = [];
  for (const name of [`tsx-${uid}`, `socket-kit-bundles-${uid}`, `socket-kit-drivers-${uid}`]) {
    const dir = path.join(os.tmpdir(), name);
    let fd: number;
    try {
      fd = openSync(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'ENOTDIR') warnings.push(`${dir} is not a folder of yours (a symlink?): remove it before grading`);
      continue;
    }
    try {
      if (fstatSync(fd).uid !== uid) warnings.push(`${dir} was made by another user and may hold code you would run: remove it (rm -rf) before grading`);
      else fchmodSync(fd, 0o700);
    } finally {
      closeSync(fd);
    }
  }
  return warnings;
}

/** Every layer this kit knows is available here. */
export const sandboxComplete = () => {
  const a = sandboxAbilities();
  return a.root && a.setpriv && a.bwrap && !!a.cgroups?.memoryParent && !!a.cgroups?.pidsParent;
};

/** Remove cgroups left by grader processes that were killed before they could. */
export const sweepCgroups = () => sweep(sandboxAbilities().cgroups);

// ---- the student this process grades ---------------------------------------

interface Student {
  uid: number;
  /** The student's root-only folder (etc/, data/, the seccomp filter). */
  dir?: string;
  /** The holder whose PID namespace programs join: its pid and the namespace's inode (so a reused pid is not trusted). */
  pidns?: { pid: number; ino: number };
  etc?: string;
  data?: string;
}

let student: Student | undefined;
let ownSandbox: StudentSandbox | undefined;

/** The student's uid and namespaces: from the class grader (env), else a sandbox of this process's own. */
function currentStudent(): Student {
  if (student) return student;
  const uid = Number(process.env[ENV.uid]);
  const given = Number.isInteger(uid) && uid >= UID_BASE && uid < UID_BASE + UID_COUNT;
  const [pid, ino] = (process.env[ENV.pidns] ?? '').split(':').map(Number);
  const dir = process.env[ENV.dir];
  if (given && pid && ino && dir) {
    return (student = { uid, dir, pidns: { pid, ino }, etc: path.join(dir, 'etc'), data: path.join(dir, 'data') });
  }
  const lent = given ? uid : UID_BASE + ((process.pid * 131) % UID_COUNT);
  if (!sandboxAbilities().bwrap) return (student = { uid: lent });
  // A process grading on its own (a kit test, a lone `grade` with the sandbox on):
  // one sandbox for its lifetime, without a network namespace of its own (it
  // could not enter one, and its clients must reach the programs).
  ownSandbox = openStudentSandbox({ uid: lent, network: false, lone: true });
  const env = ownSandbox.env;
  const [p, i] = env[ENV.pidns]!.split(':').map(Number);
  process.once('exit', () => closeOwnSandboxSync());
  return (student = { uid: lent, dir: env[ENV.dir], pidns: { pid: p!, ino: i! }, etc: path.join(env[ENV.dir]!, 'etc'), data: ownSandbox.dataDir });
}

function closeOwnSandboxSync(): void {
  if (!ownSandbox || !student?.pidns) return;
  try {
    process.kill(Number(readFileSync(`/proc/${student.pidns.pid}/stat`, 'utf8').split(' ')[3]), 'SIGKILL'); // the holder's bwrap
  } catch {
    /* gone */
  }
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 200 && processesOf(student.uid).length > 0; i++) Atomics.wait(pause, 0, 0, 10);
  if (processesOf(student.uid).length === 0) rmSync(path.dirname(student.data!), { recursive: true, force: true });
}

/** The uid this process's student programs run as (for data handed over to them). */
export const sandboxUid = () => (sandboxEnabled() && sandboxAbilities().setpriv ? currentStudent().uid : undefined);

/**
 * Where a test puts data a student program will read and change (a mail root):
 * the student's own data folder under the sandbox, the system's temp otherwise.
 */
export function studentDataDir(): string {
  if (!sandboxEnabled()) return os.tmpdir();
  return currentStudent().data ?? os.tmpdir();
}

// ---- one program -------------------------------------------------------------

export interface ProgramLaunch extends Launch {
  /** The program (a .ts file of the folder under test, or a prepared .mjs bundle). */
  file: string;
  /** Its own arguments (`args` is the whole node command line, for an unconfined run). */
  programArgs: string[];
  /** Node's own flags, kept when confined. */
  nodeFlags: string[];
  cwd: string;
}

export interface ConfinedLaunch extends Launch {
  cwd: string;
  /** stdio entries after 0-2 (bwrap's status pipe, the PID namespace, the seccomp filter). */
  extraStdio: ('pipe' | 'ignore' | number)[];
  /** Call once, right after spawning. */
  attach(child: ChildProcess): Confinement;
}

export interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the sandbox stopped it, when it did ("used more than 768 MB of memory"). */
  reason?: string;
  /** A limit it met without being stopped ("reached the limit of 96 processes and threads"). */
  note?: string;
}

export interface Confinement {
  /** The program's own pid (not the sandbox's around it), once known. */
  programPid(): number | undefined;
  /** Signal the program itself (not the sandbox around it). */
  signal(sig: NodeJS.Signals): void;
  /** The program's exit, as it would have been without the sandbox, and why the sandbox stopped it. */
  ended(code: number | null, signal: NodeJS.Signals | null): Ended;
  /** Resolves once whatever the program left running is killed. */
  settled(): Promise<void>;
}

const plain = (child: ChildProcess): Confinement => ({
  programPid: () => child.pid,
  signal: (sig) => {
    try {
      child.kill(sig);
    } catch {
      /* gone */
    }
  },
  ended: (code, signal) => ({ code, signal }),
  settled: () => Promise.resolve(),
});

/**
 * The bundle a sandboxed program runs: written beside its source (a private,
 * root-owned copy), never run through tsx from the kit (which the program
 * cannot see). A file esbuild cannot compile fails here with its message.
 */
function sandboxEntry(file: string): string {
  if (file.endsWith('.mjs')) return file;
  const dir = path.dirname(file);
  const st = statSync(dir);
  // Root writes the bundle there: only into a folder no student uid can change.
  if (st.uid !== 0 || (st.mode & 0o022) !== 0) throw new Error(`the sandbox runs only private copies (root-owned, not group/other-writable): ${dir}`);
  // A bundle found there may have come with the submission (or an older copy):
  // built anew once per process, whatever its stamp says.
  const rebuild = !builtHere.has(file);
  builtHere.add(file);
  return bundledEntry(file, { beside: true, strict: true, rebuild })!;
}
const builtHere = new Set<string>();

/** `--ro-bind` of the folder holding the program: the target being graded when it is inside it, else its own folder. */
function programRoot(file: string): string {
  const target = process.env.SOCKET_KIT_TARGET;
  if (target) {
    const rel = path.relative(path.resolve(target), file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return path.resolve(target);
  }
  return path.dirname(file);
}

const within = (dir: string, p: string) => {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

// Joins the cgroups named before '--' (failing closed), closes every
// descriptor but stdio and bwrap's two, then becomes bwrap.
const PREFIX = `
while [ "$1" != -- ]; do
  echo 0 > "$1" || { echo "socket-kit sandbox: cannot join $1" >&2; exit 125; }
  shift
done
shift
for fd in $(ls /proc/$$/fd); do
  case $fd in 0|1|2|3|4|5) ;; *) { eval "exec $fd>&-"; } 2>/dev/null ;; esac
done
umask 022
exec "$@"
`;

/** bwrap makes a mount point's missing parents owner-only: make them traversable (0755) first. */
function parentsOf(p: string): string[] {
  const made = new Set(['/', '/tmp', '/usr', '/etc', '/proc', '/dev']);
  const out: string[] = [];
  for (let d = path.dirname(p), chain: string[] = []; ; d = path.dirname(d)) {
    if (made.has(d)) {
      for (const c of chain.reverse()) out.push('--perms', '0755', '--dir', c);
      return out;
    }
    chain.push(d);
  }
}

let launches = 0;

export function confine(launch: ProgramLaunch): ConfinedLaunch {
  if (!sandboxEnabled()) {
    return { ...launch, extraStdio: [], attach: plain };
  }
  const a = sandboxAbilities();
  const entry = sandboxEntry(launch.file);
  const node = [launch.command, ...launch.nodeFlags, `--max-old-space-size=${LIMITS.heapMb}`, '--enable-source-maps', entry, ...launch.programArgs];
  const env: Record<string, string> = { ...launch.env, PATH: '/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp' };
  if (!a.root) return { command: node[0]!, args: node.slice(1), env, cwd: launch.cwd, extraStdio: [], attach: plain };

  const s = currentStudent();
  const n = launches++;
  if (n % 64 === 0) sweepCgroups();
  const cgroups = a.cgroups ? new ProgramCgroups(a.cgroups, `${CGROUP_PREFIX}${process.pid}-${n}`, LIMITS) : undefined;
  const drop = a.setpriv
    ? ['setpriv', `--reuid=${s.uid}`, `--regid=${s.uid}`, '--clear-groups', '--no-new-privs', '--inh-caps=-all', '--bounding-set=-all', '--', 'setpriv', '--pdeathsig=KILL', '--']
    : [];
  const extraStdio: ('pipe' | 'ignore' | number)[] = [];
  let inner: string[];
  let cwd = launch.cwd;
  if (a.bwrap) {
    extraStdio.push('pipe'); // fd 3: bwrap's JSON status (the program's pid)
    const view = ['--unshare-ipc', '--unshare-uts', '--hostname', 'sandbox', '--die-with-parent', '--json-status-fd', '3'];
    if (s.pidns) {
      const fd = openSync(`/proc/${s.pidns.pid}/ns/pid`, 'r');
      if (fstatSync(fd).ino !== s.pidns.ino) {
        closeSync(fd);
        throw new Error('the student\'s PID namespace is gone (its holder died)'); // and the pid is someone else's now
      }
      extraStdio.push(fd); // fd 4
      view.push('--pidns', '4');
    }
    const filter = s.dir && path.join(s.dir, SECCOMP_FILE);
    if (filter && existsSync(filter)) {
      while (extraStdio.length < 2) extraStdio.push('ignore');
      extraStdio.push(openSync(filter, 'r')); // fd 5
      view.push('--seccomp', '5');
    }
    view.push(...systemView());
    const nodeBin = realpathSync(launch.command);
    if (!within('/usr', nodeBin)) view.push('--ro-bind', nodeBin, nodeBin);
    if (s.etc) view.push('--ro-bind', s.etc, '/etc');
    view.push('--perms', '1777', '--size', String(LIMITS.tmpMb * 1024 * 1024), '--tmpfs', '/tmp');
    view.push('--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--size', String(LIMITS.tmpMb * 1024 * 1024), '--tmpfs', '/dev/shm');
    const root = programRoot(launch.file);
    const binds: [string, string][] = [['--ro-bind', root]];
    if (!within(root, entry)) binds.push(['--ro-bind', entry]);
    if (s.data) binds.push(['--bind', s.data]);
    for (const [how, p] of binds) view.push(...parentsOf(p), how, p, p);
    if (!within(root, cwd) && !(s.data && within(s.data, cwd))) cwd = '/tmp';
    view.push('--chdir', cwd, '--clearenv', ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]));
    inner = ['bwrap', ...view, '--', ...drop, nodeBin, ...node.slice(1)];
  } else {
    inner = ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...drop, ...node];
  }
  const args = ['-c', PREFIX, 'socket-kit-sandbox', ...(cgroups?.procs ?? []), '--', ...inner];
  return {
    command: '/bin/bash',
    args,
    env,
    cwd: a.bwrap ? '/' : cwd,
    extraStdio,
    attach: (child) => {
      for (const fd of extraStdio) if (typeof fd === 'number') closeSync(fd); // the child has its own copy now
      return confinement(child, a.bwrap, cgroups);
    },
  };
}

function confinement(child: ChildProcess, bwrap: boolean, cgroups: ProgramCgroups | undefined): Confinement {
  // The program's own pid, from bwrap's status pipe; trusted only while it is bwrap's child.
  let pid: number | undefined;
  if (bwrap) {
    let buf = '';
    const status = child.stdio[3] as NodeJS.ReadableStream | null;
    status?.on('data', (c: Buffer) => {
      buf += c.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const doc = JSON.parse(line) as { 'child-pid'?: number };
          if (pid === undefined && Number.isInteger(doc['child-pid'])) pid = doc['child-pid'];
        } catch {
          /* not JSON */
        }
      }
    });
    status?.on('error', () => {});
  }
  const parentOf = (p: number) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return -1;
    }
  };
  let verdict: { memory: boolean; processes: boolean } | undefined;
  let emptied: Promise<void> | undefined;
  child.once('exit', () => {
    verdict = cgroups?.verdict();
    emptied = cgroups?.empty();
  });
  return {
    programPid() {
      if (!bwrap) return child.pid;
      if (pid !== undefined && parentOf(pid) === child.pid) return pid;
      // Its status line not read yet (it races the program's first output): bwrap's only child is the program.
      try {
        const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
        if (kids.length === 1) return (pid = kids[0]);
      } catch {
        /* gone */
      }
      return undefined;
    },
    signal(sig) {
      try {
        const program = this.programPid();
        if (!bwrap) child.kill(sig);
        else if (program !== undefined) process.kill(program, sig);
        else if (child.exitCode === null && child.signalCode === null) child.kill(sig); // not started yet: stopping bwrap stops it
      } catch {
        /* gone */
      }
    },
    ended(code, signal) {
      verdict ??= cgroups?.verdict();
      let out: Ended = { code, signal };
      // bwrap exits 128+N for a program killed by signal N.
      if (bwrap && code !== null && code > 128 && code < 128 + 65) {
        const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0] as NodeJS.Signals | undefined;
        if (name) out = { code: null, signal: name };
      }
      if (verdict?.memory) out.reason = `used more than ${LIMITS.memoryMb} MB of memory`;
      if (verdict?.processes) out.note = `reached the limit of ${LIMITS.processes} processes and threads`;
      return out;
    },
    settled: () => emptied ?? Promise.resolve(),
  };
}

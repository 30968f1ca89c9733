// The seam where a student program's process is confined. spawnTs() in
// program.ts asks this module for the command line and environment of every
// program it starts.
//
// A student's own `npm run grade` runs unconfined (beyond the scrubbed
// environment program.ts builds): it is their code on their machine. The
// instructor's grader sets SOCKET_KIT_SANDBOX=1, and then every program runs:
//
//   unshare --mount      (exec)  a mount namespace of the program's own
//   → sh init            (exec)  root: starts the watcher, joins a memory cgroup and a
//                                pids cgroup of the program's own, covers the solutions,
//                                the hidden tests and SOCKET_KIT_SANDBOX_HIDE with an
//                                empty tmpfs (in this namespace only)
//   → setpriv --reuid U  (exec)  a uid that owns nothing of the kit, can signal no one else
//   → node --max-old-space-size=… (tsx, or the program bundled once) FILE ARGS
//
// One process all along (each step execs the next), so the harness's child is
// the program itself. Beside it, a root watcher kills whatever the program
// left in its cgroups once it ends, detached or not.
//
// No PID namespace: a student's programs must see each other's pids (a POP3
// lock file names its owner's pid, and a second server checks it is alive).
// Each layer is used only where this machine allows it (probed once); where a
// layer is missing, sandboxReport() says so: nothing is silently faked. Without
// a pids cgroup, `prlimit --nproc` on the uid bounds the processes instead.
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kitPath, TSX_LOADER } from '../paths.ts';
import { bundledEntry } from './bundle.ts';

export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** Limits of a confined program: generous for a lab program, small for a hostile one. */
export const LIMITS = {
  /** The whole process tree, Buffers included (memory cgroup): SIGKILL beyond it, with a reason. */
  memoryMb: 768,
  /**
   * V8's heap: above the memory limit, so that where the cgroup exists a
   * JavaScript hog meets the cgroup first (and its clear reason, rather than
   * V8's native stack dump); where it does not, this is the backstop.
   */
  heapMb: 1024,
  /** Tasks (processes and threads). Node with tsx and its esbuild uses about 18. */
  processes: 96,
};

/** Uids lent to student programs: none of them owns a file of the kit. */
export const UID_BASE = 420_000;
export const UID_COUNT = 4096;

const CGROUP_ROOT = '/sys/fs/cgroup';
const CGROUP_PREFIX = 'socket-kit-';

export const sandboxEnabled = () => process.env.SOCKET_KIT_SANDBOX === '1';

interface Abilities {
  /** Root, with setpriv: the program can run as an unprivileged uid. */
  uid: boolean;
  /** prlimit works (the fallback process bound, enforced for a non-root uid). */
  prlimit: boolean;
  /** unshare --mount works: the hidden paths can be covered for the program alone. */
  namespaces: boolean;
  /** Writable cgroup v1 controllers. */
  memory: boolean;
  pids: boolean;
}

let abilities: Abilities | undefined;

function works(cmd: string, args: string[]): boolean {
  try {
    return spawnSync(cmd, args, { stdio: 'ignore', timeout: 5000 }).status === 0;
  } catch {
    return false;
  }
}

function writableController(name: string, file: string): boolean {
  try {
    accessSync(path.join(CGROUP_ROOT, name), constants.W_OK);
    return existsSync(path.join(CGROUP_ROOT, name, file));
  } catch {
    return false;
  }
}

function probe(): Abilities {
  if (abilities) return abilities;
  const root = process.getuid?.() === 0;
  abilities = {
    // The uid must be able to load tsx from the kit: a kit under a private folder (/root, say) cannot be.
    uid: root && works('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', fileURLToPath(TSX_LOADER)]),
    prlimit: works('prlimit', ['--nproc=64', 'true']),
    namespaces: root && works('unshare', ['--mount', 'true']),
    memory: root && writableController('memory', 'memory.limit_in_bytes'),
    pids: root && writableController('pids', 'cgroup.procs'),
  };
  return abilities;
}

/** What the sandbox enforces on this machine, one line per layer, for the grader's log. */
export function sandboxReport(): string[] {
  const a = probe();
  const on = (b: boolean) => (b ? 'yes' : 'NO ');
  const procs = a.pids ? 'pids cgroup' : a.uid && a.prlimit ? 'prlimit --nproc on the uid' : '';
  return [
    `yes wall time per test, output capped, process group killed (harness)`,
    `yes scrubbed environment; JavaScript heap at most ${LIMITS.heapMb} MB`,
    `${on(a.memory)} memory ${LIMITS.memoryMb} MB for the whole process tree (memory cgroup)`,
    `${on(!!procs)} at most ${LIMITS.processes} processes and threads${procs ? ` (${procs})` : ''}`,
    `${on(a.uid)} an unprivileged uid per program (cannot read root-only files or signal the grader)${a.uid || process.getuid?.() !== 0 ? '' : ': the kit must be readable by other users (chmod o+rx on its folder and parents)'}`,
    `${on(a.pids || a.memory)} nothing the program starts outlives it, detached or not (killed through its cgroup)`,
    `${on(a.namespaces)} solutions, hidden tests and other students' work covered (mount namespace)`,
  ];
}

/** Every layer this kit knows is available here. */
export const sandboxComplete = () => {
  const a = probe();
  return a.uid && a.namespaces && a.memory && a.pids;
};

/** Paths a student program must not read: the solutions, the hidden tests, and what the grader names. */
export function hiddenPaths(): string[] {
  const named = (process.env.SOCKET_KIT_SANDBOX_HIDE ?? '').split(path.delimiter).filter(Boolean);
  return [kitPath('solutions'), kitPath('test', 'hidden'), ...named].map((p) => path.resolve(p)).filter((p) => existsSync(p));
}

let launches = 0;

/**
 * The uid for launch n. The class grader gives each student its own
 * (SOCKET_KIT_SANDBOX_UID): their programs share it, and with it tsx's compile
 * cache; no two students graded at once do. Otherwise one per launch.
 */
function lendUid(n: number): { uid: number; given: boolean } {
  const given = Number(process.env.SOCKET_KIT_SANDBOX_UID);
  if (Number.isInteger(given) && given >= UID_BASE && given < UID_BASE + UID_COUNT) return { uid: given, given: true };
  return { uid: UID_BASE + ((process.pid * 131 + n) % UID_COUNT), given: false };
}

/** A uid's private TMPDIR (tsx keeps its compile cache there). Whoever lent the uid removes it. */
export const sandboxTmp = (uid: number) => path.join(os.tmpdir(), `socket-kit-tmp-${uid}`);

function makeTmp(uid: number): string {
  const dir = sandboxTmp(uid);
  mkdirSync(dir, { recursive: true });
  chownSync(dir, uid, uid);
  chmodSync(dir, 0o700);
  return dir;
}

/** Is a process alive? (The pid in a cgroup's name is the grader process that made it.) */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove cgroups left by grader processes that are gone (a supervisor killed by
 * SIGKILL cannot remove its own). A live grader's are left alone: one it has
 * just made is empty until its program joins.
 */
export function sweepCgroups(): void {
  for (const controller of ['memory', 'pids']) {
    try {
      for (const name of readdirSync(path.join(CGROUP_ROOT, controller))) {
        const owner = new RegExp(`^${CGROUP_PREFIX}(\\d+)-\\d+$`).exec(name);
        if (!owner || alive(Number(owner[1]))) continue;
        const cg = path.join(CGROUP_ROOT, controller, name);
        try {
          // Left by a supervisor that was SIGKILLed before it could clean up.
          for (const pid of readFileSync(path.join(cg, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
            try {
              process.kill(Number(pid), 'SIGKILL');
            } catch {
              /* gone */
            }
          }
          rmdirSync(cg); // fails while a process is still dying: the next sweep gets it
        } catch {
          /* busy or gone */
        }
      }
    } catch {
      /* no such controller */
    }
  }
}

function makeCgroup(controller: 'memory' | 'pids', name: string): string {
  const dir = path.join(CGROUP_ROOT, controller, name);
  mkdirSync(dir, { recursive: true });
  if (controller === 'pids') {
    writeFileSync(path.join(dir, 'pids.max'), String(LIMITS.processes));
  } else {
    const bytes = String(LIMITS.memoryMb * 1024 * 1024);
    writeFileSync(path.join(dir, 'memory.limit_in_bytes'), bytes);
    try {
      writeFileSync(path.join(dir, 'memory.memsw.limit_in_bytes'), bytes); // no swap past the limit either
    } catch {
      /* no swap accounting */
    }
  }
  return dir;
}

// The init, root, inside the mount namespace when there is one. It starts the
// watcher, joins the program's cgroups, covers the hidden paths (failing
// closed), and then becomes the program: the harness's child *is* the program,
// so signals reach it and its exit status comes back as they would unconfined,
// and a program killed outright is reaped at once (a POP3 server's lock, which
// names its pid, is then seen to be stale).
// $1 = memory cgroup, $2 = pids cgroup, $3 = TMPDIR to remove ('-' for none),
// $4 = the watcher's script, then hidden paths, '--', and the command.
const INIT = `
mem=$1; pids=$2; tmp=$3; watch=$4; shift 4
env -i PATH="$PATH" setsid /bin/sh -c "$watch" socket-kit-watch $$ "$mem" "$pids" "$tmp" </dev/null >/dev/null &
for cg in "$mem" "$pids"; do
  [ "$cg" = - ] && continue
  echo 0 > "$cg/cgroup.procs" || { echo "socket-kit sandbox: cannot join $cg" >&2; exit 125; }
done
while [ "$1" != -- ]; do
  mount -t tmpfs -o size=4k,mode=000 socket-kit-hidden "$1" || { echo "socket-kit sandbox: cannot hide $1" >&2; exit 125; }
  shift
done
shift
exec "$@"
`;

// The watcher: root, in a session of its own (the harness's signals to the
// program's group do not reach it), outside the program's cgroups. It waits for
// the program to end (\`tail --pid\` looks every 50 ms, without forking; a
// parent-death signal would not do: it cannot cross from the program's uid to
// root), says why if the memory limit stopped it, kills whatever the program
// left in its cgroups (detached or not: a cgroup is not escaped by setsid), and
// removes the cgroups and the TMPDIR.
const WATCH = `
prog=$1; mem=$2; pids=$3; tmp=$4
tail --pid="$prog" -s 0.05 -f /dev/null
if [ "$mem" != - ] && grep -q '^oom_kill [1-9]' "$mem/memory.oom_control" 2>/dev/null; then
  echo "socket-kit sandbox: the program was stopped because it used more than ${LIMITS.memoryMb} MB of memory." >&2
fi
for cg in "$pids" "$mem"; do
  [ "$cg" = - ] && continue
  for i in 1 2 3 4 5 6 7 8 9 10; do
    procs=$(cat "$cg/cgroup.procs" 2>/dev/null)
    [ -z "$procs" ] && break
    kill -9 $procs 2>/dev/null
    sleep 0.02
  done
done
for cg in "$mem" "$pids"; do
  [ "$cg" = - ] && continue
  for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && break; sleep 0.05; done
done
[ "$tmp" != - ] && rm -rf "$tmp"
`;

/**
 * `--import TSX FILE ARGS` becomes `--enable-source-maps BUNDLE ARGS` for a
 * program of the folder being graded. The kit's own drivers keep tsx: they
 * import a student's .ts modules at run time.
 */
function lighter(args: string[]): string[] {
  const target = process.env.SOCKET_KIT_TARGET;
  const at = args.indexOf('--import'); // node's own flags (--no-memory-reducer) may come first
  if (process.env.SOCKET_KIT_SANDBOX_BUNDLE !== '1' || !target || at < 0 || args[at + 1] !== TSX_LOADER) return args;
  const file = args[at + 2];
  if (!file?.endsWith('.ts') || path.relative(path.resolve(target), file).startsWith('..')) return args;
  const out = bundledEntry(file, { beside: true });
  return out ? [...args.slice(0, at), '--enable-source-maps', out, ...args.slice(at + 3)] : args;
}

export function confine(launch: Launch): Launch {
  if (!sandboxEnabled()) return launch;
  const a = probe();
  // Node's own flags go before the loader and the file.
  const node = [launch.command, `--max-old-space-size=${LIMITS.heapMb}`, ...lighter(launch.args)];
  const env: Record<string, string> = { ...launch.env, PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', TMPDIR: '/tmp' };
  if (!a.uid && !a.namespaces && !a.memory && !a.pids) return { command: node[0]!, args: node.slice(1), env };

  const n = launches++;
  if (n % 64 === 0) sweepCgroups();
  const name = `${CGROUP_PREFIX}${process.pid}-${n}`;
  const mem = a.memory ? makeCgroup('memory', name) : '-';
  const pids = a.pids ? makeCgroup('pids', name) : '-';
  let inner = node;
  let tmpToRemove = '-';
  if (a.uid) {
    const { uid, given } = lendUid(n);
    env.TMPDIR = env.HOME = makeTmp(uid);
    if (!given) tmpToRemove = env.TMPDIR;
    // --pdeathsig: a grader that dies takes its programs with it.
    const drop = ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--no-new-privs', '--inh-caps=-all', '--bounding-set=-all', '--pdeathsig=KILL', '--'];
    const nproc = !a.pids && a.prlimit ? ['prlimit', `--nproc=${LIMITS.processes}`, '--'] : [];
    inner = [...nproc, ...drop, ...inner];
  }
  const init = ['/bin/sh', '-c', INIT, 'socket-kit-init', mem, pids, tmpToRemove, WATCH];
  const all = a.namespaces ? ['unshare', '--mount', '--', ...init, ...hiddenPaths(), '--', ...inner] : [...init, '--', ...inner];
  return {
    command: all[0]!,
    args: all.slice(1),
    env,
  };
}

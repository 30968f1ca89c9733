// The seam where a student program's process is confined. spawnTs() in
// program.ts asks this module for the command line and environment of every
// program it starts.
//
// A student's own `npm run grade` runs unconfined (beyond the scrubbed
// environment program.ts builds): it is their code on their machine. The
// instructor's grader sets SOCKET_KIT_SANDBOX=1, and then every program runs:
//
//   sh supervisor (root, the process group leader the harness signals and kills)
//    └ unshare --pid --mount --fork --kill-child   a PID namespace: when the program
//       └ sh init (root, inside the namespaces)      exits or is killed, the kernel kills
//          joins the memory cgroup, mounts an        everything it started, detached or not
//          empty tmpfs over the solutions, the
//          hidden tests and SOCKET_KIT_SANDBOX_HIDE
//          └ prlimit --nproc N                       a process budget...
//             └ setpriv --reuid U                    ...enforced because U is not root; U owns
//                └ node --max-old-space-size ...     nothing of the kit and can signal no one else
//
// Each layer is used only where this machine allows it (probed once, see
// sandboxReport()); a missing layer is reported, never silently faked.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { kitPath } from '../paths.ts';

export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** Limits of a confined program. Generous for a lab program, small for a hostile one. */
export const LIMITS = {
  /** V8 heap: a JavaScript memory hog dies with "heap out of memory". */
  heapMb: 256,
  /** Whole process tree, Buffers included (memory cgroup): killed by SIGKILL beyond it. */
  memoryMb: 768,
  /** Tasks (processes and threads) for uid U. Node with tsx uses about 18. */
  processes: 96,
};

/** Uids the grader lends to student programs: none of them owns a file of the kit. */
export const UID_BASE = 420_000;
export const UID_COUNT = 4096;

const MEMORY_CGROUP = '/sys/fs/cgroup/memory';
const CGROUP_PREFIX = 'socket-kit-';

export const sandboxEnabled = () => process.env.SOCKET_KIT_SANDBOX === '1';

interface Abilities {
  /** Root, with setpriv and prlimit: can run the program as an unprivileged uid with a process budget. */
  uid: boolean;
  /** unshare --pid --mount works: no process outlives the program, hidden paths are covered. */
  namespaces: boolean;
  /** A writable cgroup v1 memory controller. */
  memoryCgroup: boolean;
}

let abilities: Abilities | undefined;

function works(cmd: string, args: string[]): boolean {
  try {
    return spawnSync(cmd, args, { stdio: 'ignore', timeout: 5000 }).status === 0;
  } catch {
    return false;
  }
}

function probe(): Abilities {
  if (abilities) return abilities;
  const root = process.getuid?.() === 0;
  let memoryCgroup = false;
  if (root) {
    try {
      accessSync(MEMORY_CGROUP, constants.W_OK);
      memoryCgroup = existsSync(path.join(MEMORY_CGROUP, 'memory.limit_in_bytes'));
    } catch {
      /* not writable: no memory cgroup */
    }
  }
  abilities = {
    uid: root && works('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']) && works('prlimit', ['--nproc=64', 'true']),
    namespaces: root && works('unshare', ['--pid', '--mount', '--fork', '--kill-child', 'true']),
    memoryCgroup,
  };
  return abilities;
}

/** What the sandbox enforces on this machine, one line per layer, for the grader's log. */
export function sandboxReport(): string[] {
  const a = probe();
  const on = (b: boolean) => (b ? 'yes' : 'NO ');
  return [
    `wall time per test, output capped (harness): yes`,
    `scrubbed environment: yes`,
    `heap limit ${LIMITS.heapMb} MB (--max-old-space-size): yes`,
    `${on(a.memoryCgroup)} memory limit ${LIMITS.memoryMb} MB for the process tree (cgroup)`,
    `${on(a.uid)} unprivileged uid per program, at most ${LIMITS.processes} processes`,
    `${on(a.namespaces)} PID namespace (nothing outlives the program) and hidden solutions/tests (mount namespace)`,
  ];
}

/** Paths a student program must not read: the solutions, the hidden tests, and what the grader names. */
export function hiddenPaths(): string[] {
  const named = (process.env.SOCKET_KIT_SANDBOX_HIDE ?? '').split(path.delimiter).filter(Boolean);
  return [kitPath('solutions'), kitPath('test', 'hidden'), ...named].map((p) => path.resolve(p)).filter((p) => existsSync(p));
}

let launches = 0;

/** A uid for launch n: spread by pid so two vitest workers rarely share one (sharing only shares the budget). */
const lendUid = (n: number) => UID_BASE + ((process.pid * 131 + n) % UID_COUNT);

/** Remove memory cgroups whose programs are gone (a supervisor killed by SIGKILL cannot remove its own). */
export function sweepCgroups(): void {
  try {
    for (const name of readdirSync(MEMORY_CGROUP)) {
      if (!name.startsWith(CGROUP_PREFIX)) continue;
      try {
        rmdirSync(path.join(MEMORY_CGROUP, name)); // fails while a process is still inside: fine
      } catch {
        /* busy or gone */
      }
    }
  } catch {
    /* no cgroup fs */
  }
}

// Both scripts below run a command as their child, forward the harness's
// signals to it, wait for it and end the way it ended: the same exit code, or
// 128+N for a death by signal N, which the outer one turns back into signal N.
// `exec 3<&0` keeps stdin (a background job's would be /dev/null); the shell's
// own stderr goes to /dev/null (no "Killed" notices), the program's to fd 4.
const RUN_CHILD = `
exec 3<&0 4>&2 2>/dev/null
"$@" <&3 2>&4 3<&- 4>&- &
child=$!
exec 3<&-
trap 'fwd TERM' TERM
trap 'fwd INT' INT
trap 'fwd HUP' HUP
while :; do
  wait $child; rc=$?
  kill -0 $child 2>/dev/null || break
done
`;

// The supervisor, outside: the process the harness started and signals.
// $1 = 1 when the program sits in a PID namespace (then its init is the
// unshare's child, and that init is who gets the signal), $2 = cgroup or '-'.
const SUPERVISOR = `
ns=$1; cg=$2; shift 2
fwd() {
  if [ "$ns" = 1 ]; then
    for p in $(cat /proc/$child/task/*/children 2>/dev/null); do kill -$1 $p 2>/dev/null; done
  else
    kill -$1 $child 2>/dev/null
  fi
}
${RUN_CHILD}
if [ $rc -gt 128 ] && [ $rc -lt 160 ]; then
  sig=$((rc - 128))
  if [ "$cg" != - ] && grep -q '^oom_kill [1-9]' "$cg/memory.oom_control" 2>/dev/null; then
    echo "socket-kit sandbox: the program was stopped because it used more than ${LIMITS.memoryMb} MB of memory." >&4
  elif [ $sig = 6 ]; then
    echo "socket-kit sandbox: the program aborted; the sandbox allows a JavaScript heap of ${LIMITS.heapMb} MB (does something grow without bound?)." >&4
  fi
fi
if [ "$cg" != - ]; then
  for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$cg" 2>/dev/null && break; sleep 0.05; done
fi
if [ $rc -gt 128 ] && [ $rc -lt 160 ]; then
  trap - TERM INT HUP
  kill -$sig $$
fi
exit $rc
`;

// The init, pid 1 inside the namespaces and still root: joins the cgroup,
// covers the hidden paths with an empty, unreadable tmpfs (failing closed),
// then runs the program as its child, so the program keeps ordinary signal
// semantics (pid 1 ignores signals it has no handler for). When the init
// exits, the kernel kills whatever the program left in the namespace.
// $1 = cgroup or '-', then hidden paths, then '--', then the command.
const INIT = `
cg=$1; shift
if [ "$cg" != - ]; then echo 0 > "$cg/cgroup.procs" || { echo "socket-kit sandbox: cannot join $cg" >&2; exit 125; }; fi
while [ "$1" != -- ]; do
  mount -t tmpfs -o size=4k,mode=000 socket-kit-hidden "$1" || { echo "socket-kit sandbox: cannot hide $1" >&2; exit 125; }
  shift
done
shift
fwd() { kill -$1 $child 2>/dev/null; }
${RUN_CHILD}
exit $rc
`;

function memoryCgroup(n: number): string {
  const dir = path.join(MEMORY_CGROUP, `${CGROUP_PREFIX}${process.pid}-${n}`);
  mkdirSync(dir, { recursive: true });
  const bytes = String(LIMITS.memoryMb * 1024 * 1024);
  // A write through fs would be fine too; spawnSync keeps this module free of async setup.
  spawnSync('sh', ['-c', `echo ${bytes} > "${dir}/memory.limit_in_bytes"; echo ${bytes} > "${dir}/memory.memsw.limit_in_bytes" 2>/dev/null; true`], { stdio: 'ignore' });
  return dir;
}

export function confine(launch: Launch): Launch {
  if (!sandboxEnabled()) return launch;
  const a = probe();
  const [first, ...rest] = launch.args;
  // Node flags go before the loader and the file.
  const node = [launch.command, `--max-old-space-size=${LIMITS.heapMb}`, first!, ...rest].filter((x) => x !== undefined);
  const env: Record<string, string> = {
    ...launch.env,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/tmp',
    TMPDIR: '/tmp',
  };
  if (!a.uid && !a.namespaces) return { command: node[0]!, args: node.slice(1), env };

  const n = launches++;
  if (n % 64 === 0) sweepCgroups();
  const cg = a.memoryCgroup ? memoryCgroup(n) : '-';
  let inner = node;
  if (a.uid) {
    const uid = lendUid(n);
    inner = [
      'prlimit', `--nproc=${LIMITS.processes}`, '--',
      'setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--no-new-privs', '--inh-caps=-all', '--bounding-set=-all', '--',
      ...inner,
    ];
  }
  if (a.namespaces) {
    inner = ['unshare', '--pid', '--mount', '--fork', '--kill-child', '--', '/bin/sh', '-c', INIT, 'socket-kit-init', cg, ...hiddenPaths(), '--', ...inner];
  } else if (cg !== '-') {
    inner = ['/bin/sh', '-c', INIT, 'socket-kit-init', cg, '--', ...inner];
  }
  return {
    command: '/bin/sh',
    args: ['-c', SUPERVISOR, 'socket-kit-sandbox', a.namespaces ? '1' : '0', cg, ...inner],
    env,
  };
}

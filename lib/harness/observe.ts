// What a graded program is doing right now, read from /proc (Linux): which
// processes are its, how much CPU they have used, and whether every one of its
// threads is asleep with nothing that could wake it but input from outside.
//
// That last fact is what lets a test fail a silent server at once instead of
// waiting out a time budget: a program whose threads all sleep in epoll_wait
// (or a futex, a blocking read, ...) with *no timeout* has no timer pending and
// no work queued; if the test has also sent everything it is going to send, the
// reply it waits for will never come, however slow or busy the machine is.
// Anything this module cannot read or does not recognise counts as "maybe
// busy", so a verdict built on it can only ever be late, never wrong.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';

/** A marker in the command line of helper processes the kit itself starts beside a program (the sandbox's watcher). */
const HELPER_MARKS = ['socket-kit-watch'];

export type Activity =
  /** Every thread blocked with no timeout: only input from outside can wake it. */
  | 'idle'
  /** Every thread blocked, but some wait has a timeout (a timer is pending). */
  | 'timer'
  /** Some thread is running, runnable, in uninterruptible sleep, or in a call we do not know. */
  | 'busy'
  /** No process left. */
  | 'gone'
  /** /proc is not there or not readable (another OS, no permission). */
  | 'unknown';

export interface Snapshot {
  pids: number[];
  activity: Activity;
  /** CPU time used by all its threads, in nanoseconds (exact where schedstat exists, else 10 ms ticks). */
  cpuNs: number;
  /** Resident memory of all its processes, in bytes. */
  rssBytes: number;
  /** The shortest timeout among blocked threads, in ms, when activity is 'timer' and it is known. */
  timerMs?: number;
}

// Syscall numbers, per architecture: the blocking calls a sleeping program sits in.
interface Calls {
  /** [number, index of the timeout argument, how a "no timeout" value looks]: int -1, or a NULL pointer. */
  timed: Record<number, [arg: number, none: 'int-1' | 'null']>;
  /** futex(2): a wait without timeout is idle. */
  futex: number;
  /** Blocking calls with no timeout at all (read, accept, wait4, pause, ...). */
  untimed: Set<number>;
  /** Sleeps: always a pending timer. */
  sleeps: Set<number>;
  /** epoll_wait-style calls whose timeout is an int in milliseconds (for timerMs). */
  msTimeout: Set<number>;
}

const X64: Calls = {
  // poll 7 (int ms), select 23 (timeval*), epoll_wait 232 (int ms), pselect6 270, ppoll 271 (timespec*), epoll_pwait 281 (int ms), epoll_pwait2 441 (timespec*)
  timed: { 7: [2, 'int-1'], 23: [4, 'null'], 232: [3, 'int-1'], 270: [4, 'null'], 271: [2, 'null'], 281: [3, 'int-1'], 441: [3, 'null'], 128: [2, 'null'] },
  futex: 202,
  // read 0, pause 34, accept 43, recvfrom 45, recvmsg 47, wait4 61, rt_sigsuspend 130, waitid 247, accept4 288
  untimed: new Set([0, 34, 43, 45, 47, 61, 130, 247, 288]),
  sleeps: new Set([35, 230]), // nanosleep, clock_nanosleep
  msTimeout: new Set([7, 232, 281]),
};

const ARM64: Calls = {
  // pselect6 72, ppoll 73, epoll_pwait 22, epoll_pwait2 441, rt_sigtimedwait 137
  timed: { 72: [4, 'null'], 73: [2, 'null'], 22: [3, 'int-1'], 441: [3, 'null'], 137: [2, 'null'] },
  futex: 98,
  // read 63, waitid 95, rt_sigsuspend 133, accept 202, recvfrom 207, recvmsg 212, accept4 242, wait4 260
  untimed: new Set([63, 95, 133, 202, 207, 212, 242, 260]),
  sleeps: new Set([101, 115]),
  msTimeout: new Set([22]),
};

const CALLS: Calls | undefined = process.arch === 'x64' ? X64 : process.arch === 'arm64' ? ARM64 : undefined;

const FUTEX_CMD_MASK = ~(128 | 256); // FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME
const FUTEX_WAITS = new Set([0, 9]); // FUTEX_WAIT, FUTEX_WAIT_BITSET

/** Is a process alive (ours or another user's: EPERM means it exists)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields of /proc/…/stat after the command name (which may hold spaces and parentheses). */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).trim().split(' ');
}

let procChildren: boolean | undefined;

/** Direct children of a process: /proc/PID/task/TID/children where the kernel has it, else a scan of /proc. */
function childrenOf(pid: number): number[] {
  if (procChildren !== false) {
    let tids: string[] | undefined;
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
    const out: number[] = [];
    for (const tid of tids) {
      const text = read(`/proc/${pid}/task/${tid}/children`);
      if (text === undefined) {
        if (procChildren === undefined) procChildren = false;
        break;
      }
      procChildren = true;
      for (const c of text.split(' ')) if (c.trim()) out.push(Number(c));
    }
    if (procChildren) return out;
  }
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    if (stat && Number(statFields(stat)[1]) === pid) out.push(Number(name));
  }
  return out;
}

const isHelper = (pid: number) => {
  const cmd = read(`/proc/${pid}/cmdline`);
  return cmd !== undefined && HELPER_MARKS.some((m) => cmd.includes(m));
};

/** The program's processes: `root` and every descendant, except helpers the kit started beside it. */
export function members(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length && out.length < 512) {
    const pid = queue.shift()!;
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    if (pid !== root && isHelper(pid)) continue;
    if (statFields(stat)[0] !== 'Z') out.push(pid); // a zombie has finished; its children are reparented
    queue.push(...childrenOf(pid));
  }
  return out;
}

/** How one blocked thread waits: with no timeout ('idle'), with one ('timer', ms if known), or unknown ('busy'). */
function waitOf(syscall: string, calls: Calls): { activity: 'idle' | 'timer' | 'busy'; ms?: number } {
  const parts = syscall.trim().split(' ');
  const nr = Number(parts[0]);
  if (!Number.isInteger(nr) || nr < 0) return { activity: 'busy' }; // "running", or blocked outside a call
  const arg = (i: number) => BigInt(parts[1 + i] ?? '0');
  if (nr === calls.futex) {
    const cmd = Number(arg(1) & 0xffffn) & FUTEX_CMD_MASK;
    if (!FUTEX_WAITS.has(cmd)) return { activity: 'busy' };
    return arg(3) === 0n ? { activity: 'idle' } : { activity: 'timer' };
  }
  if (calls.untimed.has(nr)) return { activity: 'idle' };
  if (calls.sleeps.has(nr)) return { activity: 'timer' };
  const timed = calls.timed[nr];
  if (!timed) return { activity: 'busy' };
  const [i, none] = timed;
  const v = arg(i);
  if (none === 'null') return v === 0n ? { activity: 'idle' } : { activity: 'timer' };
  const ms = Number(BigInt.asIntN(32, v));
  if (ms < 0) return { activity: 'idle' };
  if (ms === 0) return { activity: 'busy' }; // polling, not sleeping
  return { activity: 'timer', ms: calls.msTimeout.has(nr) ? ms : undefined };
}

const PAGE = 4096;

/** One look at a program: its processes, what its threads are doing, its CPU time and memory. */
export function snapshot(root: number): Snapshot {
  if (!CALLS || read('/proc/self/stat') === undefined) return { pids: [], activity: 'unknown', cpuNs: 0, rssBytes: 0 };
  const pids = members(root);
  if (pids.length === 0) return { pids, activity: 'gone', cpuNs: 0, rssBytes: 0 };
  let activity: Activity = 'idle';
  let cpuNs = 0;
  let rssBytes = 0;
  let timerMs: number | undefined;
  const worse = (a: Activity) => {
    const rank: Activity[] = ['idle', 'timer', 'busy', 'unknown'];
    if (rank.indexOf(a) > rank.indexOf(activity)) activity = a;
  };
  for (const pid of pids) {
    const statm = read(`/proc/${pid}/statm`);
    if (statm) rssBytes += Number(statm.split(' ')[1] ?? 0) * PAGE;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // exited while we looked
    }
    for (const tid of tids) {
      const base = `/proc/${pid}/task/${tid}`;
      const stat = read(`${base}/stat`);
      if (!stat) continue;
      const f = statFields(stat);
      const sched = read(`${base}/schedstat`);
      cpuNs += sched ? Number(sched.split(' ')[0]) : (Number(f[11]) + Number(f[12])) * 10_000_000;
      const state = f[0];
      if (state === 'Z' || state === 'X') continue;
      if (state !== 'S') {
        worse('busy'); // R running, D disk, T stopped, ...
        continue;
      }
      const syscall = read(`${base}/syscall`);
      if (syscall === undefined) {
        worse('unknown'); // not ours to inspect
        continue;
      }
      const w = waitOf(syscall, CALLS);
      worse(w.activity);
      if (w.activity === 'timer' && w.ms !== undefined) timerMs = Math.min(timerMs ?? Infinity, w.ms);
    }
  }
  const found = activity as Activity; // set by worse(), which TypeScript does not follow
  return { pids, activity: found, cpuNs, rssBytes, timerMs: found === 'timer' ? timerMs : undefined };
}

const turn = (ms: number) => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), ms));

// ---- bytes in flight --------------------------------------------------------
//
// A program asleep is only finished if nothing is on its way to it or from it.
// On loopback a write lands in the peer's queue at once, except when the
// machine is busy: then the kernel hands network work to its ksoftirqd threads,
// which wait their turn like any program. So: no ksoftirqd may be runnable, and
// every TCP connection of the program, at both ends, must have no byte unacknowledged
// (a byte is acknowledged once it has reached the other side's queue).

let softirqThreads: number[] | undefined;

/** The kernel's ksoftirqd threads (one per CPU), found once. */
function ksoftirqd(): number[] {
  if (softirqThreads) return softirqThreads;
  softirqThreads = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (read(`/proc/${name}/comm`)?.startsWith('ksoftirqd/')) softirqThreads.push(Number(name));
  }
  return softirqThreads;
}

interface TcpEntry {
  local: string;
  remote: string;
  unacked: number;
  /** Bytes received that the socket's owner has not read yet. */
  unread: number;
  inode: string;
}

/** The TCP sockets seen from `pid`'s network namespace, by inode. */
function tcpTable(pid: number | 'self'): TcpEntry[] {
  const out: TcpEntry[] = [];
  for (const file of ['tcp', 'tcp6']) {
    const text = read(`/proc/${pid}/net/${file}`);
    if (!text) continue;
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [tx, rx] = f[4]!.split(':');
      out.push({ local: f[1]!, remote: f[2]!, unacked: parseInt(tx!, 16), unread: parseInt(rx!, 16), inode: f[9]! });
    }
  }
  return out;
}

/** Socket inodes a process holds open. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      /* closed while we looked */
    }
  }
  return inodes;
}

/** Is anything on its way to or from the program, or is the kernel behind with network work? */
export function inFlight(pids: number[]): boolean {
  for (const t of ksoftirqd()) {
    const stat = read(`/proc/${t}/stat`);
    if (stat && statFields(stat)[0] === 'R') return true;
  }
  const inodes = new Set<string>();
  for (const pid of pids) for (const i of socketInodes(pid)) inodes.add(i);
  if (inodes.size === 0) return false;
  const tables = [tcpTable('self'), ...(pids[0] !== undefined ? [tcpTable(pids[0])] : [])];
  const ends = new Set<string>();
  for (const table of tables) {
    for (const e of table) {
      if (!inodes.has(e.inode)) continue;
      if (e.unacked > 0) return true;
      if (!e.remote.endsWith(':0000')) ends.add(e.remote); // the far end of a connection
    }
  }
  for (const table of tables) for (const e of table) if (ends.has(e.local) && e.unacked > 0) return true;
  return false;
}

/**
 * Datagrams the kernel dropped (a full receive queue) on the program's UDP
 * sockets and on this process's sockets bound to `ownPorts`: on a busy machine
 * a correct program loses datagrams this way, through no fault of its own.
 */
export function udpDrops(pids: number[], ownPorts: number[]): number {
  const inodes = new Set<string>();
  for (const pid of pids) for (const i of socketInodes(pid)) inodes.add(i);
  const ports = new Set(ownPorts.map((p) => p.toString(16).toUpperCase().padStart(4, '0')));
  let drops = 0;
  const seen = new Set<string>();
  for (const who of [...(pids[0] !== undefined ? [pids[0]] : []), 'self'] as const) {
    for (const file of ['udp', 'udp6']) {
      const text = read(`/proc/${who}/net/${file}`);
      if (!text) continue;
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 13 || seen.has(f[9]!)) continue;
        const ours = inodes.has(f[9]!) || (who === 'self' && ports.has(f[1]!.split(':')[1]!));
        if (!ours) continue;
        seen.add(f[9]!);
        drops += Number(f[12]) || 0;
      }
    }
  }
  return drops;
}

/** Does one of the program's TCP sockets hold bytes it has not read? */
function unreadInput(pids: number[]): boolean {
  const inodes = new Set<string>();
  for (const pid of pids) for (const i of socketInodes(pid)) inodes.add(i);
  if (inodes.size === 0 || pids[0] === undefined) return false;
  return tcpTable(pids[0]).some((e) => inodes.has(e.inode) && e.unread > 0);
}

/**
 * Has the program stopped reading: asleep with no timer at two looks 30 ms
 * apart, without running in between, while bytes wait unread in one of its
 * sockets? (A server honouring backpressure, paused; a program that reads
 * everything is never seen like this: bytes waiting for it wake it.)
 */
export async function pausedOnInput(root: number): Promise<boolean> {
  const a = snapshot(root);
  if (a.activity !== 'idle' || !unreadInput(a.pids)) return false;
  await turn(30);
  const b = snapshot(root);
  return b.activity === 'idle' && a.cpuNs === b.cpuNs && a.pids.join() === b.pids.join() && unreadInput(b.pids);
}

/**
 * Is the program settled: asleep in the same way at two looks some milliseconds
 * apart, without a thread having run in between, and with nothing in flight to
 * or from it? Between the two looks this process's own event loop turns at
 * least once, so whatever the program wrote before the first look has been
 * read by the caller by the second.
 * Resolves with the second snapshot when settled, else undefined.
 */
export async function settled(root: number, accept: (a: Activity) => boolean = (a) => a === 'idle'): Promise<Snapshot | undefined> {
  const a = snapshot(root);
  if (!accept(a.activity) || inFlight(a.pids)) return undefined;
  await turn(30);
  const b = snapshot(root);
  if (!accept(b.activity) || a.cpuNs !== b.cpuNs || a.pids.join() !== b.pids.join() || inFlight(b.pids)) return undefined;
  return b;
}

/** Whether this machine lets us see what programs are doing (Linux, /proc readable, a known architecture). */
export function canObserve(): boolean {
  return snapshot(process.pid).activity !== 'unknown';
}

/** "127.0.0.1", 8080 → "0100007F:1F90": an IPv4 address and port as /proc/net/tcp writes them (this machine's byte order). */
function procAddress(ip: string, port: number): string | undefined {
  const parts = ip.replace(/^::ffff:/, '').split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !(n >= 0 && n <= 255))) return undefined;
  const bytes = os.endianness() === 'LE' ? [...parts].reverse() : parts;
  return `${bytes.map((n) => n.toString(16).padStart(2, '0')).join('').toUpperCase()}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
}

/**
 * For a connected IPv4 socket of this process: bytes written that the peer
 * has not read yet (in flight, or in its receive queue). Undefined when that
 * cannot be seen (no /proc, the peer in another network namespace, IPv6).
 */
export function unreadByPeer(local: { ip: string; port: number }, remote: { ip: string; port: number }): number | undefined {
  const mine = procAddress(local.ip, local.port);
  const theirs = procAddress(remote.ip, remote.port);
  if (!mine || !theirs) return undefined;
  const text = read('/proc/self/net/tcp');
  if (!text) return undefined;
  let unacked: number | undefined;
  let unread: number | undefined;
  for (let at = text.indexOf(mine); at >= 0; at = text.indexOf(mine, at + 1)) {
    const start = text.lastIndexOf('\n', at) + 1;
    const f = text.slice(start, text.indexOf('\n', at)).trim().split(/\s+/);
    const [tx, rx] = f[4]!.split(':').map((h) => parseInt(h, 16));
    if (f[1] === mine && f[2] === theirs) unacked = tx;
    else if (f[1] === theirs && f[2] === mine) unread = rx;
  }
  return unacked === undefined || unread === undefined ? undefined : unacked! + unread!;
}

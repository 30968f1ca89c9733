// Per-program cgroups: a memory limit and a process limit for one sandboxed
// program and everything it starts, read back after it ends (did the limit
// stop it?), emptied (whatever it left running is killed) and removed. And a
// CPU group of its own: the scheduler shares the CPU between groups, so a
// program that starts 90 busy loops gets one program's share, not 90 of them,
// and a classmate graded at the same time keeps theirs.
//
// cgroup v1 (this project's machines): one directory per controller, made
// inside the grader's own cgroup of that controller. cgroup v2 (most current
// servers): one directory under /sys/fs/cgroup/socket-kit, whose parent has
// the memory and pids controllers enabled. Which one is found is probed once.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from './observe.ts';

const ROOT = '/sys/fs/cgroup';
export const CGROUP_PREFIX = 'socket-kit-';

export interface CgroupLimits {
  memoryMb: number;
  processes: number;
}

export interface CgroupLayout {
  version: 1 | 2;
  /** Where new cgroups go, per controller (v2: one entry for both). */
  memoryParent?: string;
  pidsParent?: string;
  cpuParent?: string;
}

/** The grader's own cgroup of a v1 controller: where its programs' cgroups are nested. */
function ownV1(controller: string): string | undefined {
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, list, rel] = line.split(':');
      if (list?.split(',').includes(controller)) {
        const dir = path.join(ROOT, controller, rel ?? '/');
        return existsSync(path.join(dir, 'cgroup.procs')) ? dir : undefined;
      }
    }
  } catch {
    /* no /proc */
  }
  return undefined;
}

function writable(dir: string | undefined, file: string): dir is string {
  if (!dir) return false;
  const probe = path.join(dir, `${CGROUP_PREFIX}probe-${process.pid}`);
  try {
    mkdirSync(probe);
    const ok = existsSync(path.join(probe, file));
    rmdirSync(probe);
    return ok;
  } catch {
    return false;
  }
}

/** Where this machine lets us make per-program cgroups; empty when it does not (not root, no controllers). */
export function probeCgroups(): CgroupLayout | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const v1mem = ownV1('memory');
  const v1pids = ownV1('pids');
  if (v1mem || v1pids) {
    const v1cpu = ownV1('cpu');
    return {
      version: 1,
      memoryParent: writable(v1mem, 'memory.limit_in_bytes') ? v1mem : undefined,
      pidsParent: writable(v1pids, 'pids.max') ? v1pids : undefined,
      cpuParent: writable(v1cpu, 'cpu.shares') ? v1cpu : undefined,
    };
  }
  // v2: the root cgroup may hold processes and delegate; a child of ours whose
  // subtree has memory and pids enabled holds the programs' cgroups.
  try {
    const controllers = readFileSync(path.join(ROOT, 'cgroup.controllers'), 'utf8').split(/\s+/);
    const base = path.join(ROOT, 'socket-kit');
    mkdirSync(base, { recursive: true });
    const want = ['memory', 'pids', 'cpu'].filter((c) => controllers.includes(c));
    for (const c of want) writeFileSync(path.join(ROOT, 'cgroup.subtree_control'), `+${c}`);
    for (const c of want) writeFileSync(path.join(base, 'cgroup.subtree_control'), `+${c}`);
    return {
      version: 2,
      memoryParent: writable(base, 'memory.max') ? base : undefined,
      pidsParent: writable(base, 'pids.max') ? base : undefined,
      cpuParent: writable(base, 'cpu.weight') ? base : undefined, // each program's cgroup, default weight
    };
  } catch {
    return undefined;
  }
}

const readOr = (file: string, fallback = '') => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
};
const counter = (text: string, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

/** One program's cgroups. `procs` are the files a process writes itself into to join. */
export class ProgramCgroups {
  readonly dirs: string[] = [];
  private memory?: string;
  private pids?: string;

  constructor(
    private readonly layout: CgroupLayout,
    name: string,
    limits: CgroupLimits,
  ) {
    const bytes = String(limits.memoryMb * 1024 * 1024);
    if (layout.version === 2) {
      const parent = layout.memoryParent ?? layout.pidsParent ?? layout.cpuParent;
      if (!parent) return;
      const dir = path.join(parent, name);
      mkdirSync(dir);
      this.dirs.push(dir);
      if (layout.memoryParent) {
        this.memory = dir;
        writeFileSync(path.join(dir, 'memory.max'), bytes);
        try {
          writeFileSync(path.join(dir, 'memory.swap.max'), '0');
        } catch {
          /* no swap accounting */
        }
      }
      if (layout.pidsParent) {
        this.pids = dir;
        writeFileSync(path.join(dir, 'pids.max'), String(limits.processes));
      }
      return;
    }
    if (layout.memoryParent) {
      this.memory = path.join(layout.memoryParent, name);
      mkdirSync(this.memory);
      this.dirs.push(this.memory);
      writeFileSync(path.join(this.memory, 'memory.limit_in_bytes'), bytes);
      try {
        writeFileSync(path.join(this.memory, 'memory.memsw.limit_in_bytes'), bytes); // no swap past the limit either
      } catch {
        /* no swap accounting */
      }
    }
    if (layout.pidsParent) {
      this.pids = path.join(layout.pidsParent, name);
      mkdirSync(this.pids);
      this.dirs.push(this.pids);
      writeFileSync(path.join(this.pids, 'pids.max'), String(limits.processes));
    }
    if (layout.cpuParent) {
      const cpu = path.join(layout.cpuParent, name);
      mkdirSync(cpu); // the default share (cpu.shares 1024), the same as any other program's
      this.dirs.push(cpu);
    }
  }

  /** The cgroup.procs files to join, in order. */
  get procs(): string[] {
    return this.dirs.map((d) => path.join(d, 'cgroup.procs'));
  }

  /** What a limit did to the program, in words, read once it has ended. */
  verdict(): { memory: boolean; processes: boolean } {
    const memory = this.memory
      ? this.layout.version === 2
        ? counter(readOr(path.join(this.memory, 'memory.events')), 'oom_kill') > 0
        : counter(readOr(path.join(this.memory, 'memory.oom_control')), 'oom_kill') > 0
      : false;
    const processes = this.pids ? counter(readOr(path.join(this.pids, 'pids.events')), 'max') > 0 : false;
    return { memory, processes };
  }

  /** Kill everything still in the cgroups (detached or not), then remove them. */
  async empty(): Promise<void> {
    await emptyAndRemove(this.dirs, this.layout.version);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function killAll(dir: string, version: 1 | 2): boolean {
  if (version === 2) {
    try {
      writeFileSync(path.join(dir, 'cgroup.kill'), '1');
    } catch {
      /* older kernel: kill one by one below */
    }
  }
  const pids = readOr(path.join(dir, 'cgroup.procs')).split('\n').filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  return pids.length === 0;
}

async function emptyAndRemove(dirs: string[], version: 1 | 2): Promise<void> {
  // A fork loop may add processes while we kill: go on until the cgroup stays empty
  // (the process limit bounds how long that can take).
  for (let i = 0; i < 100; i++) {
    if (dirs.map((d) => killAll(d, version)).every(Boolean)) break;
    await sleep(10);
  }
  for (const dir of dirs) {
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(dir);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') break;
        await sleep(20); // a killed process is still leaving
      }
    }
  }
}


/**
 * Remove cgroups left by grader processes that are gone (one killed by SIGKILL
 * cannot remove its own), killing whatever is still in them. A live grader's
 * are left alone: one it has just made is empty until its program joins.
 */
export function sweepCgroups(layout: CgroupLayout | undefined): void {
  if (!layout) return;
  const parents = [...new Set([layout.memoryParent, layout.pidsParent, layout.cpuParent].filter((p): p is string => !!p))];
  for (const parent of parents) {
    let names: string[] = [];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const owner = new RegExp(`^${CGROUP_PREFIX}(\\d+)-\\d+$`).exec(name);
      if (!owner || processAlive(Number(owner[1]))) continue;
      const dir = path.join(parent, name);
      killAll(dir, layout.version);
      try {
        rmdirSync(dir); // fails while a process is still dying: the next sweep gets it
      } catch {
        /* busy or gone */
      }
    }
  }
}

// Processes this one started in their own process groups (the grader's vitest
// run is detached), found through /proc so that quitting a tool can stop them
// instead of leaving them to finish alone. Linux only; elsewhere they finish
// by themselves, since every graded test is bounded in time.
import { readdirSync, readFileSync } from 'node:fs';

export function childPids(parent = process.pid): number[] {
  const found: number[] = [];
  let names: string[] = [];
  try {
    names = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent) found.push(Number(name));
    } catch {
      /* exited while we looked */
    }
  }
  return found;
}

/** SIGKILL the process group of every direct child that leads its own group. */
export function killChildGroups(): void {
  for (const pid of childPids()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* not a group leader, or gone */
    }
  }
}

// How slow is this machine right now? Time a tiny program (probe.ts) started
// the way lab programs are started, and compare the wall time it took to
// start and answer with the CPU time it used: on a quiet machine the two are
// close; with four busy programs per core it waits its turn most of the time.
// The ratio (over what a quiet machine shows) stretches every wait: budget.ts.
// A measurement is shared by every process of the user for FRESH_MS (a file in
// the temporary folder): the machine is the same for all of them, and a class
// run's hundreds of test files need not start hundreds of probes.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { kitPath } from '../paths.ts';
import { currentSlowness, setSlowness } from './budget.ts';
import { privateTmpDir } from './private-dir.ts';
import { startServer } from './program.ts';

const PROBE = kitPath('lib', 'harness', 'probe.ts');
/** wall ÷ CPU of the probe's life on a quiet machine (start-up reads files and waits a little). */
const QUIET_RATIO = 1.4;
/** A measurement is reused this long (a test file's tests, say); a retry always measures again. */
const FRESH_MS = 15_000;

let measuredAt = 0;
let running: Promise<number> | undefined;

/** In this user's own folder of the temporary folder (private-dir.ts): another user can neither forge it nor plant a link there. */
const SHARED = () => {
  const dir = privateTmpDir('socket-kit-slowness');
  return dir ? path.join(dir, 'slowness.json') : undefined;
};

/** A measurement another process made in the last `freshMs`, if any. */
function shared(freshMs: number): { k: number; at: number } | undefined {
  const file = SHARED();
  if (!file) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { k: number; at: number };
    return Number.isFinite(m.k) && m.k >= 1 && Date.now() - m.at < freshMs && m.at <= Date.now() ? m : undefined;
  } catch {
    return undefined;
  }
}

function share(k: number): void {
  const file = SHARED();
  if (!file) return; // no private folder to be had: each process measures for itself
  try {
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify({ k, at: Date.now() }));
    renameSync(tmp, file);
  } catch {
    /* a read-only temporary folder: each process measures for itself */
  }
}

async function measure(): Promise<number> {
  const server = await startServer(PROBE, { readyMs: 60_000 });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: server.port });
      let got = '';
      socket.on('data', (c) => (got += c.toString()));
      socket.on('end', () => resolve(got));
      socket.on('error', reject);
      socket.write('x');
      setTimeout(() => {
        socket.destroy();
        reject(new Error('the probe did not answer'));
      }, 60_000).unref();
    });
    const [up, cpu] = line.trim().split(' ').map(Number);
    if (!(up! > 0 && cpu! > 0)) throw new Error(`the probe answered ${JSON.stringify(line)}`);
    // A fresh process is scheduled promptly at first; a long-lived one (this test process, a server
    // echoing 10 MB) gets only its fair share of a busy machine. The larger of the two counts.
    return Math.max(up! / cpu! / QUIET_RATIO, cpuShareRatio());
  } finally {
    await server.stop();
  }
}

/** wall ÷ CPU time of a few milliseconds of work in this (long-lived) process: 1 when it has a core to itself. */
function cpuShareRatio(): number {
  const ratios: number[] = [];
  for (let i = 0; i < 5; i++) {
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    let cpu = 0;
    for (let x = 0; cpu < 3000; ) {
      for (let j = 0; j < 20_000; j++) x = (x * 31 + j) | 0;
      const c = process.cpuUsage(cpu0);
      cpu = c.user + c.system;
      if (x === 42) cpu++; // keep the loop from being optimised away
    }
    ratios.push((performance.now() - wall0) / (cpu / 1000));
  }
  return ratios.sort((a, b) => a - b)[2]!; // the median of five: one slice lost to a busy neighbour says little
}

/**
 * Measure the machine's slowness now (unless measured less than `freshMs` ago)
 * and use it for every budget from here on. Never throws: if the probe cannot
 * run, the last value stays.
 */
export async function calibrate(freshMs = FRESH_MS): Promise<number> {
  if (Date.now() - measuredAt < freshMs) return currentSlowness();
  const other = shared(freshMs);
  if (other) {
    setSlowness(other.k);
    measuredAt = other.at;
    return currentSlowness();
  }
  running ??= measure()
    .then((k) => {
      setSlowness(Math.max(1, k));
      measuredAt = Date.now();
      share(currentSlowness());
      return currentSlowness();
    })
    .catch(() => currentSlowness())
    .finally(() => (running = undefined));
  return running;
}

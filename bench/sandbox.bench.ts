// What the grading sandbox costs per program: a lab server started until it
// listens, then stopped, and a program run to its exit, each unconfined (the
// cached bundle on plain node) and inside the sandbox (cgroups, bwrap, setpriv,
// the student's PID namespace), interleaved so both see the same load.
//   npm run bench -- sandbox        (as root with bubblewrap; says so and stops otherwise)
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kitPath } from '../lib/paths.ts';
import { runProgram, startServer } from '../lib/harness/program.ts';
import { sandboxComplete, sandboxReport } from '../lib/harness/sandbox.ts';

const ROUNDS = Number(process.env.SOCKET_KIT_BENCH_ROUNDS ?? 20);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function run(): Promise<void> {
  if (!sandboxComplete()) {
    console.log(`The sandbox is not complete here, nothing to compare:\n${sandboxReport().join('\n')}`);
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-bench-sandbox-'));
  chmodSync(dir, 0o755); // like a private copy: readable by the student's uid
  const server = path.join(dir, 'server.ts');
  const exits = path.join(dir, 'exit.ts');
  copyFileSync(kitPath('solutions', '01-udp-echo', 'server.ts'), server);
  writeFileSync(exits, 'console.log("done");\n');
  const times = { plain: { server: [] as number[], run: [] as number[] }, sandbox: { server: [] as number[], run: [] as number[] } };
  try {
    for (let i = 0; i < ROUNDS; i++) {
      for (const mode of ['plain', 'sandbox'] as const) {
        if (mode === 'sandbox') process.env.SOCKET_KIT_SANDBOX = '1';
        else delete process.env.SOCKET_KIT_SANDBOX;
        times[mode].server.push(await timed(async () => (await startServer(server)).stop()));
        times[mode].run.push(await timed(async () => void (await runProgram(exits))));
      }
    }
  } finally {
    delete process.env.SOCKET_KIT_SANDBOX;
    rmSync(dir, { recursive: true, force: true });
  }
  const line = (what: string, key: 'server' | 'run') => {
    const p = median(times.plain[key]);
    const s = median(times.sandbox[key]);
    return `  ${what}: ${p.toFixed(0)} ms plain, ${s.toFixed(0)} ms sandboxed: ${(s / p).toFixed(2)}x (+${(s - p).toFixed(0)} ms)`;
  };
  console.log(`Median of ${ROUNDS} rounds, interleaved:`);
  console.log(line('start a server until it listens, then stop it', 'server'));
  console.log(line('run a program to its exit', 'run'));
}

// Grading time per lab: the reference solution, then the same lab with its
// server.ts replaced by a silent server (listens, reads, never answers) and by
// one that crashes on the first request, each as a ratio against the
// solution's time measured in the same run, lab by lab in alternation (this
// machine is shared). Targets: a working lab grades in under 5 s on 2 cores,
// a silent or crashing one in at most 2x the solution's time.
// With SOCKET_KIT_BENCH_MUTANTS=1, also every mutant (test/fixtures/mutants/),
// graded alone: the slowest wrong program of each lab against its solution.
//   npm run bench -- grading        SOCKET_KIT_BENCH_LABS=udp,delimiter  SOCKET_KIT_BENCH_RUNS=3
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findLab, labDir, labs, type Lab } from '../lib/course.ts';
import { kitPath } from '../lib/paths.ts';
import { runLabTests } from '../lib/grader/run-tests.ts';
import { fullMarks, maxScore, score } from '../lib/grader/results.ts';
import { allMutants, mutantId, writeMutant } from '../test/fixtures/mutants/mutant.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A copy of the solution of `lab` with its servers (server.ts, smtp-server.ts: whichever it has) replaced by `program`. */
function withServer(root: string, lab: Lab, program: string, name: string): string {
  const target = path.join(root, name);
  const dir = labDir(target, lab);
  cpSync(labDir(kitPath('solutions'), lab), dir, { recursive: true });
  for (const server of ['server.ts', 'smtp-server.ts']) {
    if (existsSync(path.join(dir, server))) copyFileSync(kitPath('bench', 'programs', program), path.join(dir, server));
  }
  return target;
}

async function timeGrade(lab: Lab, target: string): Promise<{ ms: number; points: string; full: boolean; rerun: number }> {
  const t0 = Date.now();
  const [r] = await runLabTests([lab], { target });
  return { ms: Date.now() - t0, points: `${score(r!)}/${maxScore(r!)}`, full: fullMarks(r!), rerun: r!.tests.filter((t) => t.retried).length };
}

export async function run(): Promise<void> {
  const wanted = (process.env.SOCKET_KIT_BENCH_LABS ?? '').split(',').filter(Boolean);
  const chosen = labs().filter((l) => existsSync(labDir(kitPath('solutions'), l)) && (!wanted.length || wanted.some((w) => l.slug.includes(w))));
  const runs = Number(process.env.SOCKET_KIT_BENCH_RUNS ?? 1);
  const root = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-bench-grading-'));
  try {
    console.log(`load average at the start: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.availableParallelism()} cores)`);
    // Warm-up, not timed: bundles of every program, the type of a first run.
    await runLabTests(chosen, { target: kitPath('solutions') });
    console.log(`\n${'lab'.padEnd(24)} ${'solution'.padStart(9)} ${'silent'.padStart(16)} ${'crashing'.padStart(16)}`);
    const worst = { silent: 0, crash: 0, solution: 0 };
    for (const lab of chosen) {
      const silentDir = withServer(root, lab, 'silent-server.ts', `silent-${lab.slug}`);
      const crashDir = withServer(root, lab, 'crash-server.ts', `crash-${lab.slug}`);
      const sol: number[] = [];
      const silent: number[] = [];
      const crash: number[] = [];
      let notes = '';
      for (let i = 0; i < runs; i++) {
        const a = await timeGrade(lab, kitPath('solutions'));
        const b = await timeGrade(lab, silentDir);
        const c = await timeGrade(lab, crashDir);
        sol.push(a.ms);
        silent.push(b.ms);
        crash.push(c.ms);
        if (!a.full) notes += `  SOLUTION BELOW FULL MARKS: ${a.points}`;
        if (a.rerun + b.rerun + c.rerun) notes += `  (re-run alone: ${a.rerun}/${b.rerun}/${c.rerun})`;
      }
      const [m, ms, mc] = [median(sol), median(silent), median(crash)];
      worst.silent = Math.max(worst.silent, ms / m);
      worst.crash = Math.max(worst.crash, mc / m);
      worst.solution = Math.max(worst.solution, m);
      console.log(`${lab.slug.padEnd(24)} ${s(m).padStart(9)} ${`${s(ms)} (${(ms / m).toFixed(2)}x)`.padStart(16)} ${`${s(mc)} (${(mc / m).toFixed(2)}x)`.padStart(16)}${notes}`);
    }
    console.log(`\nslowest working lab: ${s(worst.solution)} (goal < 5 s on 2 cores: ${worst.solution < 5000 ? 'yes' : 'NO'})`);
    console.log(`worst ratio, silent server: ${worst.silent.toFixed(2)}x; crashing server: ${worst.crash.toFixed(2)}x (goal ≤ 2x: ${Math.max(worst.silent, worst.crash) <= 2 ? 'yes' : 'NO'})`);

    if (process.env.SOCKET_KIT_BENCH_MUTANTS === '1') {
      console.log(`\nMutants, each graded alone, against the solution (goal ≤ 2.5x):`);
      for (const lm of await allMutants()) {
        const lab = findLab(lm.lab);
        if (!chosen.includes(lab)) continue;
        const base = (await timeGrade(lab, kitPath('solutions'))).ms;
        let slowest = { ms: 0, name: '' };
        for (const m of lm.mutants) {
          const dir = path.join(root, mutantId(lm.lab, m));
          writeMutant(lab, m, dir);
          const t = await timeGrade(lab, dir);
          if (t.ms > slowest.ms) slowest = { ms: t.ms, name: m.name };
        }
        console.log(`  ${lm.lab.padEnd(16)} ${lm.mutants.length} mutants; solution ${s(base)}, slowest ${slowest.name} ${s(slowest.ms)} (${(slowest.ms / base).toFixed(2)}x)`);
      }
    }
    console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// Every graded test catches what its title claims: each mutant (a wrong program,
// test/fixtures/mutants/) loses exactly the tests it lists, every run, and every
// graded test of a lab with mutants, public or hidden, is lost by at least one.
// All mutants are graded in one run (one vitest start-up): SOCKET_KIT_TARGETS.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runLabTests } from '../../lib/grader/run-tests.ts';
import type { LabResult } from '../../lib/grader/results.ts';
import { throughGate } from '../../lib/harness/gate.ts';
import { hiddenTestPaths } from '../../lib/instructor/hidden.ts';
import { allMutants, labNamed, mutantId, writeMutant, type LabMutants } from '../fixtures/mutants/mutant.ts';

const all: LabMutants[] = await allMutants();
const root = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-mutants-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const targets: Record<string, string> = {};
const notApplied: string[] = [];
for (const lm of all) {
  for (const m of lm.mutants) {
    try {
      writeMutant(labNamed(lm.lab), lm.lab, m, path.join(root, mutantId(lm.lab, m)));
      targets[mutantId(lm.lab, m)] = path.join(root, mutantId(lm.lab, m));
    } catch (e) {
      notApplied.push((e as Error).message);
    }
  }
}

let results = new Map<string, LabResult>();
let seconds = 0;
beforeAll(async () => {
  const t0 = Date.now();
  // A grading run of its own loads the machine: not beside a timing-sensitive test of this run, nor one re-run alone.
  const graded = await throughGate('busy', () => runLabTests(all.map((l) => labNamed(l.lab)), {
    target: root,
    targets,
    extraTests: hiddenTestPaths,
    // Mutants are independent: many at once keeps both cores busy while each waits on its programs.
    vitestArgs: ['--maxConcurrency=12'],
    timeoutMs: 12 * 60_000,
  }));
  results = new Map(graded.map((r) => [path.basename(r.target), r]));
  seconds = (Date.now() - t0) / 1000;
  console.log(`${Object.keys(targets).length} mutants graded in ${seconds.toFixed(1)} s`);
}, 13 * 60_000);

test('every mutant still applies to its solution', () => {
  expect(notApplied, notApplied.join('\n\n')).toEqual([]);
});

describe.each(all.map((lm) => [lm.lab, lm] as const))('mutants of %s', (name, lm) => {
  test.each(lm.mutants.map((m) => [m.name, m] as const))('%s loses exactly the tests it lists', (_, m) => {
    const r = results.get(mutantId(name, m));
    expect(r, `no result for mutant ${mutantId(name, m)}`).toBeDefined();
    expect(r!.error, r!.error).toBeUndefined();
    const names = new Set(r!.tests.map((t) => t.name));
    const unknown = m.loses.filter((n) => !names.has(n));
    expect(unknown, `mutant ${m.name} lists tests ${name} does not have (renamed?)`).toEqual([]);
    const lost = r!.tests.filter((t) => !t.passed);
    const extra = lost.filter((t) => !m.loses.includes(t.name)).map((t) => `${t.name}:\n${t.message}`);
    const kept = m.loses.filter((n) => r!.tests.some((t) => t.name === n && t.passed));
    expect(extra, `mutant ${m.name} (${m.bug}) also lost:\n\n${extra.join('\n\n')}`).toEqual([]);
    expect(kept, `mutant ${m.name} (${m.bug}) passed tests it must lose: they do not catch what their titles claim`).toEqual([]);
  });

  test('every graded test of the lab, public and hidden, is lost by some mutant', () => {
    const rs = lm.mutants.map((m) => results.get(mutantId(name, m))).filter((r): r is LabResult => !!r);
    expect(rs.length).toBeGreaterThan(0);
    const every = new Set(rs.flatMap((r) => r.tests.map((t) => t.name)));
    const caught = new Set(lm.mutants.flatMap((m) => m.loses));
    expect([...every].filter((n) => !caught.has(n)), 'tests no mutant loses').toEqual([]);
  });
});

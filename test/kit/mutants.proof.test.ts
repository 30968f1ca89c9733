// Every graded test catches what its title claims: each mutant (a wrong program,
// test/fixtures/mutants/) loses the tests it lists, and every graded test of
// every lab, public or hidden, is lost by at least one.
//
// Three kinds of grading run, three at a time (each is a vitest run of its own):
//   - the labs whose mutants are graded on all their tests ('all'): one run for
//     all of them, every mutant a target of its own (SOCKET_KIT_TARGETS); each
//     must lose exactly the tests it lists;
//   - a mutant of a 'listed' lab: a run of the tests it lists (vitest -t), each
//     of which it must lose;
//   - a region knocked out ('each-region' labs): a run of all the lab's tests;
//     it must lose some, and the lab's regions together must lose all.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findLab, labTestPaths, type Lab } from '../../lib/course.ts';
import { runLabTests } from '../../lib/grader/run-tests.ts';
import type { LabResult } from '../../lib/grader/results.ts';
import { throughGate } from '../../lib/harness/gate.ts';
import { hiddenTestPaths } from '../../lib/instructor/hidden.ts';
import { listTests } from '../../lib/instructor/list-tests.ts';
import { knockouts } from '../../lib/stages.ts';
import { allMutants, mutantId, regionMutants, writeMutant, type LabMutants, type Mutant } from '../fixtures/mutants/mutant.ts';

// SOCKET_KIT_MUTANTS=tcp-echo,delimiter: only these labs' mutants (each grading run starts at import, whatever -t says).
const only = process.env.SOCKET_KIT_MUTANTS?.split(',').filter(Boolean);
const all: LabMutants[] = (await allMutants()).filter((lm) => !only?.length || only.includes(lm.lab));
const root = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-mutants-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** What a mutant was graded on and what it lost, by mutantId. */
interface Graded {
  ran: string[];
  lost: string[];
  messages: Map<string, string>;
  error?: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const notApplied: string[] = [];

/** Write a mutant as a target folder laid out like labs/; undefined (noted) if it no longer applies. */
function target(lab: Lab, lm: LabMutants, m: Mutant): string | undefined {
  const dir = path.join(root, mutantId(lm.lab, m));
  try {
    writeMutant(lab, m, dir);
    return dir;
  } catch (e) {
    notApplied.push((e as Error).message);
    return undefined;
  }
}

function toGraded(r: LabResult): Graded {
  const ran = r.tests.filter((t) => !/the test was skipped/.test(t.message ?? ''));
  return { ran: ran.map((t) => t.name), lost: ran.filter((t) => !t.passed).map((t) => t.name), messages: new Map(ran.map((t) => [t.name, t.message ?? ''])), error: r.error };
}

// ---- the runs ------------------------------------------------------------------

type Job = () => Promise<void>;
const results = new Map<string, Graded>();
const jobs: Job[] = [];
const regions = new Map<string, Mutant[]>();

// The 'all' labs: one run, every mutant a target.
const wholeLabs = all.filter((lm) => lm.graded === 'all' && lm.mutants.length > 0);
const targets: Record<string, string> = {};
for (const lm of wholeLabs) {
  for (const m of lm.mutants) {
    const dir = target(findLab(lm.lab), lm, m);
    if (dir) targets[mutantId(lm.lab, m)] = dir;
  }
}
if (Object.keys(targets).length > 0) {
  jobs.push(async () => {
    const graded = await runLabTests(wholeLabs.map((lm) => findLab(lm.lab)), {
      target: root,
      targets,
      extraTests: hiddenTestPaths,
      // Mutants are independent: many at once keeps both cores busy while each waits on its programs.
      vitestArgs: ['--maxConcurrency=12'],
      timeoutMs: 12 * 60_000,
    });
    for (const r of graded) results.set(path.basename(r.target), toGraded(r));
  });
}

/** One mutant of its own: on the tests it lists, or (none listed) on all of the lab's tests. */
function single(lab: Lab, id: string, dir: string, only: string[]): Job {
  return async () => {
    const [r] = await runLabTests([lab], {
      target: dir,
      extraTests: hiddenTestPaths,
      timeoutMs: 300_000,
      vitestArgs: only.length ? ['-t', only.map(escape).join('|')] : [],
    });
    results.set(id, toGraded(r!));
  };
}

for (const lm of all) {
  const lab = findLab(lm.lab);
  if (lm.graded === 'listed') {
    for (const m of lm.mutants) {
      const dir = target(lab, lm, m);
      if (dir) jobs.push(single(lab, mutantId(lm.lab, m), dir, m.loses));
    }
  }
  if (lm.knockouts === 'each-region') {
    regions.set(lm.lab, regionMutants(lab));
    for (const m of regions.get(lm.lab)!) {
      const dir = target(lab, lm, m);
      if (dir) jobs.push(single(lab, mutantId(lm.lab, m), dir, []));
    }
  }
}

// Three runs at a time; each test below waits for the run it needs. A grading run loads the
// machine: it goes through the gate as 'busy', never beside a timing-sensitive test of this run.
let next = 0;
const worker = async (): Promise<void> => {
  while (next < jobs.length) await throughGate('busy', jobs[next++]!).catch((e: Error) => console.error(e));
};
const done = Promise.all([worker(), worker(), worker()]);

async function graded(id: string): Promise<Graded> {
  await done;
  const r = results.get(id);
  if (!r) throw new Error(`no result for mutant ${id}`);
  return r;
}

/** Every graded test of a lab, public and hidden, by title. */
const titles = new Map<string, string[]>();
async function titlesOf(lab: Lab): Promise<string[]> {
  if (!titles.has(lab.slug)) {
    const listed = await listTests([lab], (l) => [...labTestPaths(l), ...hiddenTestPaths(l)]);
    titles.set(lab.slug, listed.map((t) => t.name));
  }
  return titles.get(lab.slug)!;
}

const LIMIT = 30 * 60_000;

// ---- what must hold ------------------------------------------------------------

test('every mutant still applies to its solution', () => {
  expect(notApplied, notApplied.join('\n\n')).toEqual([]);
});

describe.each(all.map((lm) => [lm.lab, lm] as const))('mutants of %s', (name, lm) => {
  const lab = findLab(name);

  test.each(lm.mutants.map((m) => [m.name, m] as const))('%s loses the tests it lists', async (_, m) => {
    const r = await graded(mutantId(name, m));
    expect(r.error, r.error).toBeUndefined();
    const every = await titlesOf(lab);
    expect(m.loses.filter((n) => !every.includes(n)), `mutant ${m.name} lists tests ${name} does not have (renamed?)`).toEqual([]);
    const kept = m.loses.filter((n) => !r.lost.includes(n));
    expect(kept, `mutant ${m.name} (${m.bug}) passed tests it must lose: they do not catch what their titles claim`).toEqual([]);
    if (lm.graded === 'all') {
      const extra = r.lost.filter((n) => !m.loses.includes(n) && !m.mayLose?.includes(n)).map((n) => `${n}:\n${r.messages.get(n)}`);
      expect(extra, `mutant ${m.name} (${m.bug}) also lost:\n\n${extra.join('\n\n')}`).toEqual([]);
    }
  }, LIMIT);

  if (lm.knockouts === 'each-region') {
    test('each region put back to its starter loses some test, and together they lose every test', async () => {
      const lost = new Set<string>();
      for (const m of regions.get(name)!) {
        const r = await graded(mutantId(name, m));
        expect(r.lost, `${m.bug}: no test of ${lab.slug} notices`).not.toEqual([]);
        for (const n of r.lost) lost.add(n);
      }
      expect((await titlesOf(lab)).filter((n) => !lost.has(n)), 'tests no region loses').toEqual([]);
    }, LIMIT);
  } else {
    test('every graded test of the lab, public and hidden, is listed by some mutant', async () => {
      const listed = new Set(lm.mutants.flatMap((m) => m.loses));
      expect((await titlesOf(lab)).filter((n) => !listed.has(n)), 'tests no mutant loses').toEqual([]);
    }, LIMIT);
  }

  if (lm.knockouts === 'listed') {
    test('every region of its stage has a knockout mutant', () => {
      const listed = lm.mutants.filter((m) => m.knockout && !m.knockout.stage).map((m) => m.knockout!.key);
      expect(listed.sort()).toEqual(knockouts(lab).map((k) => k.name).sort());
    });
  }
});

// Test side of the framing labs' property tests: the graded test names a
// property; the cases are made here, the lab's module runs in a child process
// (sandboxed in a class run, target.ts), and the verdict is decided here from
// what it returned. A failure shows the shrunk counterexample and how to replay it.
import path from 'node:path';
import { LabFailure } from '../../lib/harness/index.ts';
import { kitPath, shownPath } from '../../lib/paths.ts';
import type { PropertyOptions, Verdict } from './property.ts';
import { sandboxedTarget, type Target } from './target.ts';

const CLI = kitPath('test', 'drivers', 'framing-check.ts');
/** Enough runs to find split bugs (most fail within a few), few enough to keep the suite fast. */
export const RUNS = Number(process.env.SOCKET_KIT_PROPERTY_RUNS ?? 150);

type Checks = (mod: Target, o: PropertyOptions) => Promise<Verdict[]>;

/** The labs whose module is property-tested, by name (numbers change), the file each tests, and its properties. */
const BY_NAME: Record<string, { file: string; checks: () => Promise<{ checks: Checks }> }> = {
  'fixed-length': { file: 'record.ts', checks: () => import('./checks/fixed-length.ts') },
  delimiter: { file: 'line-decoder.ts', checks: () => import('./checks/delimiter.ts') },
  'length-prefix': { file: 'frame.ts', checks: () => import('./checks/length-prefix.ts') },
};
/** A lab's properties, found by its slug's name part (`04-fixed-length` → fixed-length). */
export const propertyLab = (slug: string) => BY_NAME[slug.replace(/^\d+-/, '')];
export const PROPERTY_LAB_NAMES = Object.keys(BY_NAME);

/** One property of a lab, on a worker of its own: a test bears only its own property's time. */
async function verdict(slug: string, dir: string, name: string): Promise<Verdict | undefined> {
  const lab = propertyLab(slug);
  if (!lab) throw new Error(`no properties for ${slug}`);
  const seed = Date.now() % 2 ** 31;
  const target = await sandboxedTarget(path.join(dir, lab.file));
  try {
    return (await (await lab.checks()).checks(target, { runs: RUNS, seed, only: name })).find((v) => v.name === name);
  } finally {
    await target.close();
  }
}

/** Fail with the counterexample unless the named property held for the lab in `dir`. */
export async function expectProperty(slug: string, dir: string, name: string, claim: string): Promise<void> {
  const v = await verdict(slug, dir, name);
  if (!v) throw new Error(`the driver has no property '${name}' for ${slug}`);
  if (!v.ok) {
    const replay = `npx tsx ${shownPath(CLI)} --lab ${slug} --dir ${shownPath(dir)} --seed ${v.seed}`;
    throw new LabFailure(`${claim}: false. Smallest failing case found (of ${v.runs} tried):\n  ${v.failure}\n  Run just these properties again, same cases: ${replay}`);
  }
}

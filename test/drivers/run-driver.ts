// Test side of the framing labs' property tests: the graded test names a
// property; the cases are made here, the lab's module runs in a child process
// (sandboxed in a class run, target.ts), and the verdict is decided here from
// what it returned. A failure shows the shrunk counterexample and how to replay it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabFailure } from '../../lib/harness/index.ts';
import { kitPath, shownPath, TSX_LOADER } from '../../lib/paths.ts';
import type { PropertyOptions, Verdict } from './property.ts';
import { sandboxEnabled } from '../../lib/harness/sandbox.ts';
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

/** Properties that held, by the content of the module checked and the property: the mutants of a server share their decoder's run. */
const held = new Map<string, Verdict>();

/** A digest of the module checked in `dir` and of every file it imports (undefined when it does not build: the worker says why). */
function moduleDigest(file: string): string | undefined {
  try {
    const esbuild = createRequire(fileURLToPath(TSX_LOADER))('esbuild') as typeof import('esbuild');
    const r = esbuild.buildSync({ entryPoints: [file], bundle: true, write: false, metafile: true, packages: 'external', platform: 'node', format: 'esm', logLevel: 'silent' });
    const hash = createHash('sha1');
    for (const input of Object.keys(r.metafile!.inputs).sort()) hash.update(input.replace(/^.*\//, '')).update(readFileSync(path.resolve(input)));
    return hash.digest('hex');
  } catch {
    return undefined;
  }
}

/** One property of a lab, on a worker of its own: a test bears only its own property's time. */
async function verdict(slug: string, dir: string, name: string): Promise<Verdict | undefined> {
  const lab = propertyLab(slug);
  if (!lab) throw new Error(`no properties for ${slug}`);
  // Not in a class run: there the grader reads no student file outside the sandbox.
  const digest = sandboxEnabled() ? undefined : moduleDigest(path.join(dir, lab.file));
  const key = digest && `${slug}:${name}:${digest}`;
  const known = key && held.get(key);
  if (known) return known;
  const v = await verdictOnWorker(lab, dir, name);
  if (key && v?.ok) held.set(key, v);
  return v;
}

async function verdictOnWorker(lab: NonNullable<ReturnType<typeof propertyLab>>, dir: string, name: string): Promise<Verdict | undefined> {
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

// Test side of test/drivers/framing-check.ts: runs the driver on the lab
// folder under test, once per test file (and once for every folder whose
// checked module is the same, byte for byte, when it passed), and turns each
// verdict into a pass or a LabFailure that shows the shrunk counterexample.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabFailure, runProgram } from '../../lib/harness/index.ts';
import { kitPath, shownPath, TSX_LOADER } from '../../lib/paths.ts';
import type { Verdict } from './property.ts';

const DRIVER = kitPath('test', 'drivers', 'framing-check.ts');
/** Enough runs to find split bugs (most fail within a few), few enough to keep the suite fast. */
const RUNS = Number(process.env.SOCKET_KIT_PROPERTY_RUNS ?? 150);

const cache = new Map<string, Promise<Map<string, Verdict>>>();
/** Verdicts that all held, by the content of the module checked: many folders with the same decoder (the mutants of a server) share one run. */
const passed = new Map<string, Map<string, Verdict>>();

/** A digest of the module the driver checks in `dir` and of every file it imports. */
async function moduleDigest(slug: string, dir: string): Promise<string | undefined> {
  try {
    const { FILE } = (await import(`./checks/${slug}.ts`)) as { FILE: string };
    const esbuild = createRequire(fileURLToPath(TSX_LOADER))('esbuild') as typeof import('esbuild');
    const r = esbuild.buildSync({ entryPoints: [path.join(dir, FILE)], bundle: true, write: false, metafile: true, packages: 'external', platform: 'node', format: 'esm', logLevel: 'silent' });
    const hash = createHash('sha1').update(slug);
    for (const input of Object.keys(r.metafile!.inputs).sort()) hash.update(input.replace(/^.*\//, '')).update(readFileSync(path.resolve(input)));
    return hash.digest('hex');
  } catch {
    return undefined; // it does not build: the driver says why
  }
}

async function verdicts(slug: string, dir: string): Promise<Map<string, Verdict>> {
  const r = await runProgram(DRIVER, { args: ['--lab', slug, '--dir', dir, '--runs', String(RUNS)], timeoutMs: 20_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let parsed: { verdicts?: Verdict[]; loadError?: string };
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new LabFailure(`the property-test driver gave no verdict: the decoder under test crashed it or never returned.\n${r.describe()}`);
  }
  if (parsed.loadError) throw new LabFailure(parsed.loadError);
  return new Map((parsed.verdicts ?? []).map((v) => [v.name, v]));
}

/** Fail with the counterexample unless the named property held for the lab in `dir`. */
export async function expectProperty(slug: string, dir: string, name: string, claim: string): Promise<void> {
  let p = cache.get(dir);
  if (!p) {
    cache.set(
      dir,
      (p = (async () => {
        const digest = await moduleDigest(slug, dir);
        const known = digest && passed.get(digest);
        if (known) return known;
        const v = await verdicts(slug, dir);
        if (digest && [...v.values()].every((x) => x.ok)) passed.set(digest, v);
        return v;
      })()),
    );
  }
  const v = (await p).get(name);
  if (!v) throw new Error(`the driver has no property '${name}' for ${slug}`);
  if (!v.ok) {
    const replay = `npx tsx ${shownPath(DRIVER)} --lab ${slug} --dir ${shownPath(dir)} --seed ${v.seed}`;
    throw new LabFailure(`${claim}: false. Smallest failing case found (of ${v.runs} tried):\n  ${v.failure}\n  Run just these properties again, same cases: ${replay}`);
  }
}

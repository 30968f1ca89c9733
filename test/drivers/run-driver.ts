// Test side of test/drivers/framing-check.ts: runs the driver on the lab
// folder under test, once per test file, and turns each verdict into a pass
// or a LabFailure that shows the shrunk counterexample.
import { LabFailure, runProgram } from '../../lib/harness/index.ts';
import { kitPath, shownPath } from '../../lib/paths.ts';
import type { Verdict } from './property.ts';

const DRIVER = kitPath('test', 'drivers', 'framing-check.ts');
/** Enough runs to find split bugs (most fail within a few), few enough to keep the suite fast. */
const RUNS = Number(process.env.SOCKET_KIT_PROPERTY_RUNS ?? 150);

const cache = new Map<string, Promise<Map<string, Verdict>>>();

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
  if (!p) cache.set(dir, (p = verdicts(slug, dir)));
  const v = (await p).get(name);
  if (!v) throw new Error(`the driver has no property '${name}' for ${slug}`);
  if (!v.ok) {
    const replay = `npx tsx ${shownPath(DRIVER)} --lab ${slug} --dir ${shownPath(dir)} --seed ${v.seed}`;
    throw new LabFailure(`${claim}: false. Smallest failing case found (of ${v.runs} tried):\n  ${v.failure}\n  Run just these properties again, same cases: ${replay}`);
  }
}

// `autograde merge DIR... --out DIR`: the outputs of `--shard K/N` runs (each
// machine's --out folder) combined into the one gradebook and feedback set a
// single run of the whole class gives. Only whole sets merge: every shard of
// one class, graded by one kit version with the same labs, each finished.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findLab } from '../course.ts';
import { GRADEBOOK, Refusal, openOutput, readMeta, readRecords, saveRecord, writeViews, type Existing, type RunMeta, type StudentRecord } from './run-store.ts';

export interface Merged {
  gradebook: string;
  students: number;
  shards: number;
}

export function mergeRuns(dirs: string[], out: string, existing: Exclude<Existing, 'resume'> = 'refuse'): Merged {
  if (dirs.length === 0) throw new Refusal('merge: name the output folders of the shards, as in: autograde merge shards/* --out grades');
  const outAbs = path.resolve(out);
  const runs = dirs.map((d) => {
    const dir = path.resolve(d);
    if (dir === outAbs) throw new Refusal(`merge: --out ${out} is also one of the folders to merge: choose another --out`);
    const meta = readMeta(dir);
    if (!meta) throw new Refusal(`merge: ${d} has no run.json${existsSync(dir) ? '' : ' (no such folder)'}: name the --out folders of \`autograde --shard K/N\` runs`);
    return { dir, meta };
  });
  const first = runs[0]!.meta;
  const n = first.shard?.count ?? 1;
  for (const { dir, meta } of runs) {
    const differs = (what: string, a: unknown, b: unknown) => {
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        throw new Refusal(`merge: ${dir} ${what} (${JSON.stringify(b)}) differs from ${runs[0]!.dir}'s (${JSON.stringify(a)}): only shards of one run merge`);
      }
    };
    differs('graded another class or class list', first.classDigest, meta.classDigest);
    differs('graded other labs', first.labs, meta.labs);
    differs("has another kit version (grades from different tests don't mix)", first.kit, meta.kit);
    differs('was graded with hidden tests set otherwise', first.hidden, meta.hidden);
    differs('has another number of shards', n, meta.shard?.count ?? 1);
  }
  // Every shard exactly once, each finished.
  const byIndex = new Map<number, (typeof runs)[number]>();
  for (const r of runs) {
    const k = r.meta.shard?.index ?? 1;
    if (byIndex.has(k)) throw new Refusal(`merge: shard ${k}/${n} is named twice (${byIndex.get(k)!.dir} and ${r.dir})`);
    byIndex.set(k, r);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length) throw new Refusal(`merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} missing: every shard's output is needed`);

  const records = new Map<string, StudentRecord>();
  const roster: string[] = [];
  for (let k = 1; k <= n; k++) {
    const { dir, meta } = byIndex.get(k)!;
    const mine = readRecords(dir);
    const notYet = meta.roster.filter((s) => !mine.has(s) || mine.get(s)!.kit !== meta.kit);
    if (notYet.length) {
      throw new Refusal(
        `merge: shard ${k}/${n} (${dir}) is not finished: ${meta.roster.length - notYet.length} of ${meta.roster.length} students graded ` +
          `(not: ${notYet.slice(0, 5).join(', ')}${notYet.length > 5 ? ', …' : ''}). Finish it with \`autograde --shard ${k}/${n} --resume --out ${dir}\` and the same other options.`,
      );
    }
    for (const s of meta.roster) {
      if (records.has(s)) throw new Refusal(`merge: ${s} is in two shards: were the shards graded from different copies of the class?`);
      records.set(s, mine.get(s)!);
      roster.push(s);
    }
  }
  if (roster.length !== first.classSize) throw new Refusal(`merge: the shards hold ${roster.length} students, the class ${first.classSize}`);

  const { shard: _, ...rest } = first;
  const meta: RunMeta = { ...rest, roster, complete: true };
  const labs = meta.labs.map(findLab);
  openOutput(outAbs, existing, meta);
  for (const s of roster) saveRecord(outAbs, records.get(s)!, meta);
  writeViews(outAbs, meta, records, labs);
  return { gradebook: path.join(outAbs, GRADEBOOK), students: roster.length, shards: n };
}

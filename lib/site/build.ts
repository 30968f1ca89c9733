// The static copy of the course: every page written to a folder an instructor
// can host anywhere (or open from disk). Any problem with the lessons fails
// the build, so a broken link never reaches students.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSite, describeProblems, type SiteSource } from './site.ts';

export class SiteBuildError extends Error {}

export function writeStaticSite(outDir: string, src: SiteSource): number {
  const { pages, problems } = buildSite(src);
  if (problems.length) {
    throw new SiteBuildError(`The course site was not built: ${problems.length} problem${problems.length === 1 ? '' : 's'} to fix first.\n${describeProblems(problems)}`);
  }
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !existsSync(path.join(outDir, 'assets', 'site.css'))) {
    throw new SiteBuildError(`${outDir} is not empty and is not an earlier build of the site: choose another --out folder.`);
  }
  rmSync(outDir, { recursive: true, force: true });
  for (const [key, page] of pages) {
    const file = path.join(outDir, ...key.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, page.body);
  }
  return pages.size;
}

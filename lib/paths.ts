// Where the kit lives on disk. Everything else resolves paths from here, so the
// kit works from any working directory (an instructor grading elsewhere, say).
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

export const KIT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The tsx loader, by absolute URL so student programs outside the kit still run. */
export const TSX_LOADER = pathToFileURL(path.join(KIT_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** Per-user state: remembered grades, hints seen. Never committed. */
export const STATE_DIR = path.join(KIT_ROOT, '.socket-kit');

export const kitPath = (...parts: string[]) => path.join(KIT_ROOT, ...parts);

/** A path as a student should read it: relative to the kit when inside it. */
export function shownPath(p: string): string {
  const rel = path.relative(KIT_ROOT, p);
  return rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

// Starting a lab program through tsx costs ~0.2 s of CPU (loading tsx itself),
// plain node ~0.05 s, and a test run starts hundreds of programs. So each
// program is bundled once by esbuild (the compiler tsx uses) into a private
// cache and run on plain node, with a source map so a crash still names the .ts
// line. A bundle is reused only while every file it was built from is
// unchanged. A file esbuild cannot compile (a syntax error, an import of a file
// that is not there) is a LabFailure naming the file, line and column, with the
// line itself: the program is never started. An import of a package returns
// undefined, and the program runs through tsx as a student runs it.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { shownPath, TSX_LOADER } from '../paths.ts';
import { LabFailure } from './failure.ts';
import { privateTmpDir } from './private-dir.ts';

type Esbuild = typeof import('esbuild');
let esbuild: Esbuild | undefined;
const compiler = () => (esbuild ??= createRequire(fileURLToPath(TSX_LOADER))('esbuild') as Esbuild);

/** Owner-only: bundles of the reference solutions must not be readable by other users (private-dir.ts). */
const cacheDir = () => privateTmpDir('socket-kit-bundles');

/** Why a program could not be bundled: a syntax error (file:line:column and the line), or, under the sandbox, which has no tsx to fall back on, a package import. */
export class BundleError extends LabFailure {}

interface Stamp {
  inputs: [file: string, mtimeMs: number, size: number][];
}

function fresh(stampFile: string): boolean {
  try {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as Stamp;
    return stamp.inputs.every(([f, mtime, size]) => {
      const s = statSync(f);
      return s.mtimeMs === mtime && s.size === size;
    });
  } catch {
    return false;
  }
}

/** Line `line` of a file and a caret under column `column` (1-based line, 0-based column, as esbuild counts), or ''. */
export function sourceExcerpt(file: string, line: number, column: number, lineText?: string): string {
  let text = lineText;
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8').split('\n')[line - 1];
    } catch {
      return '';
    }
  }
  if (text === undefined) return '';
  const n = String(line);
  return `${n} | ${text.replace(/\t/g, ' ')}\n${' '.repeat(n.length)} | ${' '.repeat(Math.max(0, column))}^`;
}

interface BuildMessage {
  text: string;
  location: { file: string; line: number; column: number; lineText: string } | null;
}

/** esbuild's errors, as a student reads them: file:line:column, the message, the line and a caret. */
function compileFailure(file: string, errors: BuildMessage[]): BundleError {
  const shown = errors.slice(0, 5).map((e) => {
    if (!e.location) return `  ${e.text}`;
    const where = path.resolve(e.location.file);
    return `  ${shownPath(where)}:${e.location.line}:${e.location.column + 1}: ${e.text}\n` +
      sourceExcerpt(where, e.location.line, e.location.column, e.location.lineText).split('\n').map((l) => `    ${l}`).join('\n');
  });
  const more = errors.length > 5 ? `\n  … and ${errors.length - 5} more` : '';
  return new BundleError(`${shownPath(file)} does not compile, so it was not started:\n${shown.join('\n')}${more}`);
}

/**
 * The path of a runnable bundle of `file` (an absolute .ts path), or undefined
 * to run it through tsx. `beside`: write it next to the source instead of the
 * cache (the instructor's sandbox: its private copies, readable by the
 * student's uid, which the owner-only cache is not). `rebuild`: ignore a
 * bundle already there (it may have come with the copy). `strict`: throw a
 * BundleError with the compiler's message instead of returning undefined.
 */
export function bundledEntry(file: string, opts: { beside?: boolean; strict?: boolean; rebuild?: boolean } = {}): string | undefined {
  const key = createHash('sha1').update(file).digest('hex').slice(0, 16);
  const dir = opts.beside ? path.dirname(file) : cacheDir();
  if (!dir) return undefined;
  const name = opts.beside ? `.${path.basename(file, '.ts')}.ts.socket-kit` : key;
  const out = path.join(dir, `${name}.mjs`);
  const stampFile = path.join(dir, `${name}.json`);
  if (!opts.rebuild && fresh(stampFile)) return out;
  try {
    const url = JSON.stringify(pathToFileURL(file).href);
    const result = compiler().buildSync({
      entryPoints: [file],
      outfile: out, // not written (write: false), but the source map's paths are relative to it
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      write: false,
      metafile: true,
      logLevel: 'silent',
      // The bundle lives in the cache; the program should still see where its source is.
      define: { 'import.meta.url': url, 'import.meta.filename': JSON.stringify(file), 'import.meta.dirname': JSON.stringify(path.dirname(file)) },
    });
    const meta = Object.values(result.metafile.outputs)[0]!;
    // A package would be looked up from the cache folder, not the lab's: leave that to tsx.
    const pkg = meta.imports.find((i) => i.external && !isBuiltin(i.path));
    if (pkg && opts.strict) throw new BundleError(`${path.basename(file)} imports the package '${pkg.path}': a lab program may import only Node's own modules (node:...) and files of its folder.`);
    if (pkg) return undefined;
    const inputs: Stamp['inputs'] = Object.keys(result.metafile.inputs).map((rel) => {
      const abs = path.resolve(rel);
      const s = statSync(abs);
      return [abs, s.mtimeMs, s.size];
    });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Written aside and renamed: parallel test workers may build the same program at once.
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, result.outputFiles[0]!.contents);
    renameSync(tmp, out);
    writeFileSync(`${stampFile}.${process.pid}.tmp`, JSON.stringify({ inputs } satisfies Stamp));
    renameSync(`${stampFile}.${process.pid}.tmp`, stampFile);
    return out;
  } catch (err) {
    if (err instanceof BundleError) throw err;
    const errors = (err as { errors?: BuildMessage[] }).errors;
    if (errors?.length) throw compileFailure(file, errors);
    // Something else went wrong with the bundler: tsx runs the program as the student runs it (not under the sandbox, which has no tsx).
    if (opts.strict) throw new BundleError(`${shownPath(file)} could not be compiled: ${(err as Error).message}`);
    return undefined;
  }
}

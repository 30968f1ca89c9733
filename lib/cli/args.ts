// Argument parsing for the kit's commands: positionals and --flags, a usage
// error a person can act on (exit 2), --help (exit 0), and the lab to work on.
import { parseArgs } from 'node:util';
import { labs, resolveLabs, type Lab } from '../course.ts';
import { nextLab } from '../course-map.ts';

export function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>>(
  argv: string[],
  options: T,
  usage: string,
) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`${(e as Error).message}\n\nUsage: ${usage}`);
    process.exit(2);
  }
  // Every command declares --help; it prints the usage and stops here.
  if ((parsed.values as Record<string, unknown>).help === true) {
    console.log(`Usage: ${usage}`);
    process.exit(0);
  }
  return parsed;
}

/** A usage mistake: say what is wrong and how the command is used, then exit 2. */
export function usageError(usage: string, why?: string): never {
  console.error(`${why ? `${why}\n\n` : ''}Usage: ${usage}`);
  process.exit(2);
}

/** The lab a command names, else the first one not yet at full marks. Exits 2 on a word that is no lab. */
export function chosenLab(positionals: string[]): Lab {
  try {
    return positionals.length ? resolveLabs(positionals.slice(0, 1))[0]! : (nextLab()?.lab ?? labs()[0]!);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}

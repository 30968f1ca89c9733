// A small argument parser for the kit's commands: positionals and --flags,
// with a usage error a person can act on.
import { parseArgs } from 'node:util';

export function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(
  argv: string[],
  options: T,
  usage: string,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`${(e as Error).message}\n\nUsage: ${usage}`);
    process.exit(2);
  }
}

// Where the student tools keep what they remember between runs (hints seen,
// reset backups, talk history): the same per-user state folder as the grades,
// .socket-kit/ in the kit, or $SOCKET_KIT_STATE (tests point it at a temp dir).
import path from 'node:path';
import { STATE_DIR } from '../paths.ts';

export function stateDir(): string {
  return process.env.SOCKET_KIT_STATE ? path.resolve(process.env.SOCKET_KIT_STATE) : STATE_DIR;
}

export const statePath = (...parts: string[]) => path.join(stateDir(), ...parts);

/** The two-digit number a student types for a lab: `07` for `07-pop3-...`. */
export const labNumber = (slug: string) => slug.slice(0, 2);

// Accounts: MAIL_ROOT/passwd holds `user:password` lines, and each user's
// maildrop is MAIL_ROOT/<user>. A user name never leaves the mail root.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * A name that is one plain path component: no "/", no leading "." (so no "..",
 * no hidden folders), no control bytes or spaces. `../etc` and `a/b` fail.
 */
export function validUserName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._@+=-]{0,63}$/.test(name);
}

/** The user's Maildir, or undefined if the name could lead outside the mail root. */
export function maildropDir(mailRoot: string, user: string): string | undefined {
  if (!validUserName(user)) return undefined;
  const root = path.resolve(mailRoot);
  const dir = path.resolve(root, user);
  // Belt and braces: the resolved path must sit directly inside the root.
  return path.dirname(dir) === root ? dir : undefined;
}

interface PasswdCache {
  file: string;
  mtimeMs: number;
  size: number;
  users: Map<string, string>;
}
let cache: PasswdCache | undefined;

/**
 * `user:password` per line; blank lines and `#` comments skipped. Extra
 * `:fields` after the password are ignored and `{PLAIN}` is understood, so the
 * same file also serves Dovecot's passwd-file driver.
 */
export function parsePasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim() || line.startsWith('#')) continue;
    const [user, pass] = line.split(':');
    if (!user || pass === undefined || users.has(user)) continue;
    users.set(user, pass.startsWith('{PLAIN}') ? pass.slice('{PLAIN}'.length) : pass);
  }
  return users;
}

/** The password of `user`, re-reading MAIL_ROOT/passwd when it changes; undefined if none. */
export async function passwordOf(mailRoot: string, user: string): Promise<string | undefined> {
  if (!validUserName(user)) return undefined;
  const file = path.join(mailRoot, 'passwd');
  let st;
  try {
    st = await stat(file);
  } catch {
    return undefined; // no passwd file: nobody can log in
  }
  if (!cache || cache.file !== file || cache.mtimeMs !== st.mtimeMs || cache.size !== st.size) {
    cache = { file, mtimeMs: st.mtimeMs, size: st.size, users: parsePasswd(await readFile(file, 'utf8')) };
  }
  return cache.users.get(user);
}

/** Compare secrets in time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** RFC 1939 §7: the APOP digest is MD5(timestamp + secret), in lower-case hex. */
export function apopDigest(timestamp: string, password: string): string {
  throw new Error(`TODO: apopDigest() in labs/mail/accounts.ts (extensions lab): MD5 of ${timestamp} and a password of ${password.length} characters, in lower-case hex`);
}

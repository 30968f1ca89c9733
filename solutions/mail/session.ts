// One POP3 session as a state machine: a command line in, a reply out. It
// knows nothing of sockets, so a TCP connection, --stdio and a unit test all
// drive it the same way. RFC 1939: https://www.rfc-editor.org/rfc/rfc1939
// @stage pop3-authorization
// @starter
// // Your work, lab by lab (each TODO names its lab): the authorization lab writes
// // greeting(), handle(), user(), pass() and quit(); the transaction lab the
// // TRANSACTION commands and UPDATE; the extensions lab UIDL, TOP, CAPA and APOP;
// // the robustness lab refuse(). The state table below is complete from the start.
// // Run:   npx tsx labs/mail/server.ts --port 1110 --mail-root DIR   (then `npm run talk -- 1110`)
// // Try:   npx tsx labs/mail/server.ts --stdio --mail-root DIR
// @end
//
//   state          commands
//   AUTHORIZATION  USER, PASS, APOP, QUIT, CAPA
//   TRANSACTION    STAT, LIST, RETR, DELE, NOOP, RSET, TOP, UIDL, QUIT, CAPA
//   UPDATE         (entered by QUIT from TRANSACTION; removes what DELE marked, then the session ends)
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { apopDigest, maildropDir, passwordOf, sameSecret, validUserName } from './accounts.ts';
import type { Input } from './line-reader.ts';
import type { MaildropLocks } from './lock.ts';
import { Maildrop, messageBody, type Message } from './maildrop.ts';

export type State = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

/** A reply: its status line (no CRLF), a multi-line body (already byte-stuffed, no "."), and whether the session ends. */
export interface Reply {
  line: string;
  body?: Iterable<Buffer> | AsyncIterable<Buffer>;
  close?: boolean;
}

export interface SessionOptions {
  mailRoot: string;
  locks: MaildropLocks;
  /** The client's address, for the log ("127.0.0.1:50412"). */
  peer?: string;
  /** Where the server logs (stderr). */
  log?(message: string): void;
}

/** A refused login is answered no sooner than this after it was made: each guess costs the guesser a second. */
export const REFUSE_DELAY_MS = 1000;
/** Refusals to one address are answered at least this far apart: five guesses a second, however many connections it opens. */
export const REFUSE_SPACING_MS = 200;
/** The refusal that closes the session: a guesser must reconnect every few tries. */
export const MAX_REFUSALS = 3;
/** When the last refusal to each client address is due, for every session of this process. */
const lastRefusalAt = new Map<string, number>();

/**
 * RFC 2449 §5 CAPA: only what this server does. AUTH-RESP-CODE (RFC 3206 §6)
 * promises "[AUTH]" on a refused login; RESP-CODES (RFC 2449 §8) promises the
 * codes of §8.1 ([IN-USE], [LOGIN-DELAY]) and RFC 3206's [SYS/TEMP]. No
 * LOGIN-DELAY capability (none is enforced) and no EXPIRE (no retention policy).
 */
// @stage pop3-extensions
const CAPABILITIES = ['TOP', 'UIDL', 'USER', 'PIPELINING', 'RESP-CODES', 'AUTH-RESP-CODE', 'IMPLEMENTATION Socket-Kit'];
// @starter
// const CAPABILITIES: string[] = []; // TODO (extensions lab): what this server does, one capability a line
// @end

/** The reply to a refused login. With AUTH-RESP-CODE it starts with "[AUTH]": the credentials were wrong (RFC 3206 §5). */
// @stage pop3-extensions
const REFUSED = '[AUTH] invalid user name or password';
// @starter
// const REFUSED = 'invalid user name or password'; // TODO (extensions lab): say why, with a response code
// @end

const ok = (text = ''): Reply => ({ line: text ? `+OK ${text}` : '+OK' });
const err = (text: string): Reply => ({ line: `-ERR ${text}` });
const lines = (items: string[]): Buffer[] => (items.length ? [Buffer.from(items.join('\r\n') + '\r\n', 'latin1')] : []);

type Args = string[];
interface Command {
  states: State[];
  /** Allowed argument counts; 'rest' passes the whole rest of the line as one argument (PASS: spaces allowed). */
  args: [min: number, max: number] | 'rest';
  usage: string;
  run(s: Session, a: Args): Reply | Promise<Reply>;
}

const AUTH: State[] = ['AUTHORIZATION'];
const TRANS: State[] = ['TRANSACTION'];

/** The state table: every command, the states it is valid in, its arguments and its handler. */
const COMMANDS: Record<string, Command> = {
  USER: { states: AUTH, args: [1, 1], usage: 'USER name', run: (s, a) => s.user(a[0]!) },
  PASS: { states: AUTH, args: 'rest', usage: 'PASS password', run: (s, a) => s.pass(a[0]!) },
  APOP: { states: AUTH, args: [2, 2], usage: 'APOP name digest', run: (s, a) => s.apop(a[0]!, a[1]!) },
  CAPA: { states: ['AUTHORIZATION', 'TRANSACTION'], args: [0, 0], usage: 'CAPA', run: (s) => s.capa() },
  QUIT: { states: ['AUTHORIZATION', 'TRANSACTION'], args: [0, 0], usage: 'QUIT', run: (s) => s.quit() },
  STAT: { states: TRANS, args: [0, 0], usage: 'STAT', run: (s) => s.stat() },
  LIST: { states: TRANS, args: [0, 1], usage: 'LIST [msg]', run: (s, a) => s.list(a[0]) },
  RETR: { states: TRANS, args: [1, 1], usage: 'RETR msg', run: (s, a) => s.retr(a[0]!) },
  DELE: { states: TRANS, args: [1, 1], usage: 'DELE msg', run: (s, a) => s.dele(a[0]!) },
  NOOP: { states: TRANS, args: [0, 0], usage: 'NOOP', run: () => ok() },
  RSET: { states: TRANS, args: [0, 0], usage: 'RSET', run: (s) => s.rset() },
  TOP: { states: TRANS, args: [2, 2], usage: 'TOP msg n', run: (s, a) => s.top(a[0]!, a[1]!) },
  UIDL: { states: TRANS, args: [0, 1], usage: 'UIDL [msg]', run: (s, a) => s.uidl(a[0]) },
};

/** Show a keyword from the client in a reply: printable, short. */
function shown(word: string): string {
  const clean = word.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 20 ? clean.slice(0, 20) + '...' : clean;
}

let sessions = 0;
const HOSTNAME = os.hostname();

/** RFC 1939 §7: the APOP timestamp, a msg-id (<process-id.clock-or-counter@hostname>) new for every greeting. */
function apopTimestamp(): string {
  // @stage pop3-extensions
  return `<${process.pid}.${++sessions}.${randomBytes(6).toString('hex')}@${HOSTNAME}>`;
  // @starter
  // return ''; // TODO (extensions lab): a new timestamp for every greeting; '' until then, so greetings work
  // @end
}

export class Session {
  state: State = 'AUTHORIZATION';
  /** RFC 1939 §7: the timestamp of this session's greeting, for APOP. */
  readonly timestamp = apopTimestamp();
  private userName: string | undefined; // named by USER, waiting for PASS
  private refusals = 0; // logins refused in this session
  private maildir: string | undefined; // locked while set
  private drop: Maildrop | undefined;

  constructor(private readonly opts: SessionOptions) {}

  /** The first line the server sends: "+OK", a few words for humans, and (from the extensions lab on) the APOP timestamp. */
  greeting(): string {
    // @stage pop3-authorization
    return `+OK Socket Kit POP3 server ready ${this.timestamp}`.trimEnd();
    // @starter
    // throw new Error('TODO: greeting() in labs/mail/session.ts (authorization lab): return the "+OK ..." greeting line');
    // @end
  }

  /**
   * The one entry point: split the line into a keyword (case-insensitive) and
   * arguments, look it up in COMMANDS, check the state and the argument count,
   * then run the command's handler. Anything wrong is "-ERR ..." and the
   * session goes on. (`{ tooLong: true }` is a line over 255 octets: -ERR too.)
   */
  async handle(input: Input): Promise<Reply> {
    // @stage pop3-authorization
    if ('tooLong' in input) return err('command line too long (the limit is 255 octets, CRLF included)');
    const line = input.line;
    const space = line.indexOf(' ');
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const rest = space < 0 ? '' : line.slice(space + 1);
    const cmd = Object.hasOwn(COMMANDS, keyword) ? COMMANDS[keyword] : undefined;
    if (!cmd) return err(keyword ? `unknown command "${shown(keyword)}"` : 'empty command');
    if (!cmd.states.includes(this.state)) {
      return err(this.state === 'AUTHORIZATION' ? `log in first: ${keyword} is valid only after USER/PASS` : `${keyword} is not valid once logged in`);
    }
    let args: Args;
    if (cmd.args === 'rest') {
      if (!rest) return err(`usage: ${cmd.usage}`);
      args = [rest];
    } else {
      args = rest.split(' ').filter(Boolean);
      if (args.length < cmd.args[0] || args.length > cmd.args[1]) return err(`usage: ${cmd.usage}`);
    }
    return cmd.run(this, args);
    // @starter
    // throw new Error(`TODO: handle() in labs/mail/session.ts (authorization lab): dispatch ${JSON.stringify(input)} through COMMANDS (state ${this.state}; ${shown.name}() shows a keyword safely)`);
    // @end
  }

  /** The reply to a command that failed inside the server; `detail` is an unfinished lab's TODO (or ''). */
  internalError(detail: string): string {
    return `-ERR [SYS/TEMP] internal server error${detail ? `: ${detail}` : ''}`;
  }

  /** The connection is gone (dropped, timed out, server stopping): release the maildrop, remove nothing. */
  end(): void {
    if (this.maildir) this.opts.locks.unlock(this.maildir);
    this.maildir = undefined;
    this.drop = undefined;
  }

  // ---- AUTHORIZATION (RFC 1939 §4, §7) ----------------------------------------

  /** USER name: remember a valid name (validUserName) and say +OK; -ERR for a name that is not one. */
  user(name: string): Reply {
    // @stage pop3-authorization
    if (!validUserName(name)) return err('invalid user name');
    this.userName = name;
    return ok(`send PASS for ${name}`);
    // @starter
    // throw new Error(`TODO: user() in labs/mail/session.ts (authorization lab): USER ${name}`);
    // @end
  }

  /**
   * PASS password: after USER, check the password (passwordOf, sameSecret); on
   * success log in (this.login()). Otherwise forget the name, stay in
   * AUTHORIZATION and answer with this.refuse(REFUSED, name).
   */
  async pass(password: string): Promise<Reply> {
    // @stage pop3-authorization
    const name = this.userName;
    this.userName = undefined; // a failed PASS starts over at USER
    if (name === undefined) return err('send USER first');
    // The line was read byte for byte (latin1); passwd is UTF-8.
    const given = Buffer.from(password, 'latin1').toString('utf8');
    const expected = await passwordOf(this.opts.mailRoot, name);
    if (expected === undefined || !sameSecret(given, expected)) return this.refuse(REFUSED, name);
    return this.login(name);
    // @starter
    // throw new Error(`TODO: pass() in labs/mail/session.ts (authorization lab): PASS of ${password.length} characters`);
    // @end
  }

  /** APOP name digest: log in when digest is apopDigest(this.timestamp, password); otherwise refuse(), as PASS does. */
  async apop(name: string, digest: string): Promise<Reply> {
    // @stage pop3-extensions
    this.userName = undefined;
    const secret = await passwordOf(this.opts.mailRoot, name);
    if (secret === undefined || !sameSecret(digest.toLowerCase(), apopDigest(this.timestamp, secret))) return this.refuse(REFUSED, name);
    return this.login(name);
    // @starter
    // throw new Error(`TODO: apop() in labs/mail/session.ts (extensions lab): APOP ${name} ${digest}`);
    // @end
  }

  /**
   * A login is refused: the -ERR reply, slowly. Log it (opts.log, with the
   * user and opts.peer), answer no sooner than REFUSE_DELAY_MS from now and
   * REFUSE_SPACING_MS after the last refusal to the same address (on any
   * connection), and close the session (close: true) at its MAX_REFUSALS-th.
   */
  private async refuse(why: string, user?: string): Promise<Reply> {
    // @stage pop3-robustness
    this.refusals++;
    this.opts.log?.(`login refused${user ? ` for ${shown(user)}` : ''}${this.opts.peer ? ` from ${this.opts.peer}` : ''} (${this.refusals} in this session)`);
    const now = Date.now();
    const from = (this.opts.peer ?? '').replace(/:\d+$/, ''); // the address, not the port: a new connection is the same guesser
    const at = Math.max(now + REFUSE_DELAY_MS, (lastRefusalAt.get(from) ?? 0) + REFUSE_SPACING_MS);
    lastRefusalAt.set(from, at);
    if (lastRefusalAt.size > 10_000) for (const [k, v] of lastRefusalAt) if (v < now) lastRefusalAt.delete(k); // forget the past
    await new Promise((resolve) => setTimeout(resolve, at - now));
    if (this.refusals >= MAX_REFUSALS) return { line: `-ERR ${why}; too many failures, goodbye`, close: true };
    return err(why);
    // @starter
    // return err(why); // TODO (robustness lab): log it, slow it down, and hang up on a guesser
    // @end
  }

  /** Lock the maildrop, read it, enter TRANSACTION. */
  private async login(name: string): Promise<Reply> {
    const dir = maildropDir(this.opts.mailRoot, name);
    if (!dir) return this.refuse(REFUSED, name);
    let locked: boolean;
    try {
      locked = this.opts.locks.tryLock(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      locked = false;
      // The Maildir folder is missing: create it below, then lock.
      try {
        await Maildrop.open(dir);
        locked = this.opts.locks.tryLock(dir);
      } catch (e) {
        return err(`[SYS/TEMP] cannot open the maildrop: ${(e as Error).message}`);
      }
    }
    if (!locked) return err('[IN-USE] the maildrop is in use by another session; try again later');
    try {
      this.drop = await Maildrop.open(dir);
    } catch (e) {
      this.opts.locks.unlock(dir);
      return err(`[SYS/TEMP] cannot read the maildrop: ${(e as Error).message}`);
    }
    this.maildir = dir;
    this.state = 'TRANSACTION';
    const { count, octets } = this.drop.stat();
    return ok(`${name}'s maildrop has ${count} message${count === 1 ? '' : 's'} (${octets} octets)`);
  }

  // ---- CAPA (RFC 2449 §5), in both states -------------------------------------

  /** CAPA: "+OK", then one capability per line (a multi-line reply): only what this server really does. */
  capa(): Reply {
    // @stage pop3-extensions
    return { line: '+OK capability list follows', body: lines(CAPABILITIES) };
    // @starter
    // throw new Error('TODO: capa() in labs/mail/session.ts (extensions lab)');
    // @end
  }

  // ---- TRANSACTION (RFC 1939 §5, §7) ------------------------------------------

  private get maildrop(): Maildrop {
    if (!this.drop) throw new Error('no maildrop in TRANSACTION state'); // a bug, not a client error
    return this.drop;
  }

  /** A message number from the client ("1" to the count, not marked deleted): the message, or the text for "-ERR". */
  private message(arg: string): Message | string {
    // @stage pop3-transaction
    if (!/^\d{1,9}$/.test(arg)) return `"${shown(arg)}" is not a message number`;
    const n = Number(arg);
    const m = this.maildrop.messages[n - 1];
    if (n < 1 || !m) return `no such message, only ${this.maildrop.messages.length} in the maildrop`;
    if (m.deleted) return `message ${n} already deleted`;
    return m;
    // @starter
    // throw new Error(`TODO: message() in labs/mail/session.ts (transaction lab): turn "${arg}" into a message or an -ERR text`);
    // @end
  }

  /** STAT: "+OK <count> <octets>" over the messages not marked deleted. */
  stat(): Reply {
    // @stage pop3-transaction
    const { count, octets } = this.maildrop.stat();
    return ok(`${count} ${octets}`);
    // @starter
    // throw new Error('TODO: stat() in labs/mail/session.ts (transaction lab)');
    // @end
  }

  /** LIST: "+OK ..." and a line "<n> <size>" per message (a multi-line reply); LIST n: "+OK <n> <size>". */
  list(arg: string | undefined): Reply {
    // @stage pop3-transaction
    if (arg !== undefined) {
      const m = this.message(arg);
      return typeof m === 'string' ? err(m) : ok(`${Number(arg)} ${m.size}`);
    }
    const { count, octets } = this.maildrop.stat();
    const body = lines(this.maildrop.live().map(({ n, msg }) => `${n} ${msg.size}`));
    return { line: `+OK ${count} message${count === 1 ? '' : 's'} (${octets} octets)`, body };
    // @starter
    // throw new Error(`TODO: list() in labs/mail/session.ts (transaction lab): LIST ${arg ?? ''}`);
    // @end
  }

  /** UIDL: "+OK" and a line "<n> <uid>" per message not deleted (multi-line); UIDL n: "+OK <n> <uid>". */
  uidl(arg: string | undefined): Reply {
    // @stage pop3-extensions
    if (arg !== undefined) {
      const m = this.message(arg);
      return typeof m === 'string' ? err(m) : ok(`${Number(arg)} ${m.uid}`);
    }
    return { line: '+OK unique-id listing follows', body: lines(this.maildrop.live().map(({ n, msg }) => `${n} ${msg.uid}`)) };
    // @starter
    // throw new Error(`TODO: uidl() in labs/mail/session.ts (extensions lab): UIDL ${arg ?? ''}`);
    // @end
  }

  /** RETR n: "+OK <size> octets", then the message as messageBody() sends it (the connection adds the "."). */
  async retr(arg: string): Promise<Reply> {
    // @stage pop3-transaction
    const m = this.message(arg);
    if (typeof m === 'string') return err(m);
    const fh = await this.maildrop.openMessage(m);
    if (!fh) return err(`[SYS/TEMP] message ${Number(arg)} is no longer in the maildrop`);
    return { line: `+OK ${m.size} octets`, body: messageBody(fh, m.fileSize) };
    // @starter
    // throw new Error(`TODO: retr() in labs/mail/session.ts (transaction lab): RETR ${arg}`);
    // @end
  }

  /** TOP msg n: "+OK", then the headers, the blank line and n body lines: messageBody(fh, size, n). */
  async top(arg: string, linesArg: string): Promise<Reply> {
    // @stage pop3-extensions
    const m = this.message(arg);
    if (typeof m === 'string') return err(m);
    if (!/^\d{1,9}$/.test(linesArg)) return err(`"${shown(linesArg)}" is not a number of lines`);
    const fh = await this.maildrop.openMessage(m);
    if (!fh) return err(`[SYS/TEMP] message ${Number(arg)} is no longer in the maildrop`);
    return { line: '+OK top of message follows', body: messageBody(fh, m.fileSize, Number(linesArg)) };
    // @starter
    // throw new Error(`TODO: top() in labs/mail/session.ts (extensions lab): TOP ${arg} ${linesArg}`);
    // @end
  }

  /** DELE n: mark the message deleted (nothing leaves the disk until UPDATE). */
  dele(arg: string): Reply {
    // @stage pop3-transaction
    const m = this.message(arg);
    if (typeof m === 'string') return err(m);
    m.deleted = true; // only marked: UPDATE removes it (RFC 1939 §6)
    return ok(`message ${Number(arg)} deleted`);
    // @starter
    // throw new Error(`TODO: dele() in labs/mail/session.ts (transaction lab): DELE ${arg}`);
    // @end
  }

  /** RSET: unmark every message marked deleted in this session. */
  rset(): Reply {
    // @stage pop3-transaction
    for (const m of this.maildrop.messages) m.deleted = false;
    const { count, octets } = this.maildrop.stat();
    return ok(`maildrop has ${count} message${count === 1 ? '' : 's'} (${octets} octets)`);
    // @starter
    // throw new Error('TODO: rset() in labs/mail/session.ts (transaction lab)');
    // @end
  }

  // ---- QUIT and UPDATE (RFC 1939 §6) ------------------------------------------

  /** QUIT: from TRANSACTION, UPDATE (this.update()); from AUTHORIZATION just "+OK" and close (close: true). */
  async quit(): Promise<Reply> {
    // @stage pop3-authorization
    if (this.state === 'TRANSACTION') return this.update();
    this.end();
    return { line: '+OK Socket Kit POP3 server signing off', close: true };
    // @starter
    // throw new Error('TODO: quit() in labs/mail/session.ts (authorization lab)');
    // @end
  }

  /**
   * The UPDATE state: remove the messages marked deleted (Maildrop.removeDeleted),
   * release the maildrop (end()), then "+OK" (or "-ERR" if some could not be
   * removed) and close.
   */
  private async update(): Promise<Reply> {
    this.state = 'UPDATE';
    // @stage pop3-transaction
    const drop = this.maildrop;
    let failed: number;
    try {
      failed = await drop.removeDeleted();
    } finally {
      this.end();
    }
    const { count } = drop.stat();
    if (failed) return { line: `-ERR [SYS/TEMP] ${failed} deleted message${failed === 1 ? ' was' : 's were'} not removed`, close: true };
    return { line: `+OK Socket Kit POP3 server signing off (${count} message${count === 1 ? '' : 's'} left)`, close: true };
    // @starter
    // // TODO (transaction lab): remove what DELE marked. Until then nothing is marked, so: release and close.
    // this.end();
    // return { line: '+OK Socket Kit POP3 server signing off', close: true };
    // @end
  }
}

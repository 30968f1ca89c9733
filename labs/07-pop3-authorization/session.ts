// Lab 07 — one POP3 session as a state machine: a command line in, a reply
// out. Your task: the TODOs below. The socket side (server.ts, connection.ts)
// and the line framing (line-reader.ts) are done; they call greeting() once
// and handle() for every line. RFC 1939: https://www.rfc-editor.org/rfc/rfc1939
// Run:   npx tsx labs/07-pop3-authorization/server.ts --port 1110 --mail-root DIR
//        (DIR/passwd holds `user:password` lines), then `nc -C 127.0.0.1 1110`.
// Try:   npx tsx labs/07-pop3-authorization/server.ts --stdio --mail-root DIR
// Grade: npm run grade -- 07
//
//   state          commands
//   AUTHORIZATION  USER, PASS, QUIT
//   TRANSACTION    QUIT           (lab 08 adds STAT, LIST, RETR, DELE, NOOP, RSET)
import { maildropDir, passwordOf, sameSecret, validUserName } from './accounts.ts';
import type { Input } from './line-reader.ts';

export type State = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

/** A reply: its status line (no CRLF), a multi-line body (already byte-stuffed, no "."), and whether the session ends. */
export interface Reply {
  line: string;
  body?: Iterable<Buffer> | AsyncIterable<Buffer>;
  close?: boolean;
}

export interface SessionOptions {
  mailRoot: string;
}

const ok = (text = ''): Reply => ({ line: text ? `+OK ${text}` : '+OK' });
const err = (text: string): Reply => ({ line: `-ERR ${text}` });

type Args = string[];
interface Command {
  states: State[];
  /** Allowed argument counts; 'rest' passes the whole rest of the line as one argument (PASS: spaces allowed). */
  args: [min: number, max: number] | 'rest';
  usage: string;
  run(s: Session, a: Args): Reply | Promise<Reply>;
}

const AUTH: State[] = ['AUTHORIZATION'];

/** The state table: every command, the states it is valid in, its arguments and its handler. */
const COMMANDS: Record<string, Command> = {
  USER: { states: AUTH, args: [1, 1], usage: 'USER name', run: (s, a) => s.user(a[0]!) },
  PASS: { states: AUTH, args: 'rest', usage: 'PASS password', run: (s, a) => s.pass(a[0]!) },
  QUIT: { states: ['AUTHORIZATION', 'TRANSACTION'], args: [0, 0], usage: 'QUIT', run: (s) => s.quit() },
};

/** Show a keyword from the client in a reply: printable, short. */
function shown(word: string): string {
  const clean = word.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 20 ? clean.slice(0, 20) + '...' : clean;
}

export class Session {
  state: State = 'AUTHORIZATION';
  private userName: string | undefined; // named by USER, waiting for PASS
  private loggedIn: string | undefined;

  constructor(private readonly opts: SessionOptions) {}

  /** The first line the server sends: "+OK" and a few words for humans. */
  greeting(): string {
    throw new Error('TODO: greeting() in labs/07-pop3-authorization/session.ts: return the "+OK ..." greeting line');
  }

  /**
   * The one entry point: split the line into a keyword (case-insensitive) and
   * arguments, look it up in COMMANDS, check the state and the argument count,
   * then run the command's handler. Anything wrong is "-ERR ..." and the session goes on.
   * (`{ tooLong: true }` means the line was over 255 octets: reply -ERR and close.)
   */
  async handle(input: Input): Promise<Reply> {
    throw new Error(`TODO: handle() in labs/07-pop3-authorization/session.ts: dispatch ${JSON.stringify(input)} through COMMANDS (state ${this.state})`);
  }

  /** The connection is gone (dropped, or the server is stopping). */
  end(): void {
    this.loggedIn = undefined;
  }

  // ---- AUTHORIZATION (RFC 1939 §4, §7) ----------------------------------------

  /** USER name: remember a valid name (validUserName) and say +OK; -ERR for a name that is not one. */
  user(name: string): Reply {
    throw new Error(`TODO: user() in labs/07-pop3-authorization/session.ts (USER ${name})`);
  }

  /**
   * PASS password: after USER, check the password (passwordOf, sameSecret); on
   * success enter TRANSACTION with +OK. Otherwise -ERR, forget the name, stay in AUTHORIZATION.
   */
  async pass(password: string): Promise<Reply> {
    throw new Error(`TODO: pass() in labs/07-pop3-authorization/session.ts (PASS of ${password.length} characters)`);
  }

  // ---- QUIT (RFC 1939 §6) -----------------------------------------------------

  /** QUIT: +OK, and the session ends (close: true). */
  quit(): Reply {
    throw new Error('TODO: quit() in labs/07-pop3-authorization/session.ts');
  }
}

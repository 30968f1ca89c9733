// One POP3 session as a state machine: a command line in, a reply out. It
// knows nothing of sockets, so a TCP connection, --stdio and a unit test all
// drive it the same way. RFC 1939: https://www.rfc-editor.org/rfc/rfc1939
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

  greeting(): string {
    return '+OK Socket Kit POP3 server ready';
  }

  /** The one entry point: checks the state and the arguments, then dispatches to the command's handler. */
  async handle(input: Input): Promise<Reply> {
    if ('tooLong' in input) return { line: '-ERR command line too long (the limit is 255 octets, CRLF included)', close: true };
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
  }

  /** The connection is gone (dropped, or the server is stopping). */
  end(): void {
    this.loggedIn = undefined;
  }

  // ---- AUTHORIZATION (RFC 1939 §4, §7) ----------------------------------------

  user(name: string): Reply {
    if (!validUserName(name)) return err('invalid user name');
    this.userName = name;
    return ok(`send PASS for ${name}`);
  }

  async pass(password: string): Promise<Reply> {
    const name = this.userName;
    this.userName = undefined; // a failed PASS starts over at USER
    if (name === undefined) return err('send USER first');
    // The line was read byte for byte (latin1); passwd is UTF-8.
    const given = Buffer.from(password, 'latin1').toString('utf8');
    const expected = await passwordOf(this.opts.mailRoot, name);
    if (expected === undefined || !sameSecret(given, expected)) return err('invalid user name or password');
    if (!maildropDir(this.opts.mailRoot, name)) return err('invalid user name');
    this.loggedIn = name;
    this.state = 'TRANSACTION';
    return ok(`${name} logged in`);
  }

  // ---- QUIT (RFC 1939 §6) -----------------------------------------------------

  quit(): Reply {
    this.end();
    return { line: '+OK Socket Kit POP3 server signing off', close: true };
  }
}

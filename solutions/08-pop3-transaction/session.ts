// One POP3 session as a state machine: a command line in, a reply out. It
// knows nothing of sockets, so a TCP connection, --stdio and a unit test all
// drive it the same way. RFC 1939: https://www.rfc-editor.org/rfc/rfc1939
//
//   state          commands
//   AUTHORIZATION  USER, PASS, QUIT
//   TRANSACTION    STAT, LIST, RETR, DELE, NOOP, RSET, QUIT
//   UPDATE         (entered by QUIT from TRANSACTION; removes what DELE marked, then the session ends)
import { maildropDir, passwordOf, sameSecret, validUserName } from './accounts.ts';
import type { Input } from './line-reader.ts';
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
}

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
  QUIT: { states: ['AUTHORIZATION', 'TRANSACTION'], args: [0, 0], usage: 'QUIT', run: (s) => s.quit() },
  STAT: { states: TRANS, args: [0, 0], usage: 'STAT', run: (s) => s.stat() },
  LIST: { states: TRANS, args: [0, 1], usage: 'LIST [msg]', run: (s, a) => s.list(a[0]) },
  RETR: { states: TRANS, args: [1, 1], usage: 'RETR msg', run: (s, a) => s.retr(a[0]!) },
  DELE: { states: TRANS, args: [1, 1], usage: 'DELE msg', run: (s, a) => s.dele(a[0]!) },
  NOOP: { states: TRANS, args: [0, 0], usage: 'NOOP', run: () => ok() },
  RSET: { states: TRANS, args: [0, 0], usage: 'RSET', run: (s) => s.rset() },
};

/** Show a keyword from the client in a reply: printable, short. */
function shown(word: string): string {
  const clean = word.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 20 ? clean.slice(0, 20) + '...' : clean;
}

export class Session {
  state: State = 'AUTHORIZATION';
  private userName: string | undefined; // named by USER, waiting for PASS
  private drop: Maildrop | undefined;

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

  /** The connection is gone (dropped, or the server is stopping): remove nothing. */
  end(): void {
    this.drop = undefined;
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
    return this.login(name);
  }

  /** Read the maildrop as it is now, and enter TRANSACTION. */
  private async login(name: string): Promise<Reply> {
    const dir = maildropDir(this.opts.mailRoot, name);
    if (!dir) return err('invalid user name');
    try {
      this.drop = await Maildrop.open(dir);
    } catch (e) {
      return err(`cannot read the maildrop: ${(e as Error).message}`);
    }
    this.state = 'TRANSACTION';
    const { count, octets } = this.drop.stat();
    return ok(`${name}'s maildrop has ${count} message${count === 1 ? '' : 's'} (${octets} octets)`);
  }

  // ---- TRANSACTION (RFC 1939 §5, §7) ------------------------------------------

  private get maildrop(): Maildrop {
    if (!this.drop) throw new Error('no maildrop in TRANSACTION state'); // a bug, not a client error
    return this.drop;
  }

  /** A message number from the client: "-ERR" text, or the message. */
  private message(arg: string): Message | string {
    if (!/^\d{1,9}$/.test(arg)) return `"${shown(arg)}" is not a message number`;
    const n = Number(arg);
    const m = this.maildrop.messages[n - 1];
    if (n < 1 || !m) return `no such message, only ${this.maildrop.messages.length} in the maildrop`;
    if (m.deleted) return `message ${n} already deleted`;
    return m;
  }

  stat(): Reply {
    const { count, octets } = this.maildrop.stat();
    return ok(`${count} ${octets}`);
  }

  list(arg: string | undefined): Reply {
    if (arg !== undefined) {
      const m = this.message(arg);
      return typeof m === 'string' ? err(m) : ok(`${Number(arg)} ${m.size}`);
    }
    const { count, octets } = this.maildrop.stat();
    const body = lines(this.maildrop.live().map(({ n, msg }) => `${n} ${msg.size}`));
    return { line: `+OK ${count} message${count === 1 ? "" : "s"} (${octets} octets)`, body };
  }

  async retr(arg: string): Promise<Reply> {
    const m = this.message(arg);
    if (typeof m === 'string') return err(m);
    const fh = await this.maildrop.openMessage(m);
    if (!fh) return err(`message ${Number(arg)} is no longer in the maildrop`);
    return { line: `+OK ${m.size} octets`, body: messageBody(fh, m.fileSize) };
  }

  dele(arg: string): Reply {
    const m = this.message(arg);
    if (typeof m === 'string') return err(m);
    m.deleted = true; // only marked: UPDATE removes it (RFC 1939 §6)
    return ok(`message ${Number(arg)} deleted`);
  }

  rset(): Reply {
    for (const m of this.maildrop.messages) m.deleted = false;
    const { count, octets } = this.maildrop.stat();
    return ok(`maildrop has ${count} message${count === 1 ? '' : 's'} (${octets} octets)`);
  }

  // ---- QUIT and UPDATE (RFC 1939 §6) ------------------------------------------

  async quit(): Promise<Reply> {
    if (this.state !== 'TRANSACTION') return { line: '+OK Socket Kit POP3 server signing off', close: true };
    this.state = 'UPDATE';
    const drop = this.maildrop;
    let failed: number;
    try {
      failed = await drop.removeDeleted();
    } finally {
      this.end();
      this.state = 'UPDATE';
    }
    const { count } = drop.stat();
    if (failed) return { line: `-ERR ${failed} deleted message${failed === 1 ? ' was' : 's were'} not removed`, close: true };
    return { line: `+OK Socket Kit POP3 server signing off (${count} message${count === 1 ? '' : 's'} left)`, close: true };
  }
}

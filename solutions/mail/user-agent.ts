// A small mail user agent: the client side of the mail system. It sends a
// message through an SMTP server and fetches a user's new mail from a POP3
// server, keeping each message in a folder under its unique-id, so that the
// next run fetches only what it has not seen (UIDL, RFC 1939 §7).
// Run:  npx tsx labs/mail/user-agent.ts send --smtp 127.0.0.1:2525 --from me@example.org --to alice@example.org [FILE]
//       npx tsx labs/mail/user-agent.ts fetch --pop3 127.0.0.1:1110 --user alice --password PW --out DIR [--delete]
// `send` reads the message from FILE (or stdin); its lines may end in LF or CRLF.
// @stage mail-system
// @starter
// // Your work in the mail-system lab: readReply(), send(), fetch() and retrieve().
// // The plumbing is given: Conversation (a socket, the LineReader you know, a
// // timeout on every wait), the Stuffer and Unstuffer from stuffing.ts, and main().
// @end
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LineReader, type Input } from './line-reader.ts';
import { Stuffer, Unstuffer, WireSize } from './stuffing.ts';

/** The longest line the agent reads: replies are short, but a message line may be long. */
const MAX_LINE = 1024 * 1024;
const USAGE = `usage: user-agent.ts send --smtp HOST:PORT --from ADDRESS --to ADDRESS [--to ADDRESS...] [FILE]
       user-agent.ts fetch --pop3 HOST:PORT --user NAME --password PASSWORD --out DIR [--delete]`;

/** Something the server said that ends the run: printed, exit 1. */
export class Refused extends Error {}

/**
 * One connection, line by line: what the server sends goes through a
 * LineReader (the one the servers use), and every wait has a time limit.
 * The C of it: connect(), then recv() until a line is whole, send().
 */
export class Conversation {
  private readonly reader = new LineReader(MAX_LINE);
  private readonly lines: Input[] = [];
  private wake: (() => void) | undefined;
  private ended: string | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const line of this.reader.push(chunk)) this.lines.push(line);
      this.poke();
    });
    socket.on('end', () => this.stop('the server closed the connection'));
    socket.on('close', () => this.stop('the connection closed'));
    socket.on('error', (e: NodeJS.ErrnoException) => this.stop(`connection error: ${e.code ?? e.message}`));
  }

  static connect(hostPort: string, timeoutMs: number): Promise<Conversation> {
    const m = /^(.+):(\d+)$/.exec(hostPort);
    if (!m) throw new Refused(`${hostPort}: give HOST:PORT`);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: m[1]!, port: Number(m[2]) });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Refused(`could not connect to ${hostPort} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new Conversation(socket, timeoutMs));
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Refused(`could not connect to ${hostPort}: ${e.code ?? e.message}`));
      });
    });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private stop(why: string): void {
    this.ended ??= why;
    this.poke();
  }

  /** The next line from the server (without its line end), waiting at most timeoutMs for it. */
  async line(what: string): Promise<Input> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const next = this.lines.shift();
      if (next) return next;
      if (this.ended) throw new Refused(`waiting for ${what}: ${this.ended}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Refused(`no ${what} within ${this.timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Send one command line; CRLF is added. */
  send(line: string): void {
    this.socket.write(line + '\r\n');
  }

  /** Send bytes as they are (a message), waiting while the socket's buffer is full. */
  async write(data: Buffer): Promise<void> {
    if (!this.socket.write(data)) await new Promise<void>((resolve) => this.socket.once('drain', resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}

// ---- SMTP: sending (RFC 5321) -------------------------------------------------

/** An SMTP reply: its code and its text, the lines of a multiline reply joined by "\n". */
export interface SmtpReply {
  code: number;
  text: string;
}

/**
 * Read one SMTP reply, however many lines it has (RFC 5321 §4.2.1): each line
 * is three digits, then "-" if another line follows or " " (or nothing) on the
 * last, then text. A line that does not look like that is a Refused error.
 */
export async function readReply(c: Conversation, what: string): Promise<SmtpReply> {
  // @stage mail-system
  const texts: string[] = [];
  for (;;) {
    const input = await c.line(what);
    const m = 'line' in input ? /^([2-5]\d\d)([ -]|$)(.*)$/.exec(input.line) : null;
    if (!m) throw new Refused(`${what}: not an SMTP reply line: ${JSON.stringify('line' in input ? input.line.slice(0, 80) : '(a line too long)')}`);
    texts.push(m[3]!);
    if (m[2] !== '-') return { code: Number(m[1]), text: texts.join('\n') };
  }
  // @starter
  // throw new Error(`TODO: readReply() in labs/mail/user-agent.ts (mail-system lab): read ${what}`);
  // @end
}

/** Read a reply; unless its code is `want`, it is Refused, with the command and the reply. */
async function expectCode(c: Conversation, want: number, command: string): Promise<SmtpReply> {
  const r = await readReply(c, `the reply to ${command}`);
  if (r.code !== want) throw new Refused(`${command}: the server said ${r.code} ${r.text.split('\n').join(' / ')}`);
  return r;
}

/**
 * Send `message` (lines ended by LF or CRLF) from `from` to every address in
 * `to`, through the SMTP server at `server` ("host:port"), waiting for each
 * reply before the next command:
 *   220 greeting; EHLO (HELO if EHLO is refused); MAIL FROM:<from>, with
 *   SIZE=<octets> and BODY=8BITMIME when the EHLO reply offered them (8-bit
 *   bytes in the message); RCPT TO:<...> for each recipient (any refusal: stop,
 *   nothing is sent); DATA, 354; the message through a Stuffer (CRLF line
 *   ends, dots doubled), then ".", 250; QUIT, 221.
 * Returns the server's 250 reply to the message. Any other reply is Refused.
 */
export async function send(server: string, from: string, to: string[], message: Buffer, timeoutMs = 10_000): Promise<string> {
  // @stage mail-system
  const c = await Conversation.connect(server, timeoutMs);
  try {
    await expectCode(c, 220, 'the greeting');
    c.send('EHLO user-agent.localhost');
    let hello = await readReply(c, 'the reply to EHLO');
    let extensions: string[] = [];
    if (hello.code === 250) extensions = hello.text.split('\n').slice(1).map((l) => l.toUpperCase());
    else {
      c.send('HELO user-agent.localhost'); // an old server without extensions
      hello = await expectCode(c, 250, 'HELO');
    }
    const stuffer = new Stuffer();
    const wire = Buffer.concat([stuffer.push(message), stuffer.end()]);
    let mail = `MAIL FROM:<${from}>`;
    if (extensions.some((e) => /^SIZE\b/.test(e))) {
      const size = new WireSize(); // RFC 1870: CRLF line ends, no stuffing dots
      size.push(message);
      mail += ` SIZE=${size.total()}`;
    }
    if (extensions.includes('8BITMIME') && message.some((b) => b >= 0x80)) mail += ' BODY=8BITMIME';
    c.send(mail);
    await expectCode(c, 250, mail);
    for (const rcpt of to) {
      c.send(`RCPT TO:<${rcpt}>`);
      await expectCode(c, 250, `RCPT TO:<${rcpt}>`);
    }
    c.send('DATA');
    await expectCode(c, 354, 'DATA');
    await c.write(wire);
    c.send('.');
    const accepted = await expectCode(c, 250, 'the end of the message');
    c.send('QUIT');
    await readReply(c, 'the reply to QUIT').catch(() => undefined); // the message is sent: a server that hangs up now loses nothing
    return `${accepted.code} ${accepted.text}`;
  } finally {
    c.close();
  }
  // @starter
  // throw new Error(`TODO: send() in labs/mail/user-agent.ts (mail-system lab): a message of ${message.length} octets from ${from} to ${to.join(', ')} through ${server}`);
  // @end
}

// ---- POP3: fetching (RFC 1939) ------------------------------------------------

/** Read a POP3 status line: "+OK ..." is returned; anything else is Refused. */
async function status(c: Conversation, command: string): Promise<string> {
  const input = await c.line(`the reply to ${command}`);
  const line = 'line' in input ? input.line : '(a line too long)';
  if (!line.startsWith('+OK')) throw new Refused(`${command}: the server said ${line}`);
  return line;
}

/**
 * The body of a multi-line POP3 reply, up to its "." line, with the stuffing
 * undone: an Unstuffer, line by line. Returns the message's bytes, CRLF line
 * ends, exactly as the server's maildrop holds it.
 */
export async function retrieve(c: Conversation, what: string): Promise<Buffer> {
  // @stage mail-system
  const unstuffer = new Unstuffer();
  const parts: Buffer[] = [];
  while (!unstuffer.done) {
    const input = await c.line(what);
    if ('tooLong' in input) throw new Refused(`${what}: a line over ${MAX_LINE} octets`);
    const bytes = unstuffer.push(input.line, input.bareLF);
    if (bytes) parts.push(bytes);
  }
  return Buffer.concat(parts);
  // @starter
  // throw new Error(`TODO: retrieve() in labs/mail/user-agent.ts (mail-system lab): read ${what} up to its "." line`);
  // @end
}

/** A unique-id as a file name: the characters a file name may not hold (or should not), as %XX. */
export const fileFor = (uid: string) => uid.replace(/[^A-Za-z0-9._-]/g, (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`) + '.eml';

/** Save a message whole or not at all: a temporary name first, then rename(), as Maildir does. */
function save(dir: string, name: string, message: Buffer): void {
  const tmp = path.join(dir, `.${name}.part`);
  writeFileSync(tmp, message);
  renameSync(tmp, path.join(dir, name));
}

/**
 * Fetch `user`'s new mail from the POP3 server at `server` into `out`, each
 * message as <uid>.eml (fileFor()). USER, PASS; UIDL (the multi-line list
 * "<n> <uid>"); for each message whose file is not in `out` yet: RETR n,
 * retrieve() its body, save() it (and DELE n with `remove`); then QUIT (+OK:
 * only now are deletions done). Returns the unique-ids fetched, in order.
 */
export async function fetch(server: string, user: string, password: string, out: string, remove = false, timeoutMs = 10_000): Promise<{ fetched: string[]; kept: number }> {
  // @stage mail-system
  mkdirSync(out, { recursive: true });
  for (const f of readdirSync(out)) if (f.endsWith('.part')) unlinkSync(path.join(out, f)); // a run that was cut short
  const have = new Set(readdirSync(out));
  const c = await Conversation.connect(server, timeoutMs);
  try {
    await status(c, 'the greeting');
    c.send(`USER ${user}`);
    await status(c, 'USER');
    c.send(`PASS ${password}`);
    await status(c, 'PASS');
    c.send('UIDL');
    await status(c, 'UIDL');
    const list = (await retrieve(c, 'the UIDL list')).toString('latin1').split('\r\n').filter(Boolean);
    const fetched: string[] = [];
    let kept = 0;
    for (const entry of list) {
      const [n, uid] = entry.split(' ');
      if (!n || !uid) throw new Refused(`UIDL: not "<n> <uid>": ${JSON.stringify(entry)}`);
      if (have.has(fileFor(uid))) {
        kept++;
        continue;
      }
      c.send(`RETR ${n}`);
      await status(c, `RETR ${n}`);
      save(out, fileFor(uid), await retrieve(c, `message ${n}`));
      fetched.push(uid);
      if (remove) {
        c.send(`DELE ${n}`);
        await status(c, `DELE ${n}`);
      }
    }
    c.send('QUIT');
    await status(c, 'QUIT');
    return { fetched, kept };
  } finally {
    c.close();
  }
  // @starter
  // throw new Error(`TODO: fetch() in labs/mail/user-agent.ts (mail-system lab): ${user}'s new mail from ${server} into ${out}`);
  // @end
}

// ---- the command line ---------------------------------------------------------

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      smtp: { type: 'string' },
      pop3: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string', multiple: true },
      user: { type: 'string' },
      password: { type: 'string' },
      out: { type: 'string' },
      delete: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '10' },
    },
  });
  const timeoutMs = Math.round(Number(values.timeout) * 1000) || 10_000;
  if (command === 'send') {
    if (!values.smtp || !values.from || !values.to?.length) throw new Refused(`send needs --smtp, --from and --to\n${USAGE}`);
    const message = positionals[0] ? readFileSync(positionals[0]) : readFileSync(0);
    console.log(`sent: ${await send(values.smtp, values.from, values.to, message, timeoutMs)}`);
  } else if (command === 'fetch') {
    if (!values.pop3 || !values.user || values.password === undefined || !values.out) throw new Refused(`fetch needs --pop3, --user, --password and --out\n${USAGE}`);
    const { fetched, kept } = await fetch(values.pop3, values.user, values.password, values.out, values.delete, timeoutMs);
    for (const uid of fetched) console.log(`fetched ${uid} -> ${path.join(values.out, fileFor(uid))}`);
    console.log(`${fetched.length} new message${fetched.length === 1 ? '' : 's'}, ${kept} already here`);
  } else {
    throw new Refused(USAGE);
  }
}

main(process.argv.slice(2)).catch((e: Error) => {
  console.error(e instanceof Refused ? e.message : (e.stack ?? String(e)));
  process.exitCode = 1;
});

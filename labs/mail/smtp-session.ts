// One SMTP session as a state machine (RFC 5321, the part a mail drop needs):
// a line in, a reply out, as POP3's Session does. It knows nothing of
// sockets: the same Connection drives both. https://www.rfc-editor.org/rfc/rfc5321
// Your work in the smtp lab: greeting(), handle(), the command handlers below,
// data(), message() and finish() (the DATA phase), closing(); Unstuffer in
// stuffing.ts; Delivery in delivery.ts. The state table below is complete from the start.
// Run:   npx tsx labs/mail/smtp-server.ts --port 2525 --mail-root DIR   (then `npm run talk -- 2525`)
//
//   state   what has happened               commands that move it on
//   START   greeting sent                   EHLO/HELO -> READY
//   READY   EHLO or HELO, no transaction    MAIL -> MAIL
//   MAIL    MAIL FROM accepted              RCPT (a local user) -> RCPT
//   RCPT    one or more recipients          RCPT; DATA -> DATA (354)
//   DATA    message lines, until "."        "." -> READY (250, or why not)
//   RSET, EHLO and HELO end a transaction (back to READY); NOOP, VRFY, HELP and
//   RSET work in every state but DATA; QUIT ends the session from any of them.
import os from 'node:os';
import { maildropDir, passwordOf, validUserName } from './accounts.ts';
import type { LineSession, Reply } from './connection.ts';
import { Delivery } from './delivery.ts';
import type { Input } from './line-reader.ts';
import { Unstuffer } from './stuffing.ts';

export type SmtpState = 'START' | 'READY' | 'MAIL' | 'RCPT' | 'DATA';

export interface SmtpOptions {
  mailRoot: string;
  /** RFC 1870 SIZE: the largest message accepted, in octets as sent (CRLF line ends, no stuffing dots). */
  maxSize: number;
  /** The client's IP address, for the Received: line. */
  peer: string;
  /** This server's name, in the greeting, the EHLO reply and the Received: line. */
  hostname?: string;
}

/** RFC 5321 §4.5.3.1.4: a command line is at most 512 octets, CRLF included. */
export const MAX_COMMAND_OCTETS = 512;
/** RFC 5321 §4.5.3.1.6: a line of message text is at most 1000 octets with its CRLF, "not counting the leading dot duplicated for transparency". */
export const MAX_TEXT_OCTETS = 1000;
/** What the line reader must hold: the longest text line, plus its stuffing dot. */
export const MAX_LINE_OCTETS = MAX_TEXT_OCTETS + 1;
/** RFC 5321 §4.5.3.1.8: at least 100 recipients MUST be accepted; past our limit, 452 (§4.5.3.1.10). */
export const MAX_RECIPIENTS = 100;
/** RFC 5321 §4.5.3.1.3: a reverse- or forward-path is at most 256 octets, "<" and ">" included. */
const MAX_PATH_OCTETS = 256;

/** A reply: "<code> <text>", or (several lines) "<code>-<text>" for all but the last, which the connection ends with CRLF. */
const reply = (code: number, text: string, close = false): Reply => (close ? { line: `${code} ${text}`, close } : { line: `${code} ${text}` });
const multiline = (code: number, lines: string[]): Reply => ({
  line: lines.map((text, i) => `${code}${i === lines.length - 1 ? ' ' : '-'}${text}`).join('\r\n'),
});

const TEXT_TOO_LONG = reply(500, `line too long: a line of text is at most ${MAX_TEXT_OCTETS} octets with its CRLF (RFC 5321 section 4.5.3.1.6)`);

interface Command {
  /** The states it is valid in; in any other, 503 with `order` (RFC 5321 §4.1.4). */
  states: SmtpState[];
  order: string;
  /** RFC 5321 §4.3.2: DATA, RSET and QUIT take no argument (501 if given one); EHLO, HELO, MAIL, RCPT and VRFY need one. */
  arg: 'none' | 'needed' | 'optional';
  usage: string;
  run(s: SmtpSession, arg: string): Reply | Promise<Reply>;
}

const ANY: SmtpState[] = ['START', 'READY', 'MAIL', 'RCPT'];

/** The state table: every command, where it is valid, what it takes, and its handler. */
const COMMANDS: Record<string, Command> = {
  EHLO: { states: ANY, order: '', arg: 'needed', usage: 'EHLO your.domain', run: (s, a) => s.ehlo(a) },
  HELO: { states: ANY, order: '', arg: 'needed', usage: 'HELO your.domain', run: (s, a) => s.helo(a) },
  MAIL: {
    states: ['READY'],
    order: 'MAIL is valid once, after EHLO or HELO and outside a transaction (RSET ends one)',
    arg: 'needed',
    usage: 'MAIL FROM:<address> [SIZE=octets] [BODY=7BIT|8BITMIME]',
    run: (s, a) => s.mail(a),
  },
  RCPT: { states: ['MAIL', 'RCPT'], order: 'RCPT needs MAIL FROM first', arg: 'needed', usage: 'RCPT TO:<address>', run: (s, a) => s.rcpt(a) },
  DATA: { states: ['RCPT'], order: 'DATA needs MAIL FROM and an accepted RCPT TO first', arg: 'none', usage: 'DATA', run: (s) => s.data() },
  RSET: { states: ANY, order: '', arg: 'none', usage: 'RSET', run: (s) => s.rset() },
  NOOP: { states: ANY, order: '', arg: 'optional', usage: 'NOOP', run: () => reply(250, 'OK') },
  VRFY: { states: ANY, order: '', arg: 'needed', usage: 'VRFY user', run: (s, a) => s.vrfy(a) },
  HELP: { states: ANY, order: '', arg: 'optional', usage: 'HELP', run: () => reply(214, `commands: ${Object.keys(COMMANDS).join(' ')}`) },
  QUIT: { states: ANY, order: '', arg: 'none', usage: 'QUIT', run: (s) => s.quit() },
};
/** Recognised but not implemented: 502, not 500 (RFC 5321 §4.2.4); and so not listed in the EHLO reply. */
const NOT_IMPLEMENTED = new Set(['EXPN', 'TURN', 'ETRN', 'STARTTLS', 'AUTH', 'BDAT']);

/** Show a word from the client in a reply: printable, short. */
function shown(word: string): string {
  const clean = word.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > 40 ? clean.slice(0, 40) + '...' : clean;
}

/** A local part, and a domain after "@" if there is one: printable ASCII without space, "<", ">" or a second "@". */
const ADDRESS = /^[\x21-\x3b\x3d\x3f\x41-\x7e]+(@[\x21-\x3b\x3d\x3f\x41-\x7e]+)?$/;

/**
 * The address inside "<...>" of a reverse- or forward-path (RFC 5321 §4.1.2),
 * with a source route ("@a,@b:") dropped (§4.1.1.3); "" for the null path
 * "<>"; undefined if it is not an address: printable ASCII without spaces or
 * angle brackets, and at most one "@", with something on both sides. An
 * address without "@" ("alice", "Postmaster") is a local one: the RFC wants a
 * domain except for Postmaster, but a mail drop loses nothing by taking it (as
 * Postfix does by default).
 */
export function pathAddress(path: string): string | undefined {
  if (path.length + 2 > MAX_PATH_OCTETS) return undefined;
  const address = path.replace(/^@[^:,]+(,@[^:,]+)*:/, '');
  if (address === '') return '';
  return ADDRESS.test(address) ? address : undefined;
}

/** Split "FROM:<path> PARAM=VALUE ..." (key "FROM" or "TO"): the path and the parameters, or what is wrong. */
export function parsePathArg(arg: string, key: 'FROM' | 'TO'): { path: string; params: Map<string, string> } | string {
  const m = new RegExp(`^${key}:<([^<>]*)>(.*)$`, 'i').exec(arg);
  if (!m) {
    if (new RegExp(`^${key}\\s*:\\s+<|^${key}\\s+:`, 'i').test(arg)) return `no space around the colon: ${key}:<address> (RFC 5321 section 3.3)`;
    return `syntax: ${key}:<address>`;
  }
  if (m[2] && !m[2].startsWith(' ')) return `a space must separate the path from its parameters`;
  const params = new Map<string, string>();
  for (const p of m[2]!.split(' ').filter(Boolean)) {
    const eq = p.indexOf('=');
    params.set((eq < 0 ? p : p.slice(0, eq)).toUpperCase(), eq < 0 ? '' : p.slice(eq + 1));
  }
  return { path: m[1]!, params };
}

/** RFC 5322 §3.3 date-time, local time with its offset (RFC 5321 §4.4 prefers that to UT): "Thu, 26 Nov 2026 01:59:36 +0100". */
export function rfc5322Date(d = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = `${off < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}`;
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getDay()];
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()];
  return `${day}, ${d.getDate()} ${month} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`;
}

/** The client's IP address as an address literal (RFC 5321 §4.1.3): "[127.0.0.1]", "[IPv6:::1]". */
function addressLiteral(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return v4 ? `[${v4[1]}]` : `[IPv6:${ip}]`;
}

/**
 * The trace lines a final delivery puts at the top of the message (RFC 5321
 * §4.4): "Return-Path:" with the MAIL FROM address, then the "Received:" line
 * (from the EHLO name and the TCP peer, by this host, with ESMTP or SMTP, the
 * delivery id, "for" the recipient when there is exactly one, and the date),
 * folded onto lines that begin with a tab, each ended by CRLF.
 */
export function traceHeader(t: { from: string; helo: string; peer: string; host: string; esmtp: boolean; id: string; recipients: string[]; date?: Date }): string {
  const helo = t.helo.replace(/[^A-Za-z0-9.:_\-[\]]/g, '?');
  const forClause = t.recipients.length === 1 ? `\r\n\tfor <${t.recipients[0]}>` : '';
  return (
    `Return-Path: <${t.from}>\r\n` +
    `Received: from ${helo} (${addressLiteral(t.peer)})\r\n\tby ${t.host} with ${t.esmtp ? 'ESMTP' : 'SMTP'} id ${t.id}${forClause};\r\n\t${rfc5322Date(t.date)}\r\n`
  );
}

/** The transaction MAIL opens: the reverse-path, the recipients, and (in DATA) the message on its way. */
interface Transaction {
  from: string;
  /** Local users, each once, in the order RCPT named them; and the addresses as written. */
  users: string[];
  addresses: string[];
}

/** The DATA phase: where the lines go and what, if anything, is already wrong with the message. */
interface Incoming {
  delivery: Delivery;
  unstuffer: Unstuffer;
  /** Octets as sent so far: CRLF line ends, no stuffing dots (RFC 1870). */
  octets: number;
  /** Set once the message cannot be accepted: the reply after ".". The rest is read and dropped. */
  refusal?: Reply;
}

export class SmtpSession implements LineSession {
  state: SmtpState = 'START';
  private readonly host: string;
  private helloName = '';
  private esmtp = false;
  private tx: Transaction | undefined;
  private incoming: Incoming | undefined;

  constructor(private readonly opts: SmtpOptions) {
    this.host = opts.hostname ?? os.hostname();
  }

  /** RFC 5321 §3.1, §4.3.1: "220", then this host's name first, then a few words for humans. */
  greeting(): string {
    throw new Error('TODO: greeting() in labs/mail/smtp-session.ts (smtp lab): return the "220 <host> ..." greeting line');
  }

  /**
   * The one entry point. In DATA, every line is a line of the message:
   * message(). Otherwise it is a command: refuse a line over 512 octets with
   * 500 (a line the reader cut short arrives as { tooLong: true }), a line that
   * ended in a bare LF or holds a control byte (NUL...) with 500; split off
   * the keyword (case-insensitive) at the first space, trailing spaces
   * dropped; unknown: 500 (502 if in NOT_IMPLEMENTED); wrong state: 503 with
   * the command's `order`; argument missing or one too many: 501 with the
   * usage; else run its handler. The session goes on after every error.
   */
  async handle(input: Input): Promise<Reply | undefined> {
    if (this.state === 'DATA') return this.message(input);
    throw new Error(`TODO: handle() in labs/mail/smtp-session.ts (smtp lab): dispatch ${JSON.stringify(input)} through COMMANDS (state ${this.state}; ${shown.name}() shows a word safely)`);
  }

  /** The reply to a command that failed inside the server (451: the client may try again later). */
  internalError(detail: string): string {
    return `451 internal server error${detail ? `: ${detail}` : ''}`;
  }

  /** RFC 5321 §3.8: the server closes on its own only after 421 (shutting down, or a client idle too long). */
  closing(why: 'idle' | 'shutdown'): string {
    return ''; // TODO (smtp lab): "421 <host> ..." (RFC 5321 §3.8); '' says nothing
  }

  /** The connection is over: a message still coming in is dropped (Delivery.abort()); one accepted (250) stays. */
  end(): void {
    this.incoming?.delivery.abort();
    this.incoming = undefined;
    this.tx = undefined;
  }

  // ---- session and transaction (RFC 5321 §4.1.1.1, §4.1.1.5, §4.1.4) ----------

  /**
   * EHLO domain: remember the client's name, end any transaction (as RSET
   * does), enter READY, and list the extensions, one per line (multiline()):
   * "<host> greets <domain>", PIPELINING (RFC 2920), SIZE <maxSize> (RFC 1870),
   * 8BITMIME (RFC 6152), HELP.
   */
  ehlo(domain: string): Reply {
    throw new Error(`TODO: ehlo() in labs/mail/smtp-session.ts (smtp lab): EHLO ${domain}`);
  }

  /** HELO domain: as EHLO, but one line and no extensions (RFC 5321 §3.2: never the EHLO-style reply). */
  helo(domain: string): Reply {
    throw new Error(`TODO: helo() in labs/mail/smtp-session.ts (smtp lab): HELO ${domain}`);
  }

  private hello(domain: string, esmtp: boolean): void {
    this.helloName = domain.split(' ')[0]!;
    this.esmtp = esmtp;
    this.tx = undefined;
    this.state = 'READY';
  }

  /** RSET: end the transaction (if any), stay greeted: 250 (RFC 5321 §4.1.1.5). */
  rset(): Reply {
    throw new Error('TODO: rset() in labs/mail/smtp-session.ts (smtp lab)');
  }

  /**
   * MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]: parsePathArg() and
   * pathAddress() the argument (501 if malformed). Parameters only after
   * EHLO, and only SIZE and BODY (555 otherwise, RFC 5321 §4.1.1.11); SIZE
   * a decimal (501 if not), over maxSize: 552 (RFC 1870); BODY 7BIT or
   * 8BITMIME (555 otherwise). Then open the transaction: state MAIL, 250.
   */
  mail(arg: string): Reply {
    throw new Error(`TODO: mail() in labs/mail/smtp-session.ts (smtp lab): MAIL ${arg}`);
  }

  /**
   * RCPT TO:<address>: parsePathArg() and pathAddress() (501 if malformed; no
   * parameters: 555). The local part names a user: "postmaster" in any case,
   * with or without a domain, always (RFC 5321 §4.5.1); anyone else must be in
   * the mail root's passwd (passwordOf()), or 550. At most MAX_RECIPIENTS
   * users (452 past that). Remember the user once, even if named twice: 250.
   */
  async rcpt(arg: string): Promise<Reply> {
    throw new Error(`TODO: rcpt() in labs/mail/smtp-session.ts (smtp lab): RCPT ${arg}`);
  }

  /** VRFY: 252, neither yes nor no: a server that will not tell who exists MUST say 252 (RFC 5321 §7.3). */
  vrfy(arg: string): Reply {
    throw new Error(`TODO: vrfy() in labs/mail/smtp-session.ts (smtp lab): VRFY ${arg}`);
  }

  /** QUIT: "221 <host> ..." and close (close: true); a transaction still open is dropped. */
  quit(): Reply {
    throw new Error('TODO: quit() in labs/mail/smtp-session.ts (smtp lab)');
  }

  // ---- DATA (RFC 5321 §3.3, §4.1.1.4, §4.5.2) -------------------------------

  /**
   * DATA: start a Delivery to the recipients' Maildirs (maildropDir()) and
   * write the trace lines into it (traceHeader()); on failure 451. Then state
   * DATA and "354 ...": from now on every line is a line of the message.
   */
  async data(): Promise<Reply> {
    throw new Error('TODO: data() in labs/mail/smtp-session.ts (smtp lab)');
  }

  /**
   * One line of the message (the connection sends no reply for it):
   * unstuff it (Unstuffer.push()); "." ends the message: finish(). Count its
   * octets; a line over MAX_TEXT_OCTETS (500, "line too long") or a message
   * over maxSize (552, "too much mail data") is refused: abort the delivery,
   * remember the refusal, and read on to the "." without keeping anything.
   * A line the reader skipped ({ tooLong: true }): 500 too, and
   * unstuffer.skipped(). Everything else goes to delivery.write().
   */
  private async message(input: Input): Promise<Reply | undefined> {
    const m = this.incoming!;
    throw new Error(`TODO: message() in labs/mail/smtp-session.ts (smtp lab): a line of the message, ${JSON.stringify(input).slice(0, 60)}`);
  }

  /** The message cannot be accepted: drop what was written, keep the first reason for after the ".". */
  private refuse(m: Incoming, why: Reply): void {
    m.refusal ??= why;
    m.delivery.abort();
  }

  /**
   * The "." came: the transaction ends either way (state READY). A refused
   * message gets its refusal; otherwise commit the delivery: 250 with its
   * id, or 451 if it could not be stored (RFC 5321 §4.2.5: nothing delivered).
   */
  private async finish(m: Incoming): Promise<Reply> {
    throw new Error('TODO: finish() in labs/mail/smtp-session.ts (smtp lab): the end of the message');
  }
}

// The SMTP load run: N senders at once, each on its own connection sending
// messages back to back (EHLO once, then MAIL, RCPT, DATA, the message, "."
// per message, a new connection every PER_CONNECTION messages), one reply
// waited for after each command, as smtplib does. Every wait is bounded.
import net from 'node:net';

export interface LoadResult {
  messages: number;
  seconds: number;
  octets: number;
  /** From MAIL FROM to the 250 after ".", per message. */
  latenciesMs: number[];
  errors: number;
  firstError?: string;
}

const PER_CONNECTION = 10;
const WAIT_MS = 10_000;
const MAX_ERRORS = 200; // a broken server ends the run early instead of spinning

/** One SMTP connection read reply by reply. */
class Sender {
  private buf = '';
  private wake: (() => void) | undefined;
  private closed: string | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (c: Buffer) => {
      this.buf += c.toString('latin1');
      this.poke();
    });
    socket.on('close', () => this.stop('connection closed'));
    socket.on('error', (e) => this.stop(e.message));
  }

  static connect(port: number): Promise<Sender> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(new Sender(s)));
      s.once('error', reject);
    });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private stop(why: string): void {
    this.closed ??= why;
    this.poke();
  }

  /** The next whole reply (all its lines); throws unless its code is `want`. */
  async reply(want: number): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*(\d{3})(?: [^\n]*)?\r?\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        if (Number(m[1]) !== want) throw new Error(`expected ${want}, got ${m[0].trim()}`);
        return;
      }
      if (this.closed) throw new Error(this.closed);
      if (Date.now() > deadline) throw new Error(`no ${want} within ${WAIT_MS} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 200);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async command(line: string, want: number): Promise<void> {
    this.socket.write(line + '\r\n');
    await this.reply(want);
  }

  async data(wire: Buffer): Promise<void> {
    this.socket.write(wire);
    await this.reply(250);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `warmupS` seconds not counted, then `seconds` measured; messages in flight at the end finish (each bounded). */
export async function loadRun(port: number, users: string[], wire: Buffer, seconds: number, warmupS = 1): Promise<LoadResult> {
  const result: LoadResult = { messages: 0, seconds, octets: 0, latenciesMs: [], errors: 0 };
  const start = Date.now() + warmupS * 1000;
  const end = start + seconds * 1000;
  const worker = async (user: string) => {
    while (Date.now() < end && result.errors < MAX_ERRORS) {
      let s: Sender | undefined;
      try {
        s = await Sender.connect(port);
        await s.reply(220);
        await s.command('EHLO bench.example', 250);
        for (let i = 0; i < PER_CONNECTION && Date.now() < end; i++) {
          const t0 = performance.now();
          const began = Date.now();
          await s.command('MAIL FROM:<bench@example.org>', 250);
          await s.command(`RCPT TO:<${user}@example.org>`, 250);
          await s.command('DATA', 354);
          await s.data(wire);
          if (began >= start && Date.now() <= end) {
            result.messages++;
            result.octets += wire.length;
            result.latenciesMs.push(performance.now() - t0);
          }
        }
        await s.command('QUIT', 221);
      } catch (e) {
        result.errors++;
        result.firstError ??= (e as Error).message;
        await new Promise((r) => setTimeout(r, 10));
      } finally {
        s?.close();
      }
    }
  };
  await Promise.all(users.map(worker));
  return result;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function summary(r: LoadResult) {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  return { perSec: r.messages / r.seconds, mbPerSec: r.octets / r.seconds / 1e6, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

/** The rounds of one server added up: the same totals over all the time measured. */
export function merge(results: LoadResult[]): LoadResult {
  const out: LoadResult = { messages: 0, seconds: 0, octets: 0, latenciesMs: [], errors: 0 };
  for (const r of results) {
    out.messages += r.messages;
    out.seconds += r.seconds;
    out.octets += r.octets;
    out.latenciesMs.push(...r.latenciesMs);
    out.errors += r.errors;
    out.firstError ??= r.firstError;
  }
  return out;
}

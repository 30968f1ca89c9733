// A lean POP3 client for the benchmark: one command at a time, replies parsed
// in place. A multi-line body is counted and scanned for its terminator, never
// kept, so the client costs little next to the server it measures. Every wait
// is bounded and says what it waited for.
import net from 'node:net';

const CRLF = Buffer.from('\r\n');
const END = Buffer.from('\r\n.\r\n');

export class Pop3Error extends Error {}

export class Pop3Client {
  private chunks: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private closed: Error | null = null;

  private constructor(
    readonly socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.wake();
    });
    socket.on('error', (e) => {
      this.closed ??= e;
      this.wake();
    });
    socket.on('close', () => {
      this.closed ??= new Pop3Error('the server closed the connection');
      this.wake();
    });
  }

  static connect(port: number, timeoutMs = 10_000): Promise<Pop3Client> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Pop3Error(`no TCP connection to 127.0.0.1:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        resolve(new Pop3Client(socket, timeoutMs));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Wait for more bytes, bounded. */
  private more(what: string): Promise<void> {
    if (this.closed) return Promise.reject(new Pop3Error(`${what}: ${this.closed.message}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Pop3Error(`${what}: no reply within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        if (this.chunks.length === 0 && this.closed) reject(new Pop3Error(`${what}: ${this.closed.message}`));
        else resolve();
      };
    });
  }

  /** One CRLF-ended line (without the CRLF). */
  async line(what: string): Promise<string> {
    for (;;) {
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      const i = all.indexOf(CRLF);
      if (i >= 0) {
        this.chunks = i + 2 < all.length ? [all.subarray(i + 2)] : [];
        return all.toString('latin1', 0, i);
      }
      this.chunks = all.length ? [all] : [];
      await this.more(what);
    }
  }

  /** Send a command and read its status line; -ERR throws. */
  async command(cmd: string): Promise<string> {
    this.socket.write(cmd + '\r\n');
    const status = await this.line(`reply to ${cmd.startsWith('PASS') ? 'PASS' : cmd}`);
    if (!status.startsWith('+OK')) throw new Pop3Error(`${cmd.split(' ')[0]}: ${status}`);
    return status;
  }

  /**
   * A multi-line command: its status line, then the body up to the lone ".".
   * Returns the body's length on the wire (stuffing included, terminator not),
   * and its text when `keep` (small bodies such as UIDL).
   */
  async multi(cmd: string, keep = false): Promise<{ status: string; octets: number; text?: string }> {
    const status = await this.command(cmd);
    let tail: Buffer = Buffer.from(CRLF); // the status line's CRLF may begin the terminator (empty body)
    let octets = 0;
    const kept: Buffer[] = [];
    for (;;) {
      for (let k = 0; k < this.chunks.length; k++) {
        const chunk = this.chunks[k]!;
        // Look for the terminator across the seam between what came before and this chunk.
        const seam = Buffer.concat([tail, chunk.subarray(0, END.length - 1)]);
        let at = seam.indexOf(END);
        let end = -1;
        if (at >= 0) end = at - tail.length + END.length;
        else {
          at = chunk.indexOf(END);
          if (at >= 0) end = at + END.length;
        }
        if (end >= 0) {
          const bodyHere = end - 3; // the body ends before ".\r\n"
          octets += bodyHere;
          if (keep) kept.push(chunk.subarray(0, Math.max(0, bodyHere)));
          this.chunks = [...(end < chunk.length ? [chunk.subarray(end)] : []), ...this.chunks.slice(k + 1)];
          return { status, octets, text: keep ? Buffer.concat(kept).toString('latin1') : undefined };
        }
        octets += chunk.length;
        if (keep) kept.push(chunk);
        tail = chunk.length >= END.length - 1 ? chunk.subarray(-(END.length - 1)) : Buffer.concat([tail, chunk]).subarray(-(END.length - 1));
      }
      this.chunks = [];
      await this.more(`end of the reply to ${cmd}`);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * One benchmark session: log in, STAT, UIDL, RETR every message, QUIT.
 * Returns the octets of message bodies received.
 */
export async function fullSession(port: number, user: string, password: string, timeoutMs = 10_000): Promise<number> {
  const c = await Pop3Client.connect(port, timeoutMs);
  try {
    await c.line('greeting');
    await c.command(`USER ${user}`);
    await c.command(`PASS ${password}`);
    const count = Number((await c.command('STAT')).split(' ')[1]);
    const uidl = await c.multi('UIDL', true);
    const listed = uidl.text!.split('\r\n').filter(Boolean).length;
    if (!(count > 0) || listed !== count) throw new Pop3Error(`STAT says ${count} messages, UIDL lists ${listed}`);
    let octets = 0;
    for (let n = 1; n <= count; n++) octets += (await c.multi(`RETR ${n}`)).octets;
    await c.command('QUIT');
    return octets;
  } finally {
    c.close();
  }
}

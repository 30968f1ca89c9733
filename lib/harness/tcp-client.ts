// A test client for TCP servers: line-protocol helpers (send a command, expect
// a reply) and byte-stream helpers (read N bytes, read to the end), every wait
// bounded and everything recorded as a C:/S: transcript.
import net from 'node:net';
import { LabFailure, scaled, seconds } from './failure.ts';
import { Transcript, showBytes, showLine } from './transcript.ts';
import type { ServerProcess } from './program.ts';

export interface ClientOptions {
  /** Default wait for a reply. */
  timeoutMs?: number;
  /** The server under test, so a wait that fails can say it crashed. */
  server?: ServerProcess;
  transcript?: Transcript;
  /** Line mode: require CRLF line ends (Internet protocols do). */
  strictCRLF?: boolean;
}

export type Expected = string | RegExp;

export class TcpClient {
  readonly transcript: Transcript;
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  private lastSent = '(nothing sent yet)';
  private readonly timeoutMs: number;
  private readonly strictCRLF: boolean;

  private constructor(
    readonly socket: net.Socket,
    private readonly opts: ClientOptions,
  ) {
    this.transcript = (opts.transcript ?? new Transcript()).lane(socket); // this connection's entries, in the shared transcript
    this.timeoutMs = scaled(opts.timeoutMs ?? 3000);
    this.strictCRLF = opts.strictCRLF ?? true;
    socket.on('data', (c: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, c]) : c;
      this.poke();
    });
    socket.on('end', () => {
      this.ended = true;
      this.poke();
    });
    socket.on('close', () => {
      this.ended = true;
      this.poke();
    });
    socket.on('error', (e) => {
      this.error = e;
      this.poke();
    });
  }

  static async connect(port: number, opts: ClientOptions = {}, host = '127.0.0.1'): Promise<TcpClient> {
    const timeoutMs = scaled(opts.timeoutMs ?? 3000);
    const socket = net.connect({ host, port, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new LabFailure(`could not connect to ${host}:${port} within ${seconds(timeoutMs)}`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new LabFailure(`could not connect to ${host}:${port}: ${e.code ?? e.message}. Is the server listening?`));
      });
    });
    return new TcpClient(socket, opts);
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Wait until `ready()` returns a value, the stream ends, or time runs out. */
  private async waitFor<T>(ready: () => T | undefined, what: string, ms = this.timeoutMs): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = ready();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (this.error || this.ended) this.transcript.closed('S', this.error ? 'reset' : 'fin');
      else if (left <= 0) this.transcript.timedOut('C', ms);
      if (this.error) await this.failChecked(`connection error (${(this.error as NodeJS.ErrnoException).code ?? this.error.message})`, what);
      if (this.ended) await this.failChecked('the server closed the connection', what);
      if (left <= 0) await this.failChecked(`nothing within ${seconds(ms)}`, what);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Like fail(), but first give a dying server a moment, so a crash is reported as the crash it is. */
  private async failChecked(got: string, expected: string): Promise<never> {
    await this.opts.server?.waitExit(300);
    this.fail(got, expected);
  }

  /** Throw a failure showing the transcript with the point where it went wrong. */
  fail(got: string, expected: string): never {
    this.opts.server?.assertAlive(`the test waited for ${expected}`);
    const partial = this.buf.length ? `\n  (bytes received but not yet a full reply: ${showBytes(this.buf)})` : '';
    if (this.buf.length) this.transcript.unread('S', this.buf);
    throw new LabFailure(`waited for ${expected}; instead, ${got}.\n${this.transcript.render(`expected ${expected}`)}${partial}`);
  }

  // ---- line protocol -------------------------------------------------------

  /** Send one line; CRLF is added. */
  send(line: string): void {
    this.lastSent = line;
    this.transcript.add('C', showLine(line + '\r\n'), { bytes: Buffer.from(line + '\r\n') });
    this.socket.write(line + '\r\n');
  }

  /** Send raw bytes exactly as given (no line end added). */
  sendRaw(data: Buffer | string, label?: string): void {
    const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    this.lastSent = label ?? showBytes(b);
    this.transcript.add('C', label ?? showBytes(b), { bytes: b });
    this.socket.write(b);
  }

  /** Read one line (without its CRLF). */
  async readLine(what = `a reply to '${this.lastSent}'`, ms?: number): Promise<string> {
    const raw = await this.waitFor(() => {
      const i = this.buf.indexOf(0x0a);
      if (i < 0) return undefined;
      const line = this.buf.subarray(0, i + 1);
      this.buf = this.buf.subarray(i + 1);
      return line;
    }, what, ms);
    this.transcript.add('S', showLine(raw), { bytes: raw });
    if (this.strictCRLF && !(raw.length >= 2 && raw[raw.length - 2] === 0x0d)) {
      this.fail('a line ended by a bare LF', `${what}, ended by CRLF ("\\r\\n")`);
    }
    return raw.toString('latin1').replace(/\r?\n$/, '');
  }

  /** Read a line and check it: exact text or a pattern. Returns the line. */
  async expect(expected: Expected, what?: string): Promise<string> {
    const desc = expected instanceof RegExp ? String(expected) : JSON.stringify(expected);
    const line = await this.readLine(what ?? `a reply to '${this.lastSent}'`);
    const ok = expected instanceof RegExp ? expected.test(line) : line === expected;
    if (!ok) {
      this.opts.server?.assertAlive('the test read a reply');
      throw new LabFailure(`${what ?? `the reply to '${this.lastSent}'`} was not what the protocol requires.\n${this.transcript.render(`expected ${desc}`)}`);
    }
    return line;
  }

  /** Send a command and check the first line of its reply. */
  async command(line: string, expected: Expected): Promise<string> {
    this.send(line);
    return this.expect(expected);
  }

  /**
   * Read the body of a multi-line reply, up to the line ".", undoing the
   * byte-stuffing (a leading "." doubled by the sender). Returns the lines.
   */
  async readMultiline(what = `the rest of the multi-line reply to '${this.lastSent}' (ended by ".")`, ms?: number): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.readLine(what, ms);
      if (line === '.') return lines;
      lines.push(line.startsWith('.') ? line.slice(1) : line);
    }
  }

  /** Expect the server to close the connection (after QUIT, say). */
  async expectClosed(what = `the server to close the connection after '${this.lastSent}'`, ms?: number): Promise<void> {
    const deadline = Date.now() + (ms ?? this.timeoutMs);
    while (!this.ended) {
      if (this.buf.length) {
        const extra = this.buf;
        this.buf = Buffer.alloc(0);
        this.transcript.add('S', showLine(extra), { bytes: extra });
        throw new LabFailure(`expected ${what}, but it sent more.\n${this.transcript.render('expected the connection to close here')}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) this.transcript.timedOut('C', ms ?? this.timeoutMs);
      if (left <= 0) throw new LabFailure(`expected ${what}, but it stayed open for ${seconds(ms ?? this.timeoutMs)}.\n${this.transcript.render('expected the server to close the connection')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    this.transcript.closed('S', this.error ? 'reset' : 'fin', '(server closed the connection)');
  }

  // ---- byte stream ---------------------------------------------------------

  /** Write bytes, waiting for the socket to accept them (honours backpressure). */
  async write(data: Buffer, label?: string): Promise<void> {
    this.transcript.add('C', label ?? showBytes(data), { bytes: data });
    if (this.socket.destroyed) return; // the peer is gone: the next read reports why
    if (!this.socket.write(data)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
  }

  /** Half-close: no more data from us (shutdown(SHUT_WR) in C). */
  end(): void {
    this.transcript.closed('C', 'fin', '(client half-closed: end())');
    this.socket.end();
  }

  /** Read exactly n bytes. */
  async readBytes(n: number, what = `${n} bytes of reply`, ms?: number): Promise<Buffer> {
    const got = await this.waitFor(() => {
      if (this.buf.length < n) return undefined;
      const b = this.buf.subarray(0, n);
      this.buf = this.buf.subarray(n);
      return b;
    }, what, ms);
    this.transcript.add('S', showBytes(got), { bytes: got });
    return got;
  }

  /** Read until the server ends the stream; returns everything received. */
  async readToEnd(what = 'the server to send the rest and close', ms?: number): Promise<Buffer> {
    const deadline = Date.now() + (ms ?? this.timeoutMs);
    while (!this.ended && !this.error) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.transcript.timedOut('C', ms ?? this.timeoutMs);
        const had = this.buf.length;
        await this.failChecked(`no end of stream within ${seconds(ms ?? this.timeoutMs)} (${had} bytes received so far)`, what);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    const all = this.buf;
    this.buf = Buffer.alloc(0);
    this.transcript.add('S', showBytes(all), { bytes: all });
    this.transcript.closed('S', this.error ? 'reset' : 'fin', '(server closed the connection)');
    return all;
  }

  /** Bytes received and not yet read. */
  get pending(): number {
    return this.buf.length;
  }

  close(): void {
    this.socket.destroy();
  }
}

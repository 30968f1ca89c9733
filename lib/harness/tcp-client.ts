// A test client for TCP servers: line-protocol helpers (send a command, expect
// a reply) and byte-stream helpers (read N bytes, read to the end), every wait
// bounded and everything recorded as a C:/S: transcript.
import net from 'node:net';
import { LabFailure, seconds } from './failure.ts';
import { scaled, waitExpired } from './budget.ts';
import { sendingTo, writing } from './chaos.ts';
import { crashSummary, type ServerProcess } from './program.ts';
import { stallSentence, type Stall, type StallWatch } from './stall.ts';
import { Transcript, showBytes, showLine } from './transcript.ts';

export interface ClientOptions {
  /** Default wait for a reply. */
  timeoutMs?: number;
  /** The server under test, so a wait that fails can say it crashed. */
  server?: ServerProcess;
  transcript?: Transcript;
  /** Line mode: require CRLF line ends (Internet protocols do). */
  strictCRLF?: boolean;
  /**
   * Wait out every budget even when the server is idle. Needed only when what a
   * wait expects depends on something the test has yet to do elsewhere (another
   * client's next step): by default an idle server with nothing more on its way
   * fails the wait at once (stall.ts).
   */
  patient?: boolean;
  /**
   * The server may compute for seconds before it answers (a CPU-heavy job, in
   * it or a child): never call it stuck for the CPU it burns. An idle server
   * still fails a wait at once.
   */
  longJobs?: boolean;
}

export type Expected = string | RegExp;

/** Servers that have sent some client of this process a byte. */
const answered = new WeakSet<ServerProcess>();
/** How soon a wait first looks at a server that has never answered anyone. */
const SILENT_FIRST_LOOK_MS = 20;

export class TcpClient {
  readonly transcript: Transcript;
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  private lastSent = '(nothing sent yet)';
  private readonly timeoutMs: number;
  private readonly strictCRLF: boolean;
  /** Bytes received so far: progress, for telling a slow server from a stuck one. */
  private received = 0;

  private constructor(
    readonly socket: net.Socket,
    private readonly opts: ClientOptions,
  ) {
    this.transcript = (opts.transcript ?? new Transcript()).lane(socket); // this connection's entries, in the shared transcript
    this.timeoutMs = scaled(opts.timeoutMs ?? 3000);
    this.strictCRLF = opts.strictCRLF ?? true;
    socket.on('data', (c: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, c]) : c;
      this.received += c.length;
      if (opts.server) answered.add(opts.server);
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
        waitExpired(`a connection to ${host}:${port}`);
        reject(new LabFailure(`could not connect to ${host}:${port} within ${seconds(timeoutMs)}`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', async (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // The cause first: a server that crashed is why the connection was refused.
        const server = opts.server;
        if (server && (server.exit || (await server.waitExit(300)))) {
          reject(new LabFailure(`the server ${server.howItEnded()}:\n${crashSummary(server.output())}\nso the test could not connect to it (${e.code ?? e.message}).`));
        } else {
          reject(new LabFailure(`could not connect to ${host}:${port}: ${e.code ?? e.message}. Is the server listening?`));
        }
      });
    });
    return new TcpClient(socket, opts);
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** A wait's budget: the test's own (scaled to this machine), else the client's default. */
  private budget(ms: number | undefined): number {
    return ms === undefined ? this.timeoutMs : scaled(ms);
  }

  /** Is anything still on its way from the test to the server (a write waiting for 'drain', a chaos write)? */
  private quiet(): boolean {
    return !sendingTo(this.socket);
  }

  /** A watch on the server for one wait, unless the test asked to wait patiently or no server is known. */
  private stallWatch(): StallWatch | undefined {
    const server = this.opts.server;
    if (this.opts.patient || !server) return undefined;
    // A server that has never sent a byte to any client is looked at sooner: a silent server
    // costs each test one quick look, and a working one pays for a look once at most.
    return server.stallWatch(this.opts.longJobs ? Infinity : undefined, answered.has(server) ? undefined : SILENT_FIRST_LOOK_MS);
  }

  /** Sleep until data, an end, an error, or `ms`. */
  private nap(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  /**
   * Look at the server while waiting: returns a stall (idle with nothing on
   * the way, or stuck) once certain. Bytes that arrive count as progress.
   */
  private async stalled(watch: StallWatch | undefined, seen: { received: number }): Promise<Stall | undefined> {
    if (!watch) return undefined;
    if (this.received !== seen.received) {
      seen.received = this.received;
      watch.progress();
      return undefined;
    }
    const stall = await watch.check(() => this.quiet());
    // Whatever arrived while we looked is progress, not a stall.
    return stall && this.received === seen.received ? stall : undefined;
  }

  /** Wait until `ready()` returns a value, the stream ends, the server stalls, or time runs out. */
  private async waitFor<T>(ready: () => T | undefined, what: string, explicitMs?: number): Promise<T> {
    const ms = this.budget(explicitMs);
    const deadline = Date.now() + ms;
    const watch = this.stallWatch();
    const seen = { received: this.received };
    for (;;) {
      const v = ready();
      if (v !== undefined) return v;
      if (this.error || this.ended) this.transcript.closed('S', this.error ? 'reset' : 'fin');
      if (this.error) await this.failChecked(`connection error (${(this.error as NodeJS.ErrnoException).code ?? this.error.message})`, what);
      if (this.ended) await this.failChecked('the server closed the connection', what);
      const stall = await this.stalled(watch, seen);
      if (stall) {
        const late = ready();
        if (late !== undefined) return late;
        this.transcript.timedOut('C', ms - (deadline - Date.now()));
        this.failStalled(stall, what);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.transcript.timedOut('C', ms);
        waitExpired(what);
        await this.failChecked(`nothing within ${seconds(ms)}`, what);
      }
      await this.nap(Math.min(left, watch ? watch.msUntilLook() : left));
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
    throw new LabFailure(`waited for ${expected}; instead, ${got}.\n${this.transcript.render(`expected ${expected}`)}${this.partial()}`);
  }

  /** The server stalled (stall.ts): say so first, then what the test was waiting for. */
  private failStalled(stall: Stall, expected: string): never {
    this.opts.server?.assertAlive(`the test waited for ${expected}`);
    throw new LabFailure(`${stallSentence(stall, expected)}\n${this.transcript.render(`expected ${expected}`)}${this.partial()}`);
  }

  /** Bytes that came but are not a whole reply: said in words, and drawn in the picture. */
  private partial(): string {
    if (!this.buf.length) return '';
    this.transcript.unread('S', this.buf);
    return `\n  (bytes received but not yet a full reply: ${showBytes(this.buf)})`;
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
    const budget = this.budget(ms);
    const deadline = Date.now() + budget;
    const watch = this.stallWatch();
    const seen = { received: this.received };
    while (!this.ended) {
      if (this.buf.length) {
        const extra = this.buf;
        this.buf = Buffer.alloc(0);
        this.transcript.add('S', showLine(extra), { bytes: extra });
        throw new LabFailure(`expected ${what}, but it sent more.\n${this.transcript.render('expected the connection to close here')}`);
      }
      const stall = await this.stalled(watch, seen);
      if (stall && !this.ended && !this.buf.length) {
        this.transcript.timedOut('C', budget - (deadline - Date.now()));
        throw new LabFailure(`${stallSentence(stall, what)} It left the connection open.\n${this.transcript.render('expected the server to close the connection')}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.transcript.timedOut('C', budget);
        waitExpired(what);
        throw new LabFailure(`expected ${what}, but it stayed open for ${seconds(budget)}.\n${this.transcript.render('expected the server to close the connection')}`);
      }
      await this.nap(Math.min(left, 50));
    }
    this.transcript.closed('S', this.error ? 'reset' : 'fin', '(server closed the connection)');
  }

  // ---- byte stream ---------------------------------------------------------

  /** Write bytes, waiting for the socket to accept them (honours backpressure). */
  async write(data: Buffer, label?: string): Promise<void> {
    this.transcript.add('C', label ?? showBytes(data), { bytes: data });
    if (this.socket.destroyed) return; // the peer is gone: the next read reports why
    if (!this.socket.write(data)) {
      const done = writing(this.socket);
      await new Promise<void>((resolve) => {
        const go = () => {
          this.socket.off('drain', go);
          this.socket.off('close', go);
          done();
          resolve();
        };
        this.socket.on('drain', go);
        this.socket.on('close', go);
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
    const budget = this.budget(ms);
    const deadline = Date.now() + budget;
    const watch = this.stallWatch();
    const seen = { received: this.received };
    while (!this.ended && !this.error) {
      const stall = await this.stalled(watch, seen);
      if (stall && !this.ended && !this.error) {
        this.transcript.timedOut('C', budget - (deadline - Date.now()));
        this.failStalled(stall, `${what} (${this.buf.length} bytes received so far)`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.transcript.timedOut('C', budget);
        const had = this.buf.length;
        waitExpired(what);
        await this.failChecked(`no end of stream within ${seconds(budget)} (${had} bytes received so far)`, what);
      }
      await this.nap(Math.min(left, watch ? watch.msUntilLook() : left));
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

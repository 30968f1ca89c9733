// Wires a byte stream (a TCP socket, or stdin/stdout for --stdio) to a
// session (POP3's Session; from lab 12 also SMTP's SmtpSession): frames
// lines, runs commands one at a time in order (pipelining, RFC 2449 §6.6 and
// RFC 2920), writes replies with backpressure, and runs the autologout (idle)
// timer. One client can cost the others nothing: it is read only as fast as
// its replies are written, and it yields the event loop after every reply.
// Given: nothing to write here until the robustness lab (its TODOs name it).
import type { Readable, Writable } from 'node:stream';
import { LineReader, type Input } from './line-reader.ts';
import type { Reply } from './session.ts';

export type { Reply };

/** What a Connection drives: a protocol's session, one line in, at most one reply out. */
export interface LineSession {
  /** The first line the server sends. */
  greeting(): string;
  /** One input line (or word that one was too long): its reply, or none (SMTP's message lines get none). */
  handle(input: Input): Reply | undefined | Promise<Reply | undefined>;
  /** The reply to a command that failed inside the server (`detail`: an unfinished lab's TODO, or ''). */
  internalError(detail: string): string;
  /** What to say when the server closes the connection on its own (SMTP's 421); POP3 says nothing. */
  closing?(why: 'idle' | 'shutdown'): string;
  /** The connection is over, however it ended: let go of what the session holds. */
  end(): void;
}

/** The line that ends every multi-line reply (RFC 1939 §3). */
const TERMINATOR = Buffer.from('.\r\n');

/** Commands read ahead of the one running; past this the input is paused. */
const MAX_QUEUED = 32;

export interface ConnectionOptions {
  /** RFC 1939 §3 autologout: close after this long without a command (ms). */
  idleMs: number;
  /** Close the transport at the end (socket.destroy(), or exit for --stdio). */
  close(): void;
  log(message: string): void;
  /** The longest line the reader holds, line end included (POP3: 255, RFC 2449 §4). */
  maxLineOctets?: number;
}

/** Let the event loop run everything else that is waiting (other clients' I/O) before going on. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Connection {
  private readonly reader: LineReader;
  private readonly queue: Input[] = [];
  private running = false;
  private inputEnded = false;
  private closed = false;
  private idle: NodeJS.Timeout | undefined; // the autologout timer
  private wakeDrain: (() => void) | null = null; // a write waiting for the socket
  private stopping = false; // the server is shutting down: close after the command running now

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly session: LineSession,
    private readonly opts: ConnectionOptions,
  ) {
    this.reader = new LineReader(opts.maxLineOctets);
    this.startAutologout();
    input.on('data', (chunk: Buffer) => this.received(chunk));
    input.on('end', () => {
      this.inputEnded = true;
      void this.pump();
    });
    input.on('error', () => this.finish('input error'));
    output.on('error', () => this.finish('output error'));
    output.on('close', () => this.finish('closed by the client'));
    output.on('drain', () => this.wake());
    input.on('close', () => {
      if (!this.running && !this.waiting()) this.finish('closed by the client');
    });
    this.write(session.greeting() + '\r\n');
  }

  /**
   * RFC 1939 §3: start the autologout timer: after opts.idleMs without a
   * command, closeNow('idle'), which closes without UPDATE and without a reply
   * (SMTP's session has one: 421). (setTimeout; keep it in this.idle, and
   * unref() it so it does not keep a stopping server alive.)
   */
  private startAutologout(): void {
    // TODO (robustness lab): the autologout timer. Until then a silent client stays connected forever.
  }

  /** A command came (or the client read more of a reply): the timer starts over (timer.refresh()). */
  private restartAutologout(): void {
    // TODO (robustness lab): restart the timer.
  }

  /** The session is over: the timer must not fire any more. */
  private stopAutologout(): void {
    // TODO (robustness lab): stop the timer.
  }

  /**
   * A chunk of input: queue its command lines and run them. A client that
   * sends commands faster than it reads the replies must not make the server
   * buffer either: read no more while this chunk's commands are unanswered
   * (pump() resumes reading once the queue is empty and the output drained).
   */
  private received(chunk: Buffer): void {
    for (const item of this.reader.push(chunk)) this.queue.push(item);
    // TODO (robustness lab): this reads on while the replies pile up; one client sending
    //       empty lines without reading keeps the others waiting and grows our memory.
    if (this.queue.length > MAX_QUEUED) this.input.pause();
    void this.pump();
  }

  /** The next command line to run, if one is waiting. */
  private next(): Input | undefined {
    return this.queue.shift();
  }

  /** Whether a command line is waiting to run. */
  private waiting(): boolean {
    return this.queue.length > 0;
  }

  /**
   * Between two commands: let the other clients run, and if this client is
   * not reading its replies, wait until it does. So a flood of commands costs
   * the server one reply's worth of memory and one command's worth of time
   * per turn of the event loop.
   */
  private async between(): Promise<void> {
    // TODO (robustness lab): yield to the other clients, wait while the output is backed up,
    //       and read on only once every queued command is answered.
    if (this.queue.length <= MAX_QUEUED / 2 && this.input.isPaused()) this.input.resume();
  }

  private wake(): void {
    const w = this.wakeDrain;
    this.wakeDrain = null;
    w?.();
  }

  private write(data: string | Buffer): boolean {
    if (this.closed) return false;
    return this.output.write(data);
  }

  /** Run queued commands in order, one at a time; the next waits until the last reply is written. */
  private async pump(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = true;
    try {
      for (let item = this.next(); item && !this.closed; item = this.next()) {
        if (this.stopping) return this.closeNow('shutdown');
        this.restartAutologout();
        const reply = await this.session.handle(item);
        // The client left while the command ran (a PASS that took the lock, say): let go again.
        if (this.closed) return this.session.end();
        if (this.stopping && !reply?.close) return this.closeNow('shutdown', reply);
        if (!reply) continue; // a line that needs no reply (a line of an SMTP message)
        await this.send(reply);
        if (reply.close) return this.finish('QUIT', true);
        await this.between();
      }
      // Every command read so far is answered: read on (or, at the end of the input, close).
      if (this.stopping) return this.closeNow('shutdown');
      if (this.inputEnded) this.finish('the client ended its input', true);
      else if (!this.closed && this.input.isPaused()) this.input.resume();
    } catch (e) {
      // A bug in a handler must not take the whole server down: end this session only.
      this.opts.log(`session error: ${(e as Error).stack ?? e}`);
      // An unfinished lab's "TODO: ..." is worth showing the client; other errors stay private.
      const todo = /^TODO: /.test((e as Error).message ?? '') ? (e as Error).message : '';
      this.write(this.session.internalError(todo) + '\r\n');
      this.finish('internal error', true);
    } finally {
      this.running = false;
    }
    if (this.waiting() && !this.closed) void this.pump(); // a chunk that came in as this run ended
  }

  /** Write a reply; a multi-line body is streamed, each chunk written before the next is read. */
  private async send(reply: Reply): Promise<void> {
    this.write(reply.line + '\r\n');
    if (!reply.body) return;
    for await (const chunk of reply.body) {
      if (this.closed) break; // leaving the loop closes the message file
      await this.writeAndWait(chunk);
    }
    this.write(TERMINATOR);
  }

  /**
   * Write a chunk and wait until the socket has handed it to the kernel. That
   * is the backpressure: a client that reads slowly slows the reading of the
   * file, and the body's buffer may be reused for the next chunk.
   */
  private writeAndWait(chunk: Buffer): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeDrain = resolve; // finish() wakes it too, if the connection closes first
      this.output.write(chunk, () => {
        this.restartAutologout(); // a client reading a long RETR is not idle
        this.wake();
      });
    });
  }

  /**
   * The server is stopping: once the command running now (if any) is answered,
   * say why (SMTP: 421, RFC 5321 §3.8) and close.
   */
  shutdown(): void {
    if (this.closed) return;
    this.stopping = true;
    if (!this.running) this.closeNow('shutdown');
  }

  /** Close on the server's own initiative (idle, shutdown), with the protocol's last words if it has any. */
  private closeNow(why: 'idle' | 'shutdown', lastReply?: Reply): void {
    if (lastReply) this.write(lastReply.line + '\r\n');
    const words = this.session.closing?.(why);
    if (words) this.write(words + '\r\n');
    this.finish(why === 'idle' ? 'autologout: idle too long' : 'server shutting down', Boolean(lastReply || words));
  }

  /** End the session (releasing what it holds; nothing is removed unless QUIT reached UPDATE) and close. */
  finish(why: string, flush = false): void {
    if (this.closed) return;
    this.closed = true;
    this.stopAutologout();
    this.session.end();
    this.wake();
    if (flush) this.output.end(() => this.opts.close());
    else this.opts.close();
    if (why.startsWith('autologout')) this.opts.log(why);
  }
}

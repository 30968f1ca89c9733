// Wires a byte stream (a TCP socket, or stdin/stdout for --stdio) to a
// Session: frames lines, runs commands one at a time in order (pipelining,
// RFC 2449 §6.6), and writes replies with backpressure.
import type { Readable, Writable } from 'node:stream';
import { LineReader, type Input } from './line-reader.ts';
import type { Reply, Session } from './session.ts';

/** The line that ends every multi-line reply (RFC 1939 §3). */
const TERMINATOR = Buffer.from('.\r\n');

/** Commands read ahead of the one running; past this the input is paused, so a flood costs no memory. */
const MAX_QUEUED = 32;

export interface ConnectionOptions {
  /** Close the transport at the end (socket.destroy(), or exit for --stdio). */
  close(): void;
  log(message: string): void;
}

export class Connection {
  private readonly reader = new LineReader();
  private readonly queue: Input[] = [];
  private running = false;
  private inputEnded = false;
  private closed = false;
  private wakeDrain: (() => void) | null = null;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly session: Session,
    private readonly opts: ConnectionOptions,
  ) {
    input.on('data', (chunk: Buffer) => {
      for (const item of this.reader.push(chunk)) this.queue.push(item);
      if (this.queue.length > MAX_QUEUED) input.pause();
      void this.pump();
    });
    input.on('end', () => {
      this.inputEnded = true;
      void this.pump();
    });
    input.on('error', () => this.finish('input error'));
    output.on('error', () => this.finish('output error'));
    output.on('drain', () => this.drained());
    output.on('close', () => this.finish('closed by the client'));
    input.on('close', () => {
      if (!this.running && this.queue.length === 0) this.finish('closed by the client');
    });
    this.write(session.greeting() + '\r\n');
  }

  private drained(): void {
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
      while (this.queue.length && !this.closed) {
        const item = this.queue.shift()!;
        const reply = await this.session.handle(item);
        // The client left while the command ran: end the session again, in case the command took something (lab 10: a lock).
        if (this.closed) return this.session.end();
        await this.send(reply);
        if (reply.close) return this.finish('QUIT', true);
        if (this.queue.length <= MAX_QUEUED / 2 && this.input.isPaused()) this.input.resume();
      }
      if (this.inputEnded) this.finish('the client ended its input', true);
    } catch (e) {
      // A bug in a handler must not take the whole server down: end this session only.
      this.opts.log(`session error: ${(e as Error).stack ?? e}`);
      // An unfinished lab's "TODO: ..." is worth showing the client; other errors stay private.
      const todo = /^TODO: /.test((e as Error).message ?? '') ? `: ${(e as Error).message}` : '';
      this.write(`-ERR [SYS/TEMP] internal server error${todo}\r\n`);
      this.finish('internal error', true);
    } finally {
      this.running = false;
    }
  }

  /** Write a reply; a multi-line body is streamed, waiting for 'drain' whenever the peer falls behind. */
  private async send(reply: Reply): Promise<void> {
    this.write(reply.line + '\r\n');
    if (!reply.body) return;
    for await (const chunk of reply.body) {
      if (this.closed) break; // leaving the loop closes the message file
      if (!this.write(chunk)) await this.waitDrain();
    }
    this.write(TERMINATOR);
  }

  private waitDrain(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.wakeDrain = resolve));
  }

  /** End the session (releasing what it holds; nothing is removed unless QUIT reached UPDATE) and close. */
  finish(why: string, flush = false): void {
    if (this.closed) return;
    this.closed = true;
    this.session.end();
    const w = this.wakeDrain;
    this.wakeDrain = null;
    w?.();
    if (flush) this.output.end(() => this.opts.close());
    else this.opts.close();
  }
}

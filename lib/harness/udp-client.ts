// A test client for UDP servers: send datagrams, receive them with timeouts.
import dgram from 'node:dgram';
import { LabFailure, scaled, seconds } from './failure.ts';
import { Transcript, showBytes } from './transcript.ts';
import type { ServerProcess } from './program.ts';

export class UdpClient {
  readonly transcript: Transcript;
  private inbox: { msg: Buffer; from: dgram.RemoteInfo }[] = [];
  private wake: (() => void) | null = null;
  private readonly timeoutMs: number;

  private constructor(
    readonly socket: dgram.Socket,
    private readonly opts: { server?: ServerProcess; timeoutMs?: number; transcript?: Transcript },
  ) {
    this.transcript = (opts.transcript ?? new Transcript()).lane();
    this.timeoutMs = scaled(opts.timeoutMs ?? 2000);
    socket.on('message', (msg, from) => {
      this.inbox.push({ msg, from });
      this.poke();
    });
    socket.on('error', () => {}); // ICMP errors on an unconnected socket are not ours to report
    opts.server?.onExit(() => this.poke()); // a crashed server is reported at once, not after a timeout
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  static async open(opts: { server?: ServerProcess; timeoutMs?: number; transcript?: Transcript } = {}): Promise<UdpClient> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpClient(socket, opts);
  }

  get port(): number {
    return this.socket.address().port;
  }

  async send(data: Buffer, port: number, host = '127.0.0.1'): Promise<void> {
    this.transcript.add('C', showBytes(data), { bytes: data });
    await new Promise<void>((resolve, reject) => this.socket.send(data, port, host, (e) => (e ? reject(e) : resolve())));
  }

  /** The next datagram, or a failure naming what was awaited. */
  async receive(what = 'an echo of the datagram', ms = this.timeoutMs): Promise<{ msg: Buffer; from: dgram.RemoteInfo }> {
    const got = await this.tryReceive(ms);
    if (!got) {
      this.opts.server?.assertAlive(`the test waited for ${what}`);
      this.transcript.timedOut('C', ms);
      throw new LabFailure(`no datagram within ${seconds(ms)}: expected ${what}.\n${this.transcript.render(`expected ${what}`)}`);
    }
    return got;
  }

  /** The next datagram, or null after `ms` (for tests where silence is right). */
  async tryReceive(ms = this.timeoutMs): Promise<{ msg: Buffer; from: dgram.RemoteInfo } | null> {
    if (!this.inbox.length && !this.opts.server?.exit) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    const got = this.inbox.shift() ?? null;
    if (got) this.transcript.add('S', showBytes(got.msg), { bytes: got.msg });
    return got;
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      /* already closed */
    }
  }
}

// A test client for UDP servers: send datagrams, receive them with timeouts.
// A wait ends early when the server has crashed, or sits idle with nothing
// pending (then nothing will come: stall.ts).
import dgram from 'node:dgram';
import { LabFailure, seconds } from './failure.ts';
import { scaled, waitExpired } from './budget.ts';
import type { ServerProcess } from './program.ts';
import { CHECK_EVERY_MS, stallSentence, type Stall } from './stall.ts';
import { members, udpDrops } from './observe.ts';
import { Transcript, showBytes } from './transcript.ts';

type Datagram = { msg: Buffer; from: dgram.RemoteInfo };

export class UdpClient {
  readonly transcript: Transcript;
  private inbox: Datagram[] = [];
  private wake: (() => void) | null = null;
  private readonly timeoutMs: number;
  private sending = 0;

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
    this.sending++;
    try {
      await new Promise<void>((resolve, reject) => this.socket.send(data, port, host, (e) => (e ? reject(e) : resolve())));
    } finally {
      this.sending--;
    }
  }

  /** Datagrams the kernel has dropped so far on the server's sockets and this client's. */
  private drops(): number {
    const server = this.opts.server;
    return udpDrops(server && !server.exit ? members(server.pid) : [], [this.port]);
  }

  /** The next datagram, or a failure naming what was awaited. */
  async receive(what = 'an echo of the datagram', explicitMs?: number): Promise<Datagram> {
    const ms = explicitMs === undefined ? this.timeoutMs : scaled(explicitMs);
    const dropsBefore = this.drops();
    const got = await this.next(ms);
    if ('stall' in got) {
      this.opts.server?.assertAlive(`the test waited for ${what}`);
      this.transcript.timedOut('C', ms);
      const dropped = this.drops() - dropsBefore;
      // The kernel dropped datagrams meanwhile (a full queue on a busy machine): the silence proves nothing. Once more, alone.
      if (dropped > 0) waitExpired(`${what} (the kernel dropped ${dropped} datagrams)`);
      throw new LabFailure(`${stallSentence(got.stall, what)}\n${this.transcript.render(`expected ${what}`)}`);
    }
    if (!got.datagram) {
      this.opts.server?.assertAlive(`the test waited for ${what}`);
      this.transcript.timedOut('C', ms);
      waitExpired(what);
      throw new LabFailure(`no datagram within ${seconds(ms)}: expected ${what}.\n${this.transcript.render(`expected ${what}`)}`);
    }
    return got.datagram;
  }

  /** The next datagram, or null after `ms` (for tests where silence is right; an idle server makes the silence certain sooner). */
  async tryReceive(explicitMs?: number): Promise<Datagram | null> {
    const ms = explicitMs === undefined ? this.timeoutMs : scaled(explicitMs);
    const got = await this.next(ms);
    if ('stall' in got) return null; // idle: the silence is certain (stuck: nothing will come either)
    // Silence taken from a clock is not proof: a test that fails because of it is re-run alone.
    if (!got.datagram && !this.opts.server?.exit) waitExpired(`${seconds(ms)} of silence`);
    return got.datagram;
  }

  /** The next datagram; or the server's stall; or nothing after `ms`. */
  private async next(ms: number): Promise<{ datagram: Datagram | null } | { stall: Stall }> {
    const deadline = Date.now() + ms;
    const watch = this.opts.server?.stallWatch();
    for (;;) {
      const got = this.inbox.shift();
      if (got) {
        this.transcript.add('S', showBytes(got.msg), { bytes: got.msg });
        return { datagram: got };
      }
      if (this.opts.server?.exit) return { datagram: null };
      const stall = await watch?.check(() => this.sending === 0);
      if (stall && this.inbox.length === 0) return { stall };
      const left = deadline - Date.now();
      if (left <= 0) return { datagram: null };
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, watch ? CHECK_EVERY_MS : left));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      /* already closed */
    }
  }
}

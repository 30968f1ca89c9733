// Memory of the server process, read from /proc/PID/status (VmRSS), while it
// streams a 100 MB message and while it holds 1,000 idle connections.
import { createWriteStream, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { Pop3Client } from './client.ts';

/** Resident set size of a process in MB (10^6 bytes), from /proc. */
export function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status: has the server exited?`);
  return (Number(m[1]) * 1024) / 1e6;
}

/** Sample the RSS every `ms` until stopped; returns the peak. */
export function sampler(pid: number, ms = 10): { stop(): number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      /* exited: the caller finds out */
    }
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

/**
 * Write a message of `mb` MiB into a Maildir's new/ without holding it in
 * memory: 76-octet lines, every 64th starting with "." so stuffing is exercised.
 * Returns its size on the wire (CRLF already, so the file size) and the stuffed line count.
 */
export async function writeBigMessage(maildir: string, mb: number): Promise<{ size: number; dots: number }> {
  const file = path.join(maildir, 'new', `1800000000.M1P1.bigmessage`);
  const out = createWriteStream(file);
  const lines: string[] = [];
  for (let i = 0; i < 13_000; i++) lines.push((i % 64 === 0 ? '.' : 'x') + `${i}`.padStart(7, '0') + 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123'.slice(0, 66));
  const block = Buffer.from(lines.join('\r\n') + '\r\n', 'latin1'); // about 1 MB
  const head = Buffer.from('From: big@example.org\r\nSubject: a large message\r\n\r\n', 'latin1');
  const blocks = Math.ceil((mb * 1024 * 1024) / block.length);
  out.write(head);
  for (let i = 0; i < blocks; i++) if (!out.write(block)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
  return { size: head.length + blocks * block.length, dots: blocks * Math.ceil(13_000 / 64) };
}

/**
 * RETR 1 of the big message with a reader that stops reading for `pauseMs`
 * after `pauseAfterMb`: a server that ignores backpressure buffers the rest in
 * memory meanwhile. Returns the octets received before the terminator.
 */
export async function retrBig(port: number, user: string, password: string, pauseAfterMb: number, pauseMs: number, timeoutMs = 60_000): Promise<number> {
  const c = await Pop3Client.connect(port, timeoutMs);
  try {
    await c.line('greeting');
    await c.command(`USER ${user}`);
    await c.command(`PASS ${password}`);
    const sock: net.Socket = c.socket;
    let seen = 0;
    let paused = false;
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (!paused && seen > pauseAfterMb * 1e6) {
        paused = true;
        sock.pause();
        setTimeout(() => sock.resume(), pauseMs);
      }
    };
    sock.on('data', onData);
    const { octets } = await c.multi('RETR 1');
    sock.off('data', onData);
    await c.command('QUIT');
    return octets;
  } finally {
    c.close();
  }
}

/** Open `n` connections, each greeted, in batches; returns them (the caller closes them). */
export async function openIdle(port: number, n: number, batch = 50): Promise<Pop3Client[]> {
  const open: Pop3Client[] = [];
  try {
    for (let i = 0; i < n; i += batch) {
      await Promise.all(
        Array.from({ length: Math.min(batch, n - i) }, async () => {
          const c = await Pop3Client.connect(port, 10_000);
          open.push(c);
          await c.line('greeting');
        }),
      );
    }
  } catch (e) {
    for (const c of open) c.close();
    throw e;
  }
  return open;
}

// Byte-stream helpers for the framing labs' graded tests.
import type net from 'node:net';
import { chaosWrite, LabFailure, scaled, seconds, type ServerProcess } from '../../lib/harness/index.ts';

/**
 * chaosWrite, bounded: it returns once the bytes are written, or as soon as
 * the peer goes away (a crashed server never sends 'drain', and the test
 * should go on to report the crash rather than wait for its own timeout).
 */
export async function chaosSend(socket: net.Socket, data: Buffer, seed: number, opts: { maxChunk?: number; maxDelayMs?: number } = {}): Promise<void> {
  const limit = scaled(10_000);
  let timer: NodeJS.Timeout | undefined;
  let onClose: (() => void) | undefined;
  const closed = new Promise<void>((resolve) => {
    onClose = resolve;
    socket.once('close', resolve);
  });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LabFailure(`could not write ${data.length} bytes within ${seconds(limit)}: the server stopped reading`)), limit);
  });
  try {
    await Promise.race([chaosWrite(socket, data, seed, opts).catch(() => {}), closed, timeout]);
  } finally {
    clearTimeout(timer);
    socket.off('close', onClose!);
  }
}

/**
 * Wait until the server's stderr matches `re`. Its stderr is a pipe and its
 * replies a socket, so a line printed before a close may arrive after it.
 * Returns false after `ms` without a match.
 */
export async function stderrMatches(server: ServerProcess, re: RegExp, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + scaled(ms);
  while (!re.test(server.stderr.text())) {
    if (Date.now() > deadline || server.exit) return re.test(server.stderr.text());
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Write `pieces` one by one with a pause between, so each leaves as its own segment: splits exactly where a test wants them. */
export async function writePieces(socket: net.Socket, pieces: Buffer[], pauseMs = 15): Promise<void> {
  socket.setNoDelay(true);
  for (const p of pieces) {
    if (socket.destroyed) return;
    socket.write(p);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

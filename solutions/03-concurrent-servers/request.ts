// Lab 03 — reading one request, for both servers: every byte the client sends
// before its FIN, from a client that may not stay silent for long, nor send
// more than a request can hold. A slow client costs its own connection, never
// the server.
import type net from 'node:net';
import { errorReply, MAX_REQUEST } from './protocol.ts';

/** Why there is no request: the client went silent, sent too much, or left. */
export class NoRequest extends Error {}

/**
 * Collect the client's request: every chunk until its FIN ('end'). A client
 * silent for `idleMs` is hung up on (socket.setTimeout, then destroy), and one
 * that sends more than MAX_REQUEST bytes gets an "error: ..." line and is
 * closed; either way the promise rejects with NoRequest. Once the request is
 * complete the timer is off: from then on the client is waiting for us.
 */
export function readRequest(socket: net.Socket, idleMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (why: string) => {
      done = true;
      reject(new NoRequest(why));
    };
    socket.setTimeout(idleMs);
    socket.on('timeout', () => {
      if (done) return;
      socket.destroy(); // idle: the slot goes to someone else
      fail(`silent for ${idleMs} ms`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_REQUEST) {
        socket.end(errorReply(`a request is at most ${MAX_REQUEST} bytes`) + '\n', () => socket.destroy());
        return fail(`sent more than ${MAX_REQUEST} bytes`);
      }
      chunks.push(chunk);
    });
    socket.on('end', () => {
      if (done) return;
      done = true;
      socket.setTimeout(0);
      resolve(Buffer.concat(chunks));
    });
    socket.on('close', () => {
      if (!done) fail('the client left before finishing its request');
    });
  });
}

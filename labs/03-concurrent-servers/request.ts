// Lab 03 — reading one request, for both servers: every byte the client sends
// before its FIN, from a client that may not stay silent for long, nor send
// more than a request can hold. Your task: readRequest() below.
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
  throw new Error(
    `TODO: readRequest() in labs/03-concurrent-servers/request.ts is not written yet (client port ${socket.remotePort}, idle limit ${idleMs} ms, ` +
      `at most ${MAX_REQUEST} bytes; ${NoRequest.name} and ${errorReply.name} are ready to use)`,
  );
}

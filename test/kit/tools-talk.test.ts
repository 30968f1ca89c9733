// talk, driven as a person drives it: in a terminal (a private tmux server),
// typing lines, pressing Up for history and Ctrl-D to half-close, against a
// small scripted server on 127.0.0.1 that records every byte it receives.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { KIT_ROOT, TSX_LOADER } from '../../lib/paths.ts';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

let tmp: string;
let sock: string;
let server: net.Server | undefined;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-talk-'));
  sock = path.join(tmp, 'tmux.sock'); // a private tmux server: never the user's sessions
});
afterEach(async () => {
  spawnSync('tmux', ['-S', sock, 'kill-server'], { stdio: 'ignore' });
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  rmSync(tmp, { recursive: true, force: true });
});

const tmux = (...args: string[]) => execFileSync('tmux', ['-S', sock, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'talk');

/** Poll until `check` passes, at most `ms`; fails with what was on screen. */
async function until(what: string, check: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}. The terminal showed:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A server that answers each CRLF-free "line" it gets, and says bye after the client half-closes. */
async function scriptedServer() {
  const received: Buffer[] = [];
  const events: string[] = [];
  server = net.createServer({ allowHalfOpen: true }, (c) => {
    let pending = '';
    c.write('+OK talk test ready\r\n');
    c.on('data', (d: Buffer) => {
      received.push(d);
      pending += d.toString('latin1');
      for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
        const line = pending.slice(0, i + 1);
        pending = pending.slice(i + 1);
        if (line.startsWith('USER')) c.write('+OK hello\r\nbare line\n');
        else if (line.startsWith('BIN')) c.write(Buffer.from([0x00, 0x07, 0xff, 0x0d, 0x0a]));
        else c.write('-ERR what?\r\n');
      }
    });
    c.on('end', () => {
      events.push('end');
      c.end('+OK bye\r\n'); // the reply after a half-close still arrives
    });
    c.on('error', () => {});
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server!.address() as net.AddressInfo).port;
  return { port, bytes: () => Buffer.concat(received).toString('latin1'), events };
}

test.skipIf(!hasTmux)('typed lines go out with CRLF, replies show a bare LF and binary, Up recalls, Ctrl-D half-closes', async () => {
  const srv = await scriptedServer();
  const cmd = `${process.execPath} --import ${TSX_LOADER} ${path.join(KIT_ROOT, 'lib/cli/talk.ts')} 127.0.0.1 ${srv.port}; echo "talk exited $?"; sleep 60`;
  execFileSync('tmux', ['-S', sock, 'new-session', '-d', '-s', 'talk', '-x', '160', '-y', '40', cmd], {
    env: { ...process.env, SOCKET_KIT_STATE: path.join(tmp, 'state'), NO_COLOR: '1' },
  });
  await until('talk to connect and greet', () => screen().includes('S: +OK talk test ready'));
  expect(screen()).toContain('# connected to 127.0.0.1');

  tmux('send-keys', '-t', 'talk', '-l', 'USER bob');
  tmux('send-keys', '-t', 'talk', 'Enter');
  await until('the reply to USER', () => screen().includes('bare line'));
  const shown = screen();
  expect(shown).toMatch(/^C: USER bob$/m);
  expect(shown).toMatch(/^S: \+OK hello$/m); // CRLF: nothing to show
  expect(shown).toMatch(/^S: bare line {3}\(ended by a bare LF, not CRLF\)$/m);

  tmux('send-keys', '-t', 'talk', 'Up'); // history: the last line again
  tmux('send-keys', '-t', 'talk', 'Enter');
  tmux('send-keys', '-t', 'talk', '-l', 'BIN');
  tmux('send-keys', '-t', 'talk', 'Enter');
  await until('the binary reply', () => screen().includes('S: \\x00\\x07\\xff'));

  tmux('send-keys', '-t', 'talk', 'C-d');
  await until('talk to exit after the server closes', () => screen().includes('talk exited 0'));
  expect(srv.events).toEqual(['end']);
  expect(screen()).toMatch(/^S: \+OK bye$/m);
  expect(screen()).toContain('# the server closed the connection');
  expect(srv.bytes()).toBe('USER bob\r\nUSER bob\r\nBIN\r\n'); // exactly what was typed, CRLF each
}, 30_000);

test.skipIf(!hasTmux)('says plainly when nothing listens on the port', async () => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const cmd = `${process.execPath} --import ${TSX_LOADER} ${path.join(KIT_ROOT, 'lib/cli/talk.ts')} ${port}; echo "talk exited $?"; sleep 60`;
  execFileSync('tmux', ['-S', sock, 'new-session', '-d', '-s', 'talk', '-x', '160', '-y', '20', cmd], {
    env: { ...process.env, SOCKET_KIT_STATE: path.join(tmp, 'state'), NO_COLOR: '1' },
  });
  await until('talk to give up', () => screen().includes('talk exited 1'));
  expect(screen()).toContain(`nothing listens on 127.0.0.1:${port} (connection refused)`);
}, 20_000);

test.skipIf(!hasTmux)('--udp sends each typed line as one datagram and shows each reply datagram', async () => {
  const { default: dgram } = await import('node:dgram');
  const udp = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  udp.on('message', (msg, from) => {
    got.push(msg);
    udp.send(Buffer.concat([Buffer.from('echo:'), msg]), from.port, from.address);
  });
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  try {
    const cmd = `${process.execPath} --import ${TSX_LOADER} ${path.join(KIT_ROOT, 'lib/cli/talk.ts')} 127.0.0.1:${udp.address().port} --udp; echo "talk exited $?"; sleep 60`;
    execFileSync('tmux', ['-S', sock, 'new-session', '-d', '-s', 'talk', '-x', '160', '-y', '20', cmd], {
      env: { ...process.env, SOCKET_KIT_STATE: path.join(tmp, 'state'), NO_COLOR: '1' },
    });
    await until('talk to be ready', () => screen().includes('talking UDP to 127.0.0.1'));
    tmux('send-keys', '-t', 'talk', '-l', 'ping one');
    tmux('send-keys', '-t', 'talk', 'Enter');
    await until('the reply datagram', () => screen().includes('S: "echo:ping one"'));
    tmux('send-keys', '-t', 'talk', 'C-d');
    await until('talk to exit', () => screen().includes('talk exited 0'));
    expect(got.map((b) => b.toString('latin1'))).toEqual(['ping one']); // no line end on a datagram
  } finally {
    udp.close();
  }
}, 20_000);

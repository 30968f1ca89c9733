// The lab contract for every reference server: starts with --port 0, prints
// 'listening on HOST:PORT', answers a connection, and exits 0 on SIGTERM.
import { existsSync } from 'node:fs';
import { MailRoot } from '../fixtures/pop3/mail-root.ts';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { labDir, labFolders, labs } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { startServer } from '../../lib/harness/program.ts';

// POP3 servers need a mail root: one account, an empty Maildir.
// (Made through MailRoot, so that the program can reach it under the sandbox too.)
const mailRoot = new MailRoot([{ user: 'alice', password: 'secret' }]);
afterAll(() => mailRoot.remove());

// One server per folder (the labs that grow one program share it), and the mail folder's SMTP server.
const servers = labFolders(labs())
  .flatMap((folder) => ['server.ts', 'smtp-server.ts'].map((name) => ({ folder: `${folder}/${name}`, file: kitPath('solutions', folder, name) })))
  .filter((s) => existsSync(s.file));
const needsMailRoot = new Set(labs().filter((l) => l.slug.includes('pop3')).map((l) => labDir(kitPath('solutions'), l)));

test.concurrent.each(servers.map((s) => [s.folder, s.file]))('solutions/%s starts on port 0 and exits 0 on SIGTERM', async (_folder, file) => {
  const args = needsMailRoot.has(path.dirname(file)) ? ['--mail-root', mailRoot.dir] : [];
  const server = await startServer(file, { args });
  try {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    server.signal('SIGTERM');
    const exit = await server.waitExit(3000);
    expect(exit, 'still running 3 s after SIGTERM').not.toBeNull();
    expect(exit).toEqual({ code: 0, signal: null });
  } finally {
    await server.stop();
  }
});

// The lab contract for every reference server: starts with --port 0, prints
// 'listening on HOST:PORT', answers a connection, and exits 0 on SIGTERM.
import { existsSync } from 'node:fs';
import { afterAll, expect, test } from 'vitest';
import { labs } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { startServer } from '../../lib/harness/program.ts';

import { MailRoot } from '../fixtures/pop3/mail-root.ts';

// POP3 servers need a mail root: one account, an empty Maildir (where the program can reach it, sandbox or not).
const mailRoot = new MailRoot([{ user: 'alice', password: 'secret' }]);
afterAll(() => mailRoot.remove());

const servers = labs()
  .map((l) => ({ slug: l.slug, file: kitPath('solutions', l.slug, 'server.ts') }))
  .filter((s) => existsSync(s.file));

test.concurrent.each(servers.map((s) => [s.slug, s.file]))('solutions/%s/server.ts starts on port 0 and exits 0 on SIGTERM', async (slug, file) => {
  const args = slug.includes('pop3') ? ['--mail-root', mailRoot.dir] : [];
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

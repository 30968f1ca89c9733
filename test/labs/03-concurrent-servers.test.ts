// Graded tests for lab 03 — concurrent servers: the job protocol (one request
// per connection, ended by the client's FIN), answered by the event-loop server
// (server.ts) and the process-per-client server (fork-server.ts).
import { createHash } from 'node:crypto';
import { labTest, LabFailure, type LabContext, type ServerProcess } from '../../lib/harness/index.ts';

const { graded } = labTest('concurrent-servers');

/** A crack job whose answer is `answer`: the server must try answer + 1 numbers to find it. */
function crackJob(salt: string, answer: number, limit = answer + 1): string {
  return `crack ${salt} ${createHash('sha256').update(salt + answer).digest('hex')} ${limit}`;
}

/** C: request, then FIN / S: one line, then the server closes. Returns the line. */
async function ask(t: LabContext, server: ServerProcess, request: string, ms = 5000): Promise<string> {
  const c = await t.tcp(server, { timeoutMs: ms });
  c.sendRaw(request, request);
  c.end();
  const reply = (await c.readToEnd(`the reply to "${request.slice(0, 40)}" and the server's close`, ms)).toString('utf8');
  if (!reply.endsWith('\n')) throw new LabFailure(`the reply should be one line ending in a line end, then the close.\n${c.transcript.render('expected "...\\n" and a close')}`);
  return reply.slice(0, -1);
}

graded('server.ts answers echo and crack requests, one per connection', 2, async (t) => {
  const server = await t.start('server.ts');
  const echo = await ask(t, server, 'echo hello, event loop');
  if (echo !== 'hello, event loop') throw new LabFailure(`"echo hello, event loop" should be answered with "hello, event loop"; the reply was ${JSON.stringify(echo)}.`);
  const found = await ask(t, server, crackJob('s4lt', 4321), 15_000);
  if (found !== '4321') throw new LabFailure(`a crack job whose answer is 4321 was answered with ${JSON.stringify(found)}.`);
}, { hint: 'off-the-loop' });

// The limits that stopped a student's program, as the feedback's summary names
// them, from each way the harness and the sandbox say so.
import { expect, test } from 'vitest';
import { stopReasons } from '../../lib/instructor/feedback.ts';

test('memory, processes, output and time limits are found in a failure, one phrase each', () => {
  const ran = 'ran `tsx submissions/eve/01-udp-echo/client.ts --port 1 hi`:';
  expect(stopReasons(`${ran} it was killed by SIGKILL.\n  stderr:\n    | socket-kit sandbox: the program was stopped because it used more than 768 MB of memory.`)).toEqual([
    'stopped: it used more than 768 MB of memory',
  ]);
  expect(stopReasons(`${ran} it was stopped by the grader's sandbox: it used more than 768 MB of memory.`)).toEqual(['stopped: it used more than 768 MB of memory']);
  expect(stopReasons(`${ran} it was killed by SIGKILL (it reached the limit of 96 processes and threads).`)).toEqual(['stopped: it reached the limit of 96 processes and threads']);
  expect(stopReasons('`tsx server.ts` printed more than 32 MB of output and was stopped')).toEqual(['stopped: it printed more than the output limit']);
  expect(stopReasons('the test did not finish within its time limit. Something waited for a reply that never came')).toEqual(['stopped: it did not finish within the time limit']);
  expect(stopReasons('not graded: the grading run was stopped after 360 s')).toEqual(['stopped: grading took longer than its limit of 360 s']);
  // An ordinary failure names no limit, even when it mentions one.
  expect(stopReasons('with --max-size 100, a 200-byte datagram was echoed (200 bytes). It should be dropped.')).toEqual([]);
  expect(stopReasons('no reply to STAT within 2 s')).toEqual([]);
});

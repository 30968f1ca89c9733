// The class run's progress: a bar with who is being graded and an ETA on a
// terminal; one line per finished student in a log.
import { expect, test } from 'vitest';
import { Progress } from '../../lib/instructor/progress.ts';

function fakeStream(tty: boolean) {
  const writes: string[] = [];
  const stream = { isTTY: tty, columns: 120, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

test('on a terminal: a bar, the students being graded and an ETA, redrawn in place', () => {
  const { stream, writes } = fakeStream(true);
  const p = new Progress(4, stream);
  p.begin('ann');
  p.begin('bob');
  expect(writes.at(-1)).toMatch(/^\r\x1b\[K.*0\/4.*ETA ….*grading: ann, bob/);
  p.end('ann', '19/19');
  expect(writes.join('')).toContain('ann: 19/19\n');
  expect(writes.at(-1)).toMatch(/1\/4  ETA \d+ s  grading: bob/);
  p.finish();
});

test('in a log: one line per finished student with the count and an ETA, no control characters', () => {
  const { stream, writes } = fakeStream(false);
  const p = new Progress(2, stream);
  p.begin('ann');
  p.end('ann', '0/19');
  p.begin('bob');
  p.end('bob', '19/19');
  p.finish();
  expect(writes).toEqual([expect.stringMatching(/^\[1\/2\] ann: 0\/19  \(ETA \d+ s\)\n$/), expect.stringMatching(/^\[2\/2\] bob: 19\/19  \(ETA 0 s\)\n$/)]);
});

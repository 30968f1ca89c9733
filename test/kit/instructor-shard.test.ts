// --shard K/N: slices of the class that cover it exactly once, contiguous,
// sizes differing by at most one (larger ones first, as Playwright splits).
import { expect, test } from 'vitest';
import { parseShard, shardOf } from '../../lib/instructor/run-store.ts';

test('N slices cover the class once, in order, balanced', () => {
  for (const size of [0, 1, 5, 12, 100]) {
    const all = Array.from({ length: size }, (_, i) => `s${String(i).padStart(3, '0')}`);
    for (const count of [1, 2, 3, 4, 7, 120]) {
      const slices = Array.from({ length: count }, (_, i) => shardOf(all, { index: i + 1, count }));
      expect(slices.flat()).toEqual(all);
      const sizes = slices.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect([...sizes].sort((a, b) => b - a)).toEqual(sizes); // the larger ones first
    }
  }
  expect(shardOf(['a', 'b', 'c', 'd', 'e'], { index: 2, count: 2 })).toEqual(['d', 'e']);
});

test('K/N is read as vitest and Playwright read it, and anything else is refused with an example', () => {
  expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
  for (const bad of ['0/2', '3/2', '1/0', '2', 'a/b', '1/2/3', '-1/2']) expect(() => parseShard(bad), bad).toThrow(/K\/N with 1 ≤ K ≤ N, as in --shard 2\/4/);
});

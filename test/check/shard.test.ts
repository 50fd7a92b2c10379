/** Shards split a random check's walks evenly, each with its own seed, and parse from K/N. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SHARDS, parseShard, shardRuns, shardSeed } from '../../src/check/shard.ts';

describe('shards', () => {
  it('parse from K/N, and say what is wrong with anything else', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 1/1 ')).toEqual({ index: 1, count: 1 });
    expect(parseShard('0/4')).toBe('K must be 1 to N (4), found 0');
    expect(parseShard('5/4')).toBe('K must be 1 to N (4), found 5');
    expect(parseShard('1/0')).toBe(`N must be 1 to ${MAX_SHARDS}, found 0`);
    expect(parseShard('1/1001')).toBe(`N must be 1 to ${MAX_SHARDS}, found 1001`);
    expect(parseShard('2of4')).toBe('expected K/N, such as 2/4, found "2of4"');
    expect(parseShard('-1/4')).toBe('expected K/N, such as 2/4, found "-1/4"');
  });

  it('take every run exactly once between them, the first ones one more when it does not divide', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: MAX_SHARDS }),
        (runs, count) => {
          const shares = Array.from({ length: count }, (_, i) => shardRuns(runs, { index: i + 1, count }));
          expect(shares.reduce((a, b) => a + b, 0)).toBe(runs);
          expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
          expect([...shares].sort((a, b) => b - a)).toEqual(shares);
        },
      ),
      { seed: 20261202, numRuns: 200 },
    );
  });

  it('walk with distinct seeds, shard 1 with the check seed itself', () => {
    const seeds = Array.from({ length: 8 }, (_, i) => shardSeed(41, { index: i + 1, count: 8 }));
    expect(seeds[0]).toBe(41);
    expect(new Set(seeds).size).toBe(8);
    expect(shardSeed(2 ** 31 - 1, { index: 2, count: 2 })).toBe(0);
  });
});

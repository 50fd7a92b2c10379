/**
 * Splitting a random-mode check across N jobs (a CI matrix, say): shard K of N takes its share
 * of the walks with a seed of its own, so the N shards together take as many walks as one
 * check would, each shard's report is as reproducible as any check's, and `mergeShardReports`
 * combines them into one verdict. Shard 1 of 1 is the unsharded check.
 */

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** The largest number of shards a check is split into. */
export const MAX_SHARDS = 1000;

/** `K/N` as a shard, or a sentence saying what is wrong with it. */
export function parseShard(text: string): Shard | string {
  const match = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  if (!match) return `expected K/N, such as 2/4, found "${text}"`;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS) return `N must be 1 to ${MAX_SHARDS}, found ${count}`;
  if (index < 1 || index > count) return `K must be 1 to N (${count}), found ${index}`;
  return { index, count };
}

/** The walks shard `shard` takes of `runs`: an even split, the first `runs % N` shards one more. */
export function shardRuns(runs: number, shard: Shard): number {
  return Math.floor(runs / shard.count) + (shard.index <= runs % shard.count ? 1 : 0);
}

/** The seed shard `shard` walks with: the check's seed for shard 1, the next ones after it. */
export function shardSeed(seed: number, shard: Shard): number {
  return (seed + shard.index - 1) % 2 ** 31;
}

/**
 * Shard reports of one random check merge into one verdict: a violation any shard found, with
 * the shortest counterexample among them, a pipeline any shard reached, counts added up; shards
 * of different checks, a shard twice or a shard missing are refused naming the file. A report
 * goes through its JSON and back unchanged, and a broken one is refused at its line and column.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/check/check.ts';
import { MergeError, mergeShardReports, type ShardReport } from '../../src/check/mergeReports.ts';
import type { CheckReport } from '../../src/check/report.ts';
import { parseReport } from '../../src/check/reportFile.ts';
import { loadTopologyFile, TopologyError } from '../../src/topology/load.ts';
import { CATALOG } from '../support/catalog.ts';

const FLAWED = join(CATALOG, 'pkvm-teardown-without-poison.yaml');
const UNBOOTABLE = join(CATALOG, 'pkvm-pvm-nomap-carveout.yaml');

async function shards(file: string, count: number, runs = 300): Promise<ShardReport[]> {
  const loaded = await loadTopologyFile(file);
  return Array.from({ length: count }, (_, i) => ({
    file: `shard-${i + 1}.json`,
    report: check(loaded, {
      mode: 'random',
      runs,
      maxDepth: 10,
      maxStates: 10_000,
      seed: 0,
      properties: [],
      shard: { index: i + 1, count },
    }),
  }));
}

let three: ShardReport[];
beforeAll(async () => {
  three = await shards(FLAWED, 3);
}, 120_000);

function mergeError(reports: readonly ShardReport[]): string {
  try {
    mergeShardReports(reports);
  } catch (error) {
    if (error instanceof MergeError) return error.message;
    throw error;
  }
  return 'merged';
}

describe('mergeShardReports', () => {
  it('reports each shard with its runs and seed', () => {
    expect(three.map((s) => s.report.shard)).toEqual([
      { index: 1, count: 3, runs: 100, seed: 0 },
      { index: 2, count: 3, runs: 100, seed: 1 },
      { index: 3, count: 3, runs: 100, seed: 2 },
    ]);
  });

  it('takes a violation from any shard, the shortest counterexample, and adds the counts up', () => {
    const merged = mergeShardReports([three[2]!, three[0]!, three[1]!]);
    expect(merged.merged).toEqual({ shards: 3, files: ['shard-1.json', 'shard-2.json', 'shard-3.json'] });
    expect(merged.shard).toBeUndefined();
    expect(merged.verdict).toBe('violation');
    for (const property of merged.properties) {
      const perShard = three.map((s) => s.report.properties.find((p) => p.name === property.name)!);
      const lengths = perShard.flatMap((p) => (p.counterexample ? [p.counterexample.steps.length] : []));
      if (lengths.length === 0) {
        expect(property.status, property.name).not.toBe('violated');
        continue;
      }
      expect(property.status).toBe('violated');
      expect(property.counterexample!.steps.length).toBe(Math.min(...lengths));
    }
    expect(merged.statistics.steps).toBe(three.reduce((sum, s) => sum + s.report.statistics.steps, 0));
    expect(merged.statistics.searches[0]).toMatchObject({
      kind: 'random',
      bound: { maxDepth: 10, runs: 300 },
    });
  });

  it('refuses shards of different checks, a shard twice, a shard missing, and unsharded reports', async () => {
    const other = (await shards(FLAWED, 3, 240))[1]!;
    expect(mergeError([three[0]!, { ...other, file: 'other.json' }, three[2]!])).toBe(
      "other.json: its runs is 240, but shard-1.json's is 300: they are shards of different checks",
    );
    expect(mergeError([three[0]!, three[1]!, { ...three[1]!, file: 'again.json' }])).toBe(
      'again.json: shard 2/3 is also shard-2.json',
    );
    expect(mergeError([three[0]!, three[2]!])).toBe('shard-1.json: shard 2/3 of this check is missing');
    const { shard: _shard, ...unsharded } = three[0]!.report;
    expect(mergeError([{ file: 'plain.json', report: unsharded as CheckReport }])).toBe(
      'plain.json: a random check that was not sharded; merge takes the reports of protmem check --mode random --shard K/N --json',
    );
    expect(mergeError([])).toBe('(no files): there is nothing to merge');
  });

  it('merges the shards of a design that does not boot into its unbootable report', async () => {
    const merged = mergeShardReports(await shards(UNBOOTABLE, 2));
    expect(merged.verdict).toBe('unbootable');
    expect(merged.unbootable?.code).toBe('EPERM');
  });
});

describe('report files', () => {
  it('read back exactly what check --json wrote', () => {
    const report = three[0]!.report;
    expect(parseReport(JSON.stringify(report, null, 2), 'r.json')).toEqual(report);
  });

  it('are refused at the line and column of each problem', () => {
    const text = JSON.stringify({ ...three[0]!.report, seed: 'x' }, null, 2);
    const error = (() => {
      try {
        parseReport(text, 'r.json');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TopologyError);
    const [issue] = (error as TopologyError).issues;
    const line = text.split('\n').findIndex((l) => l.includes('"seed": "x"')) + 1;
    expect(issue).toMatchObject({ file: 'r.json', line, path: 'seed', code: 'invalidType', found: '"x"' });
    expect(() => parseReport('{"verdict": "pass",', 'r.json')).toThrow(TopologyError);
    expect(() => parseReport('[]', 'r.json')).toThrow(/not a check report/);
  });
});

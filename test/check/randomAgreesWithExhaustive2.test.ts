/**
 * The random engine reaches the same verdict as exhaustive search on every reference topology
 * (part 2 of 2; the exhaustive verdicts are the manifest's, checked by catalogVerdicts*):
 * every violation exhaustive search finds, fast-check finds within the topology's run budget,
 * and the shortest counterexample breadth-first search gives is never longer than fast-check's
 * minimized one.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../src/check/check.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';
import { CATALOG, catalog, expectManifestVerdicts } from '../support/catalog.ts';

describe('random and exhaustive engines agree (part 2)', async () => {
  const { manifest, files } = await catalog();
  for (const file of files.filter((_, i) => i % 2 === 1)) {
    it(file, async () => {
      const random = await expectManifestVerdicts(manifest, file, 'random');
      const violated = random.properties.filter((p) => p.counterexample).map((p) => p.name);
      if (violated.length === 0) return;
      const entry = manifest.topologies[file]!;
      const shortest = check(await loadTopologyFile(join(CATALOG, file)), {
        mode: 'exhaustive',
        maxDepth: entry.maxDepth,
        maxStates: entry.maxStates ?? 300_000,
        runs: 1,
        seed: 0,
        properties: violated,
      });
      for (const property of random.properties.filter((p) => p.counterexample)) {
        const bfs = shortest.properties.find((p) => p.name === property.name)?.counterexample;
        expect(bfs, property.name).toBeDefined();
        expect(bfs!.steps.length, property.name).toBeLessThanOrEqual(property.counterexample!.steps.length);
      }
    }, 180_000);
  }
});

/**
 * On every catalog design (part 2 of 2, so the designs run on two workers), the model
 * checker's search and the reference breadth-first search find the same states, transitions,
 * ending and traces, under a bound small enough for the reference (depth 64, 12,000 states):
 * the small designs are exhausted, the large ones stop at the state bound, and the flawed ones
 * stop where the last property is decided.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sdpInvariants } from '../../properties/sdp/index.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';
import { CATALOG, catalog } from '../support/catalog.ts';
import { searchDifferences } from '../support/searchAgreement.ts';

describe('searchWorld agrees with the reference search (part 2)', async () => {
  const { files } = await catalog();
  for (const file of files.filter((_, i) => i % 2 === 1)) {
    it(file, () => {
      const path = join(CATALOG, file);
      const sdp = composeWorld(parseTopology(readFileSync(path, 'utf8'), path).topology);
      if (sdp.unbootable) return;
      const invariants = sdpInvariants.filter(
        (invariant) => !invariant.component || (sdp.world.byKind[invariant.component.kind]?.length ?? 0) > 0,
      );
      const subject = { world: sdp.world, invariants, model: sdp.model, goal: sdp.displayed };
      expect(searchDifferences(subject, { maxDepth: 64, maxStates: 12_000 })).toEqual([]);
    }, 120_000);
  }
});

/**
 * On every catalog design (part 1 of 2, so the designs run on two workers), the model
 * checker's search and the reference breadth-first search find the same states, transitions,
 * ending and traces, under a bound small enough for the reference (depth 64, 12,000 states):
 * the small designs are exhausted, the large ones stop at the state bound, and the flawed ones
 * stop where the last property is decided.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG, catalog } from '../support/catalog.ts';
import { catalogSearchDifferences } from '../support/searchAgreement.ts';

describe('searchWorld agrees with the reference search (part 1)', async () => {
  const { files } = await catalog();
  for (const file of files.filter((_, i) => i % 2 === 0)) {
    it(file, () => {
      expect(catalogSearchDifferences(join(CATALOG, file), { maxDepth: 64, maxStates: 12_000 })).toEqual([]);
    }, 120_000);
  }
});

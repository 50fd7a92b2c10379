/**
 * On the benchmark's pKVM ownership worlds, with the I1–I9 invariants, the model checker's search
 * and the reference breadth-first search find the same states, transitions, ending and traces:
 * ownership-upstream to exhaustion (56,007 states), the larger ones up to 30,000 states.
 */
import { describe, expect, it } from 'vitest';
import { benchConfigs } from '../../bench/configs.ts';
import { pkvmInvariants } from '../../properties/pkvm/index.ts';
import { buildPkvmWorld } from '../../src/world/families/pkvmFamily.ts';
import { searchDifferences } from '../support/searchAgreement.ts';

describe('searchWorld agrees with the reference search on the pKVM ownership worlds', () => {
  for (const config of benchConfigs) {
    const maxStates = config.name === 'ownership-upstream' ? 100_000 : 30_000;
    it(`${config.name}, up to ${maxStates.toLocaleString('en-US')} states`, () => {
      const { world } = buildPkvmWorld(config.spec, 'compiled', true);
      expect(searchDifferences({ world, invariants: pkvmInvariants }, { maxDepth: 1000, maxStates })).toEqual(
        [],
      );
    }, 120_000);
  }
});

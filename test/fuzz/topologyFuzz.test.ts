/**
 * Mutated catalog documents never crash protmem: each either loads or is rejected with every
 * problem placed in its text, and each that loads checks, at small bounds, without an internal
 * error (an unbootable design is a verdict, not a crash). Seeded and small enough for CI;
 * `npm run fuzz -- --runs 100000` is the long run of the same generator and oracle.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNBOOTABLE_REFUSALS } from '../support/bootRefusals.ts';
import { type FuzzOutcome, fuzzOne, topologyDocuments } from '../support/topologyFuzz.ts';

const SEED = 20261202;

describe('mutated topology documents', () => {
  it('load or are rejected in place, and check without an internal error', () => {
    const outcomes = new Map<FuzzOutcome['kind'], number>();
    fc.assert(
      fc.property(topologyDocuments({ hugeLength: 100_000, depth: 5_000 }), (document) => {
        const outcome = fuzzOne(document);
        outcomes.set(outcome.kind, (outcomes.get(outcome.kind) ?? 0) + 1);
        if (outcome.kind === 'internalError') {
          throw new Error(
            `internal error while ${outcome.phase === 'load' ? 'loading' : 'checking'} ${document.file}`,
            {
              cause: outcome.error,
            },
          );
        }
        if (outcome.kind === 'unlocated') {
          throw new Error(`unlocated problem in ${document.file}: ${outcome.detail}`);
        }
        if (outcome.kind === 'checked' && outcome.refused !== undefined) {
          expect(
            UNBOOTABLE_REFUSALS,
            `${document.file} does not boot for a reason no test classifies`,
          ).toContain(outcome.refused);
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
    // The generator reaches both sides: documents the checker runs, and documents it refuses.
    expect(outcomes.get('checked') ?? 0).toBeGreaterThan(10);
    expect(outcomes.get('rejected') ?? 0).toBeGreaterThan(10);
  });
});

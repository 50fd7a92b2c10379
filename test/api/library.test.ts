/**
 * The library API as a user's own vitest suite would use it: the README's example, run as is.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accessPaths,
  catalogPath,
  check,
  composeWorld,
  InvariantChecker,
  loadTopologyFile,
  pageLabel,
  runsOf,
  sdpInvariants,
} from '../../src/index.ts';

describe('protmem as a library', () => {
  it('lets a user state their own property over random runs of a design', async () => {
    const { topology } = await loadTopologyFile(catalogPath('split-vms-ffa-secure-display.yaml'));
    const { world, model } = composeWorld(topology);
    const checker = new InvariantChecker(world, sdpInvariants, model);

    // My own claim: whatever the host does (force reclaim, teardown, ...), no page it can read
    // ever holds plaintext, and protmem's own properties hold along the way.
    const hostReadsPlaintext = (state: (typeof world)['initial']) =>
      model.pages.some(
        (page) =>
          pageLabel(model, state, page.pfn).plaintext.length > 0 &&
          accessPaths(model, state, page.pfn, 'read').some((path) => path.party === 'host'),
      );
    fc.assert(
      fc.property(runsOf(world, { maxLength: 10 }), (run) =>
        run.every(({ state }) => checker.holds(state) && !hostReadsPlaintext(state)),
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('checks a whole design and returns the --json report', async () => {
    const report = check(await loadTopologyFile(catalogPath('pkvm-teardown-without-poison.yaml')), {
      mode: 'exhaustive',
      maxDepth: 8,
      maxStates: 100_000,
      runs: 1,
      seed: 0,
      properties: ['plaintextNeverReachesUntrusted'],
    });
    expect(report.verdict).toBe('violation');
    expect(report.properties[0]!.counterexample!.steps.at(-1)!.event).toBe('RECLAIM_DYING_GUEST_PAGE');
  });
});

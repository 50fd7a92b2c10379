/**
 * Random hypercall sequences never break the pKVM well-formedness invariants I1 to I9, on the
 * mainline and Android kernels; and the same property finds a short counterexample as soon as
 * one kernel pre-check is switched off, which shows it can fail.
 *
 * Seeds are fixed so a CI failure replays: rerun with the printed seed and path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pkvmPageMachine } from '../../machines/pkvmPageMachine.ts';
import {
  type ResolvedStep,
  resolveChoices,
  type StepChoice,
  stepChoices,
} from '../../properties/arbitraries/stepChoices.ts';
import { formatViolation } from '../../properties/model.ts';
import { pkvmInvariants } from '../../properties/pkvm/index.ts';
import { InvariantChecker } from '../../src/check/invariantChecker.ts';
import { minimizeTrace } from '../../src/engine/minimizeTrace.ts';
import type { StepDef, World, WorldState } from '../../src/world/world.ts';
import { ownershipWorld } from '../support/pkvmWorlds.ts';

const SEED = 20261125;

/** Steps of a run up to and including the first one that breaks an invariant. */
function firstViolation(world: World, choices: readonly StepChoice[]) {
  const checker = new InvariantChecker(world, pkvmInvariants);
  const model = { initial: world.initial, steps: world.steps, apply: world.apply.bind(world) };
  const trace: ResolvedStep<WorldState, StepDef>[] = [];
  for (const resolved of resolveChoices(model, choices)) {
    trace.push(resolved);
    const violations = checker.violations(resolved.state);
    if (violations.length > 0) return { trace, violations };
  }
  return { trace, violations: [] };
}

function ownershipProperty(world: World) {
  return fc.property(stepChoices({ minLength: 30, maxLength: 60, enabledBias: 0.85 }), (choices) => {
    const { violations } = firstViolation(world, choices);
    return violations.length === 0;
  });
}

describe('pKVM ownership under random hypercall sequences', () => {
  for (const kernel of ['android', 'upstream'] as const) {
    it(`keeps I1–I9 over 1000 runs of 30–60 calls (${kernel})`, () => {
      const world = ownershipWorld(kernel);
      let accepted = 0;
      let calls = 0;
      const counting = fc.property(
        stepChoices({ minLength: 30, maxLength: 60, enabledBias: 0.85 }),
        (choices) => {
          const { trace, violations } = firstViolation(world, choices);
          calls += trace.length;
          accepted += trace.filter((step) => step.accepted).length;
          return violations.length === 0;
        },
      );
      fc.assert(counting, { seed: SEED, numRuns: 1000 });
      // Runs really exercise the model: most calls are accepted and the walks are long.
      expect(calls / 1000).toBeGreaterThanOrEqual(30);
      expect(accepted / calls).toBeGreaterThan(0.7);
    });
  }

  it('finds a short, shrunk counterexample when __pkvm_host_unshare_hyp ignores the pin refcount', () => {
    const flawed = pkvmPageMachine.provide({ guards: { hypPageNotPinned: () => true } });
    const world = ownershipWorld('upstream', 'compiled', flawed);
    const result = fc.check(ownershipProperty(world), { seed: SEED, numRuns: 1000 });
    expect(result.failed).toBe(true);
    expect(result.numShrinks).toBeGreaterThan(0);
    // fast-check shrinks the choices; the concrete trace they resolve to is then minimized.
    const { trace } = firstViolation(world, result.counterexample![0]);
    const checker = new InvariantChecker(world, pkvmInvariants);
    const found = trace.filter((step) => step.accepted).map((step) => step.step);
    const minimal = minimizeTrace(world, found, (state) => !checker.holds(state)).steps;
    expect(minimal.map((step) => step.text)).toEqual([
      expect.stringMatching(/^host shares page \d with hyp$/),
      expect.stringMatching(/^hyp pins page \d$/),
      expect.stringMatching(/^host unshares page \d from hyp$/),
    ]);
    const end = minimal.reduce<WorldState | undefined>(
      (state, step) => state && world.apply(state, step),
      world.initial,
    )!;
    const violations = checker.violations(end);
    expect(violations.map((v) => v.property)).toEqual(['hostOwnedPageIsExclusive', 'pinnedPageStaysShared']);
    expect(formatViolation(violations[1]!)).toMatch(
      /^page \d: expected host SHARED_OWNED and hyp SHARED_BORROWED while pinned 1 time\(s\); actual host OWNED, hyp NOPAGE, 1 hyp pin\(s\)$/,
    );
  });
});

/**
 * The model checker's search (`searchWorld`: typed-array store, remembered outcomes, candidate
 * and dirty step masks, XOR hashes) against the reference breadth-first search over
 * `world.apply` with string fingerprints and a checker that remembers nothing: both must find
 * the same distinct states and transitions, reach the same depth, end the same way, and give the
 * same counterexample and witness traces, step for step. Returns every difference, as data.
 */
import type { Invariant, WorldModel } from '../../properties/model.ts';
import { searchWorld } from '../../src/check/exhaustive.ts';
import { InvariantChecker } from '../../src/check/invariantChecker.ts';
import { breadthFirstSearch } from '../../src/engine/bfs.ts';
import type { World, WorldState } from '../../src/world/world.ts';

export interface SearchBound {
  readonly maxDepth: number;
  readonly maxStates: number;
}

/** The invariants violated in `state`, each evaluated afresh. */
function violatedAfresh(
  world: World,
  invariants: readonly Invariant[],
  model: WorldModel,
  state: WorldState,
): string[] {
  return invariants
    .filter((invariant) => {
      if (invariant.world) return invariant.world(state, model).length > 0;
      const indices = world.byKind[invariant.component!.kind] ?? [];
      return indices.some(
        (index) =>
          invariant.component!.check(state.parts[index]!, world.components[index]!, model).length > 0,
      );
    })
    .map((invariant) => invariant.name);
}

export interface SearchSubject {
  readonly world: World;
  readonly invariants: readonly Invariant[];
  readonly model?: WorldModel;
  readonly goal?: (state: WorldState) => boolean;
}

/** What differs between the two searches of `subject` under `bound`; empty when nothing does. */
export function searchDifferences(subject: SearchSubject, bound: SearchBound): string[] {
  const { world, invariants, goal } = subject;
  const model = subject.model ?? world;
  const properties = invariants.map((invariant) => invariant.name);
  const fast = searchWorld(world, {
    ...bound,
    properties,
    checker: new InvariantChecker(world, invariants, model),
    ...(goal ? { goal } : {}),
  });
  const slow = breadthFirstSearch(world, {
    ...bound,
    properties,
    violated: (state) => violatedAfresh(world, invariants, model, state),
    ...(goal ? { goal } : {}),
  });
  const indices = (steps: readonly { index: number }[] | undefined) => steps?.map((step) => step.index);
  const summary = (result: typeof fast | typeof slow) => ({
    distinctStates: result.distinctStates,
    transitions: result.transitions,
    depth: result.depth,
    ended: result.ended,
    witness: indices(result.witness),
    counterexamples: Object.fromEntries(
      [...result.counterexamples].map(([name, steps]) => [name, indices(steps)] as const).sort(),
    ),
  });
  const a = summary(fast);
  const b = summary(slow);
  return Object.keys(a).flatMap((key) => {
    const mine = JSON.stringify(a[key as keyof typeof a]);
    const theirs = JSON.stringify(b[key as keyof typeof b]);
    return mine === theirs ? [] : [`${key}: searchWorld ${mine}, reference ${theirs}`];
  });
}

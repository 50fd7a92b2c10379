/**
 * The model checker's search (`searchWorld`: typed-array store, remembered outcomes, candidate
 * and dirty step masks, XOR hashes) against the reference breadth-first search over
 * `world.apply` with string fingerprints and a checker that remembers nothing, with the full
 * store and with hash compaction: each must find
 * the same distinct states and transitions, reach the same depth, end the same way, and give the
 * same counterexample and witness traces, step for step. Returns every difference, as data.
 */
import { readFileSync } from 'node:fs';
import type { Invariant, WorldModel } from '../../properties/model.ts';
import { sdpInvariants } from '../../properties/sdp/index.ts';
import { searchWorld } from '../../src/check/exhaustive.ts';
import { InvariantChecker } from '../../src/check/invariantChecker.ts';
import { breadthFirstSearch } from '../../src/engine/bfs.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';
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
  const search = (store: 'full' | 'compact') =>
    searchWorld(world, {
      ...bound,
      properties,
      checker: new InvariantChecker(world, invariants, model),
      ...(goal ? { goal } : {}),
      store,
    });
  const fast = search('full');
  const compact = search('compact');
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
  const b = summary(slow);
  return [
    ['searchWorld', summary(fast)],
    ['searchWorld with hash compaction', summary(compact)],
  ].flatMap(([name, a]) =>
    Object.keys(b).flatMap((key) => {
      const mine = JSON.stringify((a as typeof b)[key as keyof typeof b]);
      const theirs = JSON.stringify(b[key as keyof typeof b]);
      return mine === theirs ? [] : [`${key}: ${name} ${mine}, reference ${theirs}`];
    }),
  );
}

/**
 * `searchDifferences` on one catalog design, with the invariants that apply to it; none for a
 * design that does not boot (it has no states to search).
 */
export function catalogSearchDifferences(path: string, bound: SearchBound): string[] {
  const sdp = composeWorld(parseTopology(readFileSync(path, 'utf8'), path).topology);
  if (sdp.unbootable) return [];
  const invariants = sdpInvariants.filter(
    (invariant) => !invariant.component || (sdp.world.byKind[invariant.component.kind]?.length ?? 0) > 0,
  );
  return searchDifferences({ world: sdp.world, invariants, model: sdp.model, goal: sdp.displayed }, bound);
}

/**
 * Exhaustive breadth-first exploration with fingerprint de-duplication, for any model with
 * `apply` and `fingerprint`. Because states are visited in order of distance from the initial
 * state, the first state found violating a property gives that property's shortest
 * counterexample (ties go to the lower step index of the earlier parent), and the first state
 * reaching a goal gives the shortest witness. The search ends at the state that decides the
 * last property (and the goal, if any). Composed worlds are searched by `searchVectors`, which
 * visits states in exactly this order; this one is the simple reference it is tested against.
 *
 * Bounded by depth and by distinct states: reaching a bound ends the search with what was
 * found so far and says so; it never throws.
 */

export interface ExplorableModel<State, Step> {
  readonly initial: State;
  readonly steps: readonly Step[];
  apply(state: State, step: Step): State | undefined;
  /** The steps `apply` accepts in `state`, in the order of `steps`, when the model can tell them cheaply. */
  enabled?(state: State): readonly Step[];
  fingerprint(state: State): string;
}

export interface BfsOptions<State> {
  readonly maxDepth: number;
  readonly maxStates: number;
  /** Names of the properties violated in a state (empty when all hold). */
  readonly violated: (state: State) => readonly string[];
  /** Optional goal, such as a frame being displayed; its shortest witness is reported. */
  readonly goal?: (state: State) => boolean;
  /** Stop as soon as every property in this list has a counterexample (and the goal, if any, is reached). */
  readonly properties: readonly string[];
  readonly onProgress?: (progress: { states: number; depth: number }) => void;
}

export interface BfsResult<Step> {
  /** Shortest counterexample per violated property. */
  readonly counterexamples: ReadonlyMap<string, readonly Step[]>;
  /** Shortest trace to a goal state, if one was reached. */
  readonly witness?: readonly Step[];
  readonly distinctStates: number;
  /** Transitions expanded (successor computations that produced a state). */
  readonly transitions: number;
  /** Depth of the deepest level fully or partly explored. */
  readonly depth: number;
  /** True when the depth or state bound cut the search short. */
  readonly boundReached: boolean;
  /** Why the search ended (see `SearchEnd`). */
  readonly ended: SearchEnd;
}

/**
 * Why a search ended: `exhausted` (no unexplored state was left), `decided` (every property it
 * was asked about had its answer: a counterexample, and the goal's witness if there is a goal),
 * `depthBound` or `stateBound` (a bound cut it short).
 */
export type SearchEnd = 'exhausted' | 'decided' | 'depthBound' | 'stateBound';

export function breadthFirstSearch<State, Step>(
  model: ExplorableModel<State, Step>,
  options: BfsOptions<State>,
): BfsResult<Step> {
  // Per visited state: its parent's index and the step that led to it (-1 for the root).
  const parent: number[] = [-1];
  const via: number[] = [-1];
  const visited = new Map<string, number>([[model.fingerprint(model.initial), 0]]);
  const counterexamples = new Map<string, readonly Step[]>();
  const remaining = new Set(options.properties);
  let witnessIndex = -1;
  let transitions = 0;
  let ended: SearchEnd | undefined;

  const traceTo = (index: number): Step[] => {
    const steps: Step[] = [];
    for (let i = index; parent[i]! >= 0; i = parent[i]!) steps.push(model.steps[via[i]!]!);
    return steps.reverse();
  };
  const inspect = (state: State, index: number) => {
    for (const name of options.violated(state)) {
      if (!counterexamples.has(name)) counterexamples.set(name, traceTo(index));
      remaining.delete(name);
    }
    if (witnessIndex < 0 && options.goal?.(state)) witnessIndex = index;
  };

  inspect(model.initial, 0);
  let frontier: { state: State; index: number }[] = [{ state: model.initial, index: 0 }];
  let depth = 0;
  const done = () => remaining.size === 0 && (options.goal === undefined || witnessIndex >= 0);
  search: while (frontier.length > 0 && !done()) {
    if (depth >= options.maxDepth) {
      // The bound only cut the search short if some state one step deeper is new.
      ended = hasNewSuccessor(model, frontier, visited) ? 'depthBound' : 'exhausted';
      break;
    }
    depth++;
    const next: { state: State; index: number }[] = [];
    for (const { state, index } of frontier) {
      for (let s = 0; s < model.steps.length; s++) {
        const successor = model.apply(state, model.steps[s]!);
        if (successor === undefined) continue;
        transitions++;
        const key = model.fingerprint(successor);
        if (visited.has(key)) continue;
        if (visited.size >= options.maxStates) {
          ended = 'stateBound';
          break search;
        }
        const successorIndex = parent.length;
        visited.set(key, successorIndex);
        parent.push(index);
        via.push(s);
        inspect(successor, successorIndex);
        next.push({ state: successor, index: successorIndex });
        if (done()) {
          // The state that decided the last open question ends the search, mid-level.
          ended = 'decided';
          break search;
        }
      }
      if (options.onProgress && visited.size % 4096 === 0)
        options.onProgress({ states: visited.size, depth });
    }
    frontier = next;
  }
  // The loop ran out of states, or stopped because everything asked for was decided.
  ended ??= frontier.length === 0 ? 'exhausted' : 'decided';
  return {
    counterexamples,
    ...(witnessIndex >= 0 ? { witness: traceTo(witnessIndex) } : {}),
    distinctStates: visited.size,
    transitions,
    depth,
    boundReached: ended === 'depthBound' || ended === 'stateBound',
    ended,
  };
}

/** True iff some successor of a frontier state has not been visited. */
function hasNewSuccessor<State, Step>(
  model: ExplorableModel<State, Step>,
  frontier: readonly { state: State }[],
  visited: ReadonlyMap<string, number>,
): boolean {
  for (const { state } of frontier) {
    for (const step of model.steps) {
      const successor = model.apply(state, step);
      if (successor !== undefined && !visited.has(model.fingerprint(successor))) return true;
    }
  }
  return false;
}

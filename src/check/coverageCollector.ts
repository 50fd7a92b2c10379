/**
 * What a search records for coverage while it runs, kept off the search's own path: the
 * transitions per step (a counter the engine bumps), each newly stored state's snapshot ids per
 * component (one byte per id), a bounded sample of the stored states, and the machine
 * transitions the world computed. Nothing here is made when coverage is not asked for.
 */
import type { ExplorableModel } from '../engine/bfs.ts';
import type { StepDef, World, WorldState } from '../world/world.ts';

/** The most states a sample keeps. */
export const SAMPLE_LIMIT = 512;

/**
 * A deterministic sample of a stream of states: every state while fewer than `limit` came, then
 * every other one of those kept and every `stride`-th after, the stride doubling each time the
 * sample fills up, so the sample spreads evenly over the whole stream, in its order.
 */
export class StateSample {
  readonly states: Uint32Array[] = [];
  private stride = 1;
  private seen = 0;

  constructor(private readonly limit = SAMPLE_LIMIT) {}

  add(ids: Uint32Array): void {
    if (this.seen++ % this.stride !== 0) return;
    this.states.push(ids.slice());
    if (this.states.length < this.limit) return;
    const kept = this.states.filter((_, i) => i % 2 === 0);
    this.states.length = 0;
    this.states.push(...kept);
    this.stride *= 2;
  }

  /** The sample in words. */
  get method(): string {
    return this.stride === 1
      ? 'every stored state'
      : `every ${this.stride}th stored state, in breadth-first order`;
  }
}

export class CoverageCollector {
  /** Transitions per step index. */
  readonly taken: Float64Array;
  readonly sample = new StateSample();
  /** Machine transitions computed steps took, `component|state|EVENT` (live until `freeze`). */
  private transitions: ReadonlySet<string>;
  /** Per component, a byte per snapshot id: 1 once a stored state had it. */
  private readonly visited: Uint8Array[];
  /** States stored. */
  stored = 0;

  constructor(world: World) {
    this.taken = new Float64Array(world.steps.length);
    this.visited = world.components.map(() => new Uint8Array(16));
    this.transitions = world.recordTransitions();
  }

  /** Takes note of a newly stored state. */
  readonly onState = (ids: Uint32Array): void => {
    this.stored++;
    const visited = this.visited;
    for (let c = 0; c < ids.length; c++) {
      const id = ids[c]!;
      let marks = visited[c]!;
      if (id >= marks.length) {
        const grown = new Uint8Array(Math.max(id + 1, marks.length * 2));
        grown.set(marks);
        visited[c] = marks = grown;
      }
      marks[id] = 1;
    }
    this.sample.add(ids);
  };

  /** Stops taking machine transitions (later searches of the same world are not the one covered). */
  freeze(): void {
    this.transitions = new Set(this.transitions);
  }

  /** The machine transitions taken, `component|state|EVENT`. */
  get machineTransitions(): ReadonlySet<string> {
    return this.transitions;
  }

  /** The snapshot ids of a component that some stored state had. */
  visitedIds(component: number): number[] {
    const out: number[] = [];
    const marks = this.visited[component]!;
    for (let id = 0; id < marks.length; id++) if (marks[id] === 1) out.push(id);
    return out;
  }
}

/**
 * The world as random walks see it, counting for coverage: each step a walk (or the shrinking
 * of a counterexample) applies is counted, and the state it reaches noted.
 */
export function countedWorld(
  world: World,
  collector: CoverageCollector,
): ExplorableModel<WorldState, StepDef> {
  return {
    initial: world.initial,
    steps: world.steps,
    fingerprint: (state) => world.fingerprint(state),
    enabled: (state) => world.enabled(state),
    apply: (state, step) => {
      const next = world.apply(state, step);
      if (next !== undefined) {
        collector.taken[step.index]!++;
        collector.onState(next.ids);
      }
      return next;
    },
  };
}

/**
 * Exhaustive search of a composed world: `searchVectors` over the world's id vectors, with the
 * properties and the goal read from one scratch state that is refilled for each new state (no
 * state object per state), and the traces given back as the world's steps.
 */
import type { MachineSnapshot } from '../../machines/snapshot.ts';
import { searchVectors, type VectorSearchResult } from '../engine/vectorSearch.ts';
import type { StepDef, World, WorldState } from '../world/world.ts';
import type { InvariantChecker } from './invariantChecker.ts';

export interface WorldSearchOptions {
  readonly maxDepth: number;
  readonly maxStates: number;
  readonly properties: readonly string[];
  /** Checks the properties; none when only the goal is searched for. */
  readonly checker?: InvariantChecker;
  readonly goal?: (state: WorldState) => boolean;
  /** The steps to explore (default: every step of the world). */
  readonly steps?: readonly StepDef[];
  readonly onProgress?: (progress: { states: number; depth: number }) => void;
  /** The visited set: every state (`full`, the default) or 64-bit fingerprints (`compact`). */
  readonly store?: 'full' | 'compact';
  /** Coverage: transitions per step index, and a look at each newly stored state. */
  readonly taken?: Float64Array;
  readonly onState?: (state: Uint32Array) => void;
}

export interface WorldSearchResult extends Omit<VectorSearchResult, 'counterexamples' | 'witness'> {
  readonly counterexamples: ReadonlyMap<string, readonly StepDef[]>;
  readonly witness?: readonly StepDef[];
}

export function searchWorld(world: World, options: WorldSearchOptions): WorldSearchResult {
  const words = world.stepMaskWords;
  // A subset of the steps is a mask over the world's steps.
  const allowed = options.steps ? new Uint32Array(words) : undefined;
  for (const step of options.steps ?? []) allowed![step.index >>> 5]! |= 1 << (step.index & 31);
  const scratch: { parts: MachineSnapshot[]; ids: Uint32Array } = {
    parts: [...world.initial.parts],
    ids: world.initial.ids,
  };
  const view = (ids: Uint32Array): WorldState => {
    world.fill(scratch, ids);
    return scratch;
  };
  const { checker, goal } = options;
  const result = searchVectors(
    {
      width: world.components.length,
      initial: world.initial.ids,
      stepCount: world.steps.length,
      successor: (state, step, out, hash) => world.successor(state, step, out, hash),
      maskWords: words,
      candidates: allowed
        ? (state, out) => {
            world.candidates(state, out);
            for (let w = 0; w < words; w++) out[w]! &= allowed[w]!;
          }
        : (state, out) => world.candidates(state, out),
      dirty: (before, after, out) => world.dirtySteps(before, after, out),
    },
    {
      maxDepth: options.maxDepth,
      maxStates: options.maxStates,
      properties: options.properties,
      violated: checker ? (ids, open) => checker.violatedAmong(view(ids), open) : () => [],
      ...(goal ? { goal: (ids: Uint32Array) => goal(view(ids)) } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.store ? { store: options.store } : {}),
      ...(options.taken ? { taken: options.taken } : {}),
      ...(options.onState ? { onState: options.onState } : {}),
    },
  );
  const toSteps = (trace: readonly number[]) => trace.map((i) => world.steps[i]!);
  const { witness, counterexamples: _traces, ...statistics } = result;
  return {
    ...statistics,
    counterexamples: new Map([...result.counterexamples].map(([name, trace]) => [name, toSteps(trace)])),
    ...(witness ? { witness: toSteps(witness) } : {}),
  };
}

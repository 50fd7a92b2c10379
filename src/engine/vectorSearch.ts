/**
 * Exhaustive breadth-first search over states that are fixed-width vectors of words, with the
 * store of an explicit-state model checker (`StateStore`): visited states in one typed array in
 * discovery order, so a level is a range of indices and no frontier is kept; no object is made
 * per successor, only its words written into a scratch vector and, if new, copied into the store.
 *
 * States are found in order of distance from the first, so the first state that violates a
 * property gives its shortest counterexample (ties go to the lower step index of the earlier
 * parent), and the first that reaches the goal its shortest witness. A property that has its
 * counterexample is no longer checked, and the search ends at the state that decides the last
 * property (and the goal, if any): it does not finish the level.
 *
 * Bounded by depth and by stored states: reaching a bound ends the search with what was found
 * and says so. At the depth bound it looks one step further: if no deeper state is new, the
 * space was exhausted after all.
 */
import type { SearchEnd } from './bfs.ts';
import { CompactStateStore } from './compactStore.ts';
import { RowWindow } from './rowWindow.ts';
import { hashWords, StateStore, type VisitedStates } from './stateStore.ts';

export interface VectorModel {
  /** Words per state. */
  readonly width: number;
  readonly initial: Uint32Array;
  readonly stepCount: number;
  /**
   * Writes the successor of `state` by `step` into `out` and returns its `hashWords`, given
   * `hash`, that of `state` (so a model that knows which words changed hashes only those); returns
   * -1 if the step does not apply.
   */
  successor(state: Uint32Array, step: number, out: Uint32Array, hash: number): number;
  /**
   * Optional: writes into `out` (`maskWords` words) a mask of the steps that may apply in
   * `state`; the search then asks only those, in step order.
   */
  candidates?(state: Uint32Array, out: Uint32Array): void;
  readonly maskWords?: number;
  /**
   * Optional: writes into `out` the mask of the steps whose outcome may differ between `before`
   * and `after`. Every other step applies in `after` exactly when it applies in `before`, so the
   * search asks, in a state, only the steps that applied in its parent and the dirty ones.
   */
  dirty?(before: Uint32Array, after: Uint32Array, out: Uint32Array): void;
}

/** Calls `visit` for each step that may apply in `state`, in step order. */
function forEachCandidate(
  model: VectorModel,
  state: Uint32Array,
  mask: Uint32Array,
  visit: (step: number) => boolean,
): boolean {
  if (model.candidates === undefined) {
    for (let step = 0; step < model.stepCount; step++) if (visit(step)) return true;
    return false;
  }
  model.candidates(state, mask);
  for (let w = 0; w < mask.length; w++) {
    let bits = mask[w]!;
    while (bits !== 0) {
      const low = bits & -bits;
      const step = (w << 5) + (31 - Math.clz32(low));
      bits ^= low;
      if (step < model.stepCount && visit(step)) return true;
    }
  }
  return false;
}

export interface VectorSearchOptions {
  readonly maxDepth: number;
  readonly maxStates: number;
  /** The properties to decide. */
  readonly properties: readonly string[];
  /** The properties among `open` the state violates. */
  readonly violated: (state: Uint32Array, open: ReadonlySet<string>) => readonly string[];
  /** A goal, such as a frame being displayed; its shortest witness is reported. */
  readonly goal?: (state: Uint32Array) => boolean;
  readonly onProgress?: (progress: { states: number; depth: number }) => void;
  /**
   * `full` (the default) keeps every state; `compact` keeps a 64-bit fingerprint of each, and
   * the vectors of the last two levels only (`CompactStateStore`).
   */
  readonly store?: 'full' | 'compact';
  /** Coverage: incremented per transition, at its step's index (left out, nothing is counted). */
  readonly taken?: Float64Array;
  /** Coverage: called with each newly stored state, the first included. */
  readonly onState?: (state: Uint32Array) => void;
}

export interface VectorSearchResult {
  /** Shortest counterexample per violated property, as step indices. */
  readonly counterexamples: ReadonlyMap<string, readonly number[]>;
  /** When each counterexample was found: states stored by then, and milliseconds into the search. */
  readonly found: ReadonlyMap<string, { readonly states: number; readonly ms: number }>;
  /** Shortest trace (step indices) to a goal state, if one was reached. */
  readonly witness?: readonly number[];
  readonly distinctStates: number;
  /** Transitions expanded (successors computed that exist, new or not). */
  readonly transitions: number;
  /** Depth of the deepest level explored, fully or partly. */
  readonly depth: number;
  readonly boundReached: boolean;
  readonly ended: SearchEnd;
  /** Bytes the store holds per stored state. */
  readonly bytesPerState: number;
  /** With a compact store: the chance that some state was missed for sharing another's fingerprint. */
  readonly omissionProbability?: number;
}

export function searchVectors(model: VectorModel, options: VectorSearchOptions): VectorSearchResult {
  const started = performance.now();
  const capacity = Math.min(options.maxStates, 1 << 16);
  const compact = options.store === 'compact' ? new CompactStateStore(model.width, capacity) : undefined;
  const store: VisitedStates = compact ?? new StateStore(model.width, capacity);
  const open = new Set(options.properties);
  const counterexamples = new Map<string, readonly number[]>();
  const found = new Map<string, { states: number; ms: number }>();
  const goal = options.goal;
  let witness: number[] | undefined;
  const decided = () => open.size === 0 && (goal === undefined || witness !== undefined);
  /** Inspects a newly stored state; true when everything asked for is decided. */
  const { taken, onState } = options;
  const inspect = (index: number, state: Uint32Array): boolean => {
    if (onState !== undefined) onState(state);
    if (open.size > 0) {
      const names = options.violated(state, open);
      if (names.length > 0) {
        const trace = store.trace(index);
        const when = { states: store.count, ms: Math.round(performance.now() - started) };
        for (const name of names) {
          counterexamples.set(name, trace);
          found.set(name, when);
          open.delete(name);
        }
      }
    }
    if (goal !== undefined && witness === undefined && goal(state)) witness = store.trace(index);
    return decided();
  };

  store.add(model.initial, -1, -1);
  const current = new Uint32Array(model.width);
  const next = new Uint32Array(model.width);
  const words = model.candidates === undefined ? Math.ceil(model.stepCount / 32) : (model.maskWords ?? 0);
  const mask = new Uint32Array(words);
  // Per expanded state of this level and the last, the mask of the steps that applied in it
  // (with a `dirty` model).
  const enabled =
    model.dirty !== undefined && model.candidates !== undefined ? new RowWindow(words) : undefined;
  const before = new Uint32Array(model.width);
  const dirtyMask = new Uint32Array(words);
  let transitions = 0;
  let depth = 0;
  let ended: SearchEnd | undefined;
  if (inspect(0, model.initial)) ended = 'decided';
  let levelStart = 0;
  let levelEnd = 1;
  // The first state of the level before this one: the parents of this level's states.
  let parentsStart = 0;
  while (ended === undefined) {
    store.release(parentsStart);
    enabled?.dropBefore(parentsStart);
    if (levelStart === levelEnd) {
      ended = 'exhausted';
      break;
    }
    if (depth >= options.maxDepth) {
      ended = hasNewSuccessor(model, store, levelStart, levelEnd, current, next, mask)
        ? 'depthBound'
        : 'exhausted';
      break;
    }
    depth++;
    const candidates = model.candidates;
    const dirty = model.dirty;
    const stepCount = model.stepCount;
    const width = model.width;
    for (let index = levelStart; index < levelEnd && ended === undefined; index++) {
      store.read(index, current);
      const hash = hashWords(current, 0, width);
      if (candidates !== undefined) candidates.call(model, current, mask);
      const base = enabled === undefined ? 0 : enabled.offset(index);
      const masks = enabled?.data;
      if (masks !== undefined) {
        const parent = store.parent(index);
        if (parent >= 0) {
          // Only the steps that applied in the parent, and those a changed component may affect.
          store.read(parent, before);
          dirty!.call(model, before, current, dirtyMask);
          const from = enabled!.offset(parent);
          for (let w = 0; w < words; w++) mask[w] = (masks[from + w]! | dirtyMask[w]!) & mask[w]!;
        }
      }
      // Each step, or each candidate step in order: word by word, lowest bit first.
      for (let w = 0; w < words && ended === undefined; w++) {
        let bits = candidates === undefined ? -1 : mask[w]!;
        while (bits !== 0) {
          const low = bits & -bits;
          bits ^= low;
          const step = (w << 5) + (31 - Math.clz32(low));
          if (step >= stepCount) break;
          const nextHash = model.successor(current, step, next, hash);
          if (nextHash < 0) continue;
          if (masks !== undefined) masks[base + w]! |= low;
          transitions++;
          if (taken !== undefined) taken[step]!++;
          if (store.count >= options.maxStates) {
            // A full store may still know this successor; only a new one is past the bound.
            if (store.find(next) >= 0) continue;
            ended = 'stateBound';
            break;
          }
          const added = store.add(next, index, step, nextHash);
          if (added >= 0 && inspect(added, next)) {
            ended = 'decided';
            break;
          }
        }
      }
      if (options.onProgress && (index & 4095) === 0) options.onProgress({ states: store.count, depth });
    }
    if (ended !== undefined) break;
    parentsStart = levelStart;
    levelStart = levelEnd;
    levelEnd = store.count;
  }
  return {
    counterexamples,
    found,
    ...(witness !== undefined ? { witness } : {}),
    distinctStates: store.count,
    transitions,
    depth,
    boundReached: ended === 'depthBound' || ended === 'stateBound',
    ended,
    bytesPerState: (store.bytes + (enabled?.bytes ?? 0)) / store.count,
    ...(compact ? { omissionProbability: compact.omissionProbability } : {}),
  };
}

/** True iff some successor of a state in `[start, end)` is not stored. */
function hasNewSuccessor(
  model: VectorModel,
  store: VisitedStates,
  start: number,
  end: number,
  current: Uint32Array,
  next: Uint32Array,
  mask: Uint32Array,
): boolean {
  for (let index = start; index < end; index++) {
    store.read(index, current);
    const found = forEachCandidate(
      model,
      current,
      mask,
      (step) => model.successor(current, step, next, 0) >= 0 && store.find(next) < 0,
    );
    if (found) return true;
  }
  return false;
}

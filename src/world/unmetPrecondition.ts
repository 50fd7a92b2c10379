/**
 * A step's preconditions as data: what must hold in the world before its caller can make the
 * call (a device must be streaming, its DMA must reach its buffer), each with the words that
 * say why the call cannot be made when it fails. A step's `plan` refuses when one fails; its
 * `unmet` names the first that failed, ranked by how many held before it, so that over many
 * states the nearest miss (the highest rank) says how close the call came to being made.
 */
import type { HeapBuffer } from './families/dmaHeapFamily.ts';
import type { Holdings } from './holdings.ts';
import type { WorldState } from './world.ts';

export interface Precondition {
  readonly holds: (state: WorldState) => boolean;
  /** Why the call cannot be made, in a reviewer's words, when `holds` is false. */
  readonly says: (state: WorldState) => string;
}

/** The first precondition that fails, ranked by how many held before it. */
export interface Unmet {
  readonly rank: number;
  readonly says: string;
}

export type UnmetPrecondition = (state: WorldState) => Unmet | undefined;

/** The index of the first precondition that fails in `state`, or -1 when all hold. */
export function firstUnmet(preconditions: readonly Precondition[], state: WorldState): number {
  for (let i = 0; i < preconditions.length; i++) if (!preconditions[i]!.holds(state)) return i;
  return -1;
}

/** A step's `unmet`: its first failing precondition in words. */
export function unmetOf(preconditions: readonly Precondition[]): UnmetPrecondition {
  return (state) => {
    const rank = firstUnmet(preconditions, state);
    return rank < 0 ? undefined : { rank, says: preconditions[rank]!.says(state) };
  };
}

/** The party holds the buffer: an fd, an import or its address. */
export function holdsBuffer(holdings: Holdings, party: string, buffer: HeapBuffer): Precondition {
  return {
    holds: (state) => holdings.holds(state, party, buffer),
    says: () => `${party} holds no fd, import or address of buffer ${buffer.name}`,
  };
}

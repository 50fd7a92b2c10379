/**
 * Which steps can possibly apply in a state, without asking each one: most steps of a world are
 * refused after one look at one machine (a guest hypercall when its vCPU is not loaded, a
 * device job when the device is not streaming), and their remembered outcome says so. Steps are
 * grouped by the component their remembered plan reads first; for each snapshot id of that
 * component the index keeps a bit mask of the steps it does not already refuse, and a state's
 * candidates are the OR of its components' masks, plus every step not grouped yet. A search
 * then asks only the candidates, in step order.
 */
import type { ReadMemo } from './readMemo.ts';

export const REFUSED_OUTCOME = -1;

export class CandidateSteps {
  /** Words of a step mask. */
  readonly words: number;
  private readonly memos: readonly ReadMemo<number>[];
  /** Steps not grouped yet (no remembered first question): always candidates. */
  private readonly ungrouped: Uint32Array;
  private readonly groupOf: Int32Array;
  private readonly grouped: number[][];
  /** Per component, per snapshot id: the mask of its steps not refused outright, when known. */
  private readonly masks: (Uint32Array | undefined)[][];

  constructor(memos: readonly ReadMemo<number>[], components: number) {
    this.memos = memos;
    this.words = Math.ceil(memos.length / 32);
    this.ungrouped = new Uint32Array(this.words);
    for (let step = 0; step < memos.length; step++) this.ungrouped[step >>> 5]! |= 1 << (step & 31);
    this.groupOf = new Int32Array(memos.length).fill(-1);
    this.grouped = Array.from({ length: components }, () => []);
    this.masks = Array.from({ length: components }, () => []);
  }

  /** Writes into `out` the mask of the steps that may apply in the state with ids `ids`. */
  candidates(ids: Uint32Array, out: Uint32Array): void {
    out.set(this.ungrouped);
    const words = this.words;
    for (let component = 0; component < this.grouped.length; component++) {
      if (this.grouped[component]!.length === 0) continue;
      const id = ids[component]!;
      const known = this.masks[component]!;
      const mask = known[id] ?? this.build(component, id);
      for (let w = 0; w < words; w++) out[w]! |= mask[w]!;
    }
  }

  /** Takes note that step `step` was just computed in the state with ids `ids`. */
  computed(step: number, ids: Uint32Array): void {
    const component = this.memos[step]!.firstComponent;
    if (component < 0) return;
    if (this.groupOf[step] === -1) {
      this.groupOf[step] = component;
      this.grouped[component]!.push(step);
      this.ungrouped[step >>> 5]! &= ~(1 << (step & 31));
      this.masks[component] = [];
      return;
    }
    this.masks[component]![ids[component]!] = undefined;
  }

  private build(component: number, id: number): Uint32Array {
    const mask = new Uint32Array(this.words);
    for (const step of this.grouped[component]!) {
      if (this.memos[step]!.answerAfterFirst(id) !== REFUSED_OUTCOME) mask[step >>> 5]! |= 1 << (step & 31);
    }
    this.masks[component]![id] = mask;
    return mask;
  }
}

/**
 * What steps did, as numbers: an outcome is the list of components a step changed and their new
 * snapshot ids, stored once in one typed array and named by its index. A step's remembered
 * result (`ReadMemo<number>`) is an outcome number or `REFUSED`, so applying a remembered step
 * writes a few ids and allocates nothing.
 */
import { mixWord } from '../engine/stateStore.ts';

/** The step is refused (or not issued) in the state. */
export const REFUSED = -1;

export class OutcomeArena {
  private pairs = new Int32Array(1024);
  private starts: number[] = [];
  private ends: number[] = [];
  private used = 0;

  /** Stores the changes `[component, id, component, id, ...]` and returns their number. */
  add(changes: readonly number[]): number {
    while (this.used + changes.length > this.pairs.length) {
      const pairs = new Int32Array(this.pairs.length * 2);
      pairs.set(this.pairs);
      this.pairs = pairs;
    }
    this.pairs.set(changes, this.used);
    this.starts.push(this.used);
    this.used += changes.length;
    this.ends.push(this.used);
    return this.starts.length - 1;
  }

  /** Applies outcome `outcome` to the ids in `out` (a copy of the state it was computed in). */
  apply(outcome: number, out: Uint32Array): void {
    const pairs = this.pairs;
    const end = this.ends[outcome]!;
    for (let i = this.starts[outcome]!; i < end; i += 2) out[pairs[i]!] = pairs[i + 1]!;
  }

  /**
   * Applies outcome `outcome` to `out`, whose `hashWords` is `hash`, and returns the hash of the
   * result: each changed word's mix is taken out and the new one put in.
   */
  applyHashed(outcome: number, out: Uint32Array, hash: number): number {
    const pairs = this.pairs;
    const end = this.ends[outcome]!;
    let h = hash;
    for (let i = this.starts[outcome]!; i < end; i += 2) {
      const component = pairs[i]!;
      const id = pairs[i + 1]!;
      h ^= mixWord(component, out[component]!) ^ mixWord(component, id);
      out[component] = id;
    }
    return h >>> 0;
  }

  /** The components outcome `outcome` changes, with their new ids. */
  changes(outcome: number): number[] {
    return Array.from(this.pairs.subarray(this.starts[outcome]!, this.ends[outcome]!));
  }
}

/**
 * What a breadth-first search keeps per stored state to give traces back: the index of the
 * state it was first reached from and the step that led there, in two typed arrays that
 * double as states are added. Both state stores (`StateStore`, `CompactStore`) use it.
 */
export class ParentLinks {
  private parents: Int32Array;
  private vias: Int32Array;

  constructor(capacity: number) {
    this.parents = new Int32Array(capacity);
    this.vias = new Int32Array(capacity);
  }

  get bytes(): number {
    return this.parents.byteLength + this.vias.byteLength;
  }

  /** Records that state `index` (the next one, or an earlier one) was reached from `parent` by `via`. */
  set(index: number, parent: number, via: number): void {
    if (index >= this.parents.length) this.grow(index + 1);
    this.parents[index] = parent;
    this.vias[index] = via;
  }

  /** The index of the state state `index` was reached from; -1 for the first state. */
  parent(index: number): number {
    return this.parents[index]!;
  }

  /** The step that led to state `index`; -1 for the first state. */
  via(index: number): number {
    return this.vias[index]!;
  }

  /** The steps from the first state to state `index`. */
  trace(index: number): number[] {
    const steps: number[] = [];
    for (let i = index; this.parents[i]! >= 0; i = this.parents[i]!) steps.push(this.vias[i]!);
    return steps.reverse();
  }

  private grow(needed: number): void {
    let states = this.parents.length * 2;
    while (states < needed) states *= 2;
    const parents = new Int32Array(states);
    parents.set(this.parents);
    this.parents = parents;
    const vias = new Int32Array(states);
    vias.set(this.vias);
    this.vias = vias;
  }
}

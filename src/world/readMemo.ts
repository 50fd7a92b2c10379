/**
 * Remembering a pure function of a world state by the snapshots it actually read.
 *
 * A step's plan, or a property, reads a few components of a state, in an order that can depend
 * only on what it read before (it is deterministic code over snapshots). So its result is a
 * function of the ids of the components it read, and the reads form a decision tree: the first
 * component read is always the same, the second depends on the first one's snapshot, and so on.
 * `ReadMemo` keeps that tree: a lookup follows it, reading the state's id of each node's
 * component, and finds the result in a few integer comparisons; a miss runs the function on a
 * view of the state that records what it reads, and adds the path.
 *
 * Unlike a key over every component a step might touch, the tree only asks about what the
 * function looked at: a step refused after one glance at one machine is remembered by that
 * machine's snapshot alone.
 */
import type { MachineSnapshot } from '../../machines/snapshot.ts';

/** Not remembered yet. */
export const MISS: unique symbol = Symbol('miss');

/** A state as a memoized function sees it: the snapshots and their ids. */
export interface ReadableState {
  readonly parts: readonly MachineSnapshot[];
  readonly ids: Uint32Array;
}

export class ReadMemo<T> {
  /**
   * The tree, flat: node `n` asks about component `components[n]`, and `children[n][id]` is 0
   * (not seen), a node index (> 0; the root, node 0, is nobody's child), or `-1 - v` for the
   * result `values[v]`.
   */
  private components = new Int32Array(16);
  private readonly children: Int32Array[] = [];
  private readonly values: T[] = [];
  /** The result of a function that reads nothing. */
  private constant: { value: T } | undefined;
  /** The components the last `compute` read, in order. */
  lastReads: readonly number[] = [];

  /** The remembered result for the state with ids `ids`, or `MISS`. */
  get(ids: Uint32Array): T | typeof MISS {
    if (this.children.length === 0) return this.constant === undefined ? MISS : this.constant.value;
    const children = this.children;
    const components = this.components;
    let node = 0;
    for (;;) {
      const table = children[node]!;
      const id = ids[components[node]!]!;
      const next = id < table.length ? table[id]! : 0;
      if (next === 0) return MISS;
      if (next < 0) return this.values[-1 - next]!;
      node = next;
    }
  }

  /** The component the first question is about, or -1 before any answer (or for a function that reads nothing). */
  get firstComponent(): number {
    return this.children.length === 0 ? -1 : this.components[0]!;
  }

  /** The result when the first question's answer is `id` alone decides it; `MISS` otherwise. */
  answerAfterFirst(id: number): T | typeof MISS {
    if (this.children.length === 0) return MISS;
    const table = this.children[0]!;
    const next = id < table.length ? table[id]! : 0;
    return next < 0 ? this.values[-1 - next]! : MISS;
  }

  /** Number of results remembered (leaves of the tree). */
  get entries(): number {
    return this.values.length + (this.constant ? 1 : 0);
  }

  /**
   * Runs `compute` on a view of `state` that records which components it reads, remembers the
   * result under those reads, and returns it. The view's `parts` is a copy `compute` may write
   * into (what it writes is not a read).
   */
  compute(state: ReadableState, compute: (view: { parts: MachineSnapshot[]; ids: Uint32Array }) => T): T {
    const reads: number[] = [];
    const seen = new Set<number>();
    const parts = new Proxy(state.parts.slice(), {
      get(target, property) {
        if (typeof property === 'string') {
          const index = Number(property);
          if (Number.isInteger(index) && index >= 0 && property === String(index)) {
            if (!seen.has(index)) {
              seen.add(index);
              reads.push(index);
            }
            return target[index];
          }
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const value = compute({ parts, ids: state.ids });
    this.remember(reads, state.ids, value);
    this.lastReads = reads;
    return value;
  }

  private remember(reads: readonly number[], ids: Uint32Array, value: T): void {
    if (reads.length === 0) {
      this.constant = { value };
      return;
    }
    if (this.children.length === 0) this.addNode(reads[0]!);
    let node = 0;
    for (let i = 0; i < reads.length; i++) {
      if (this.components[node] !== reads[i]) {
        throw new Error('a memoized function read the state in an order that depends on more than the state');
      }
      const id = ids[reads[i]!]!;
      const table = this.tableFor(node, id);
      if (i === reads.length - 1) {
        this.values.push(value);
        table[id] = -this.values.length;
        return;
      }
      let next = table[id]!;
      if (next === 0) {
        next = this.addNode(reads[i + 1]!);
        this.children[node]![id] = next;
      } else if (next < 0) {
        throw new Error('a memoized function read more of a state than it did before for the same answers');
      }
      node = next;
    }
  }

  /** A new node asking about `component`; its index. */
  private addNode(component: number): number {
    const node = this.children.length;
    if (node === this.components.length) {
      const components = new Int32Array(node * 2);
      components.set(this.components);
      this.components = components;
    }
    this.components[node] = component;
    this.children.push(new Int32Array(4));
    return node;
  }

  /** Node `node`'s child table, grown to hold `id`. */
  private tableFor(node: number, id: number): Int32Array {
    let table = this.children[node]!;
    if (id >= table.length) {
      let length = table.length;
      while (length <= id) length *= 2;
      const grown = new Int32Array(length);
      grown.set(table);
      table = grown;
      this.children[node] = table;
    }
    return table;
  }
}

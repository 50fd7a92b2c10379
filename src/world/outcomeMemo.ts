/**
 * What a step did, remembered per tuple of the snapshot ids of the components it touches: a
 * step's outcome is a function of those snapshots alone, and snapshots are interned, so after
 * the first time, applying a step in a state is a lookup of a few integers.
 *
 * Keys are the touched ids themselves, compared word by word (no string is built): a dense
 * array indexed by the id for steps touching one component, an open-addressing table over the
 * id tuple otherwise. Values are outcome numbers of the world's `OutcomeArena`.
 */
import { hashWords } from '../engine/stateStore.ts';

/** Not computed yet. */
export const UNKNOWN = -2;
/** Computed: the step is refused (or not issued) for these snapshots. */
export const REFUSED = -1;

export class OutcomeMemo {
  private readonly arity: number;
  private readonly touch: Int32Array;
  /** Arity 1: outcome + 2 by id (0 is unknown). */
  private dense = new Int32Array(16);
  /** Arity > 1: the tuple of each entry, its outcome, and the slots. */
  private keys = new Uint32Array(0);
  private values = new Int32Array(0);
  private hashes = new Uint32Array(0);
  private slots = new Int32Array(0);
  private mask = 0;
  private size = 0;
  private readonly scratch: Uint32Array;

  constructor(touch: readonly number[]) {
    this.touch = Int32Array.from(touch);
    this.arity = touch.length;
    this.scratch = new Uint32Array(Math.max(1, this.arity));
    if (this.arity !== 1) {
      this.keys = new Uint32Array(64 * Math.max(1, this.arity));
      this.values = new Int32Array(64);
      this.hashes = new Uint32Array(64);
      this.slots = new Int32Array(128).fill(-1);
      this.mask = 127;
    }
  }

  /** The remembered outcome for the state whose ids are `ids`: an outcome number, `REFUSED` or `UNKNOWN`. */
  get(ids: Uint32Array): number {
    if (this.arity === 1) {
      const id = ids[this.touch[0]!]!;
      return id < this.dense.length ? this.dense[id]! - 2 : UNKNOWN;
    }
    const key = this.keyOf(ids);
    const slot = this.find(key, hashWords(key, 0, this.arity));
    const entry = this.slots[slot]!;
    return entry < 0 ? UNKNOWN : this.values[entry]!;
  }

  /** Remembers `outcome` for the state whose ids are `ids`. */
  set(ids: Uint32Array, outcome: number): void {
    if (this.arity === 1) {
      const id = ids[this.touch[0]!]!;
      if (id >= this.dense.length) {
        let length = this.dense.length;
        while (length <= id) length *= 2;
        const dense = new Int32Array(length);
        dense.set(this.dense);
        this.dense = dense;
      }
      this.dense[id] = outcome + 2;
      return;
    }
    const key = this.keyOf(ids);
    const hash = hashWords(key, 0, this.arity);
    const slot = this.find(key, hash);
    if (this.slots[slot]! >= 0) {
      this.values[this.slots[slot]!] = outcome;
      return;
    }
    if (this.size === this.values.length) this.grow();
    const entry = this.size++;
    this.keys.set(key, entry * this.arity);
    this.values[entry] = outcome;
    this.hashes[entry] = hash;
    this.slots[slot] = entry;
    if (this.size * 2 > this.slots.length) this.rehash();
  }

  /** Number of tuples remembered. */
  get entries(): number {
    if (this.arity !== 1) return this.size;
    let count = 0;
    for (const value of this.dense) if (value !== 0) count++;
    return count;
  }

  private keyOf(ids: Uint32Array): Uint32Array {
    const key = this.scratch;
    for (let i = 0; i < this.arity; i++) key[i] = ids[this.touch[i]!]!;
    return key;
  }

  private find(key: Uint32Array, hash: number): number {
    const arity = this.arity;
    let slot = hash & this.mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry < 0) return slot;
      if (this.hashes[entry] === hash) {
        const base = entry * arity;
        let equal = true;
        for (let i = 0; i < arity; i++) {
          if (this.keys[base + i] !== key[i]) {
            equal = false;
            break;
          }
        }
        if (equal) return slot;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const entries = this.values.length * 2;
    const keys = new Uint32Array(entries * Math.max(1, this.arity));
    keys.set(this.keys);
    this.keys = keys;
    const values = new Int32Array(entries);
    values.set(this.values);
    this.values = values;
    const hashes = new Uint32Array(entries);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private rehash(): void {
    const length = this.slots.length * 2;
    const slots = new Int32Array(length).fill(-1);
    const mask = length - 1;
    for (let entry = 0; entry < this.size; entry++) {
      let slot = this.hashes[entry]! & mask;
      while (slots[slot]! >= 0) slot = (slot + 1) & mask;
      slots[slot] = entry;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * The outcomes themselves: each a list of (component, new id) pairs, stored once in one typed
 * array and named by a number.
 */
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

  /** The components outcome `outcome` changes, with their new ids. */
  changes(outcome: number): number[] {
    return Array.from(this.pairs.subarray(this.starts[outcome]!, this.ends[outcome]!));
  }
}

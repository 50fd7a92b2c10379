/**
 * The visited-state store of a breadth-first search, laid out the way an explicit-state model
 * checker lays it out: every state is a fixed-width vector of 32-bit words (one interned
 * snapshot id per component), kept in one typed array in discovery order, found again through an
 * open-addressing hash table of indices, with its parent's index and the step that led to it in
 * two more typed arrays. Nothing is allocated per state: adding one copies its words in.
 *
 * Because states are numbered in breadth-first order, a level of the search is a range of
 * indices, and the trace to a state is its chain of parents.
 */
import { ParentLinks } from './parentLinks.ts';

const EMPTY = -1;

/**
 * The hash of one word at one position: MurmurHash3's finalizer over the word mixed with its
 * position. A vector's hash is the XOR of its words' (`hashWords`), so a successor that
 * differs in a few words is hashed from its parent's hash in as many steps.
 */
export function mixWord(position: number, word: number): number {
  let h = Math.imul(word ^ Math.imul(position + 1, 0x9e3779b1), 0xcc9e2d51);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The 32-bit hash of `width` words of `words` from `offset`: the XOR of `mixWord` of each. */
export function hashWords(words: Uint32Array, offset: number, width: number): number {
  let h = 0;
  for (let i = 0; i < width; i++) h ^= mixWord(i, words[offset + i]!);
  return h >>> 0;
}

/** What a breadth-first search needs of its visited set (`StateStore`, `CompactStateStore`). */
export interface VisitedStates {
  readonly width: number;
  /** Number of states stored. */
  readonly count: number;
  /** Bytes held by the store's arrays. */
  readonly bytes: number;
  /** The index of the stored state equal to `source`, or -1. */
  find(source: Uint32Array): number;
  /** Adds `source` unless stored: its new index, or `-1 - index` of the equal one (`hash`: its `hashWords`). */
  add(source: Uint32Array, parent: number, via: number, hash?: number): number;
  /** Copies the words of state `index` into `out` (a state not released yet). */
  read(index: number, out: Uint32Array): void;
  /** The words of the states before `before` will not be read again. */
  release(before: number): void;
  /** The index of the state state `index` was reached from; -1 for the first state. */
  parent(index: number): number;
  /** The steps from the first state to state `index`. */
  trace(index: number): number[];
}

export class StateStore implements VisitedStates {
  readonly width: number;
  private vectors: Uint32Array;
  private readonly links: ParentLinks;
  /**
   * The open-addressing table, two words per slot: a state's index (or `EMPTY`) and its hash,
   * side by side so a probe reads one cache line before it compares any vector.
   */
  private table: Int32Array;
  private mask: number;
  private size = 0;

  constructor(width: number, capacity = 1024) {
    this.width = width;
    const states = Math.max(16, capacity);
    this.vectors = new Uint32Array(states * Math.max(1, width));
    this.links = new ParentLinks(states);
    let slots = 32;
    while (slots < states * 2) slots *= 2;
    this.table = new Int32Array(slots * 2).fill(EMPTY);
    this.mask = slots - 1;
  }

  /** Number of states stored. */
  get count(): number {
    return this.size;
  }

  /** Bytes held by the store's arrays (what one more state costs, amortised, is this over `count`). */
  get bytes(): number {
    return this.vectors.byteLength + this.links.bytes + this.table.byteLength;
  }

  /** The index of the stored state equal to `source[0..width)`, or -1. */
  find(source: Uint32Array): number {
    const slot = this.probe(source, hashWords(source, 0, this.width) | 0);
    return this.table[slot << 1]!;
  }

  /** The table slot holding the state equal to `source`, or the empty slot where it would go. */
  private probe(source: Uint32Array, hash: number): number {
    const width = this.width;
    const vectors = this.vectors;
    const table = this.table;
    const mask = this.mask;
    let slot = hash & mask;
    for (;;) {
      const found = table[slot << 1]!;
      if (found === EMPTY) return slot;
      if (table[(slot << 1) + 1] === hash) {
        const base = found * width;
        let equal = true;
        for (let i = 0; i < width; i++) {
          if (vectors[base + i] !== source[i]) {
            equal = false;
            break;
          }
        }
        if (equal) return slot;
      }
      slot = (slot + 1) & mask;
    }
  }

  /**
   * Adds the state whose words are `source[0..width)` unless it is stored already. Returns its
   * new index, or `-1 - index` of the equal state already stored. `hash` is its `hashWords`,
   * when the caller has it.
   */
  add(source: Uint32Array, parent: number, via: number, hashed?: number): number {
    const width = this.width;
    const hash = (hashed ?? hashWords(source, 0, width)) | 0;
    const slot = this.probe(source, hash);
    const table = this.table;
    const found = table[slot << 1]!;
    if (found !== EMPTY) return -1 - found;
    const index = this.size;
    if ((index + 1) * width > this.vectors.length) this.growVectors();
    const vectors = this.vectors;
    const base = index * width;
    for (let i = 0; i < width; i++) vectors[base + i] = source[i]!;
    this.links.set(index, parent, via);
    table[slot << 1] = index;
    table[(slot << 1) + 1] = hash;
    this.size++;
    if (this.size * 2 > this.mask + 1) this.rehash();
    return index;
  }

  /** Every state's words are kept: they are compared on every lookup. */
  release(_before: number): void {}

  /** Copies the words of state `index` into `out`. */
  read(index: number, out: Uint32Array): void {
    const width = this.width;
    const vectors = this.vectors;
    const base = index * width;
    for (let i = 0; i < width; i++) out[i] = vectors[base + i]!;
  }

  /** The words of state `index`, as a view valid until the next `add`. */
  view(index: number): Uint32Array {
    const base = index * this.width;
    return this.vectors.subarray(base, base + this.width);
  }

  /** The index of the state state `index` was reached from; -1 for the first state. */
  parent(index: number): number {
    return this.links.parent(index);
  }

  /** The step that led to state `index`; -1 for the first state. */
  via(index: number): number {
    return this.links.via(index);
  }

  /** The steps from the first state to state `index`. */
  trace(index: number): number[] {
    return this.links.trace(index);
  }

  private growVectors(): void {
    const vectors = new Uint32Array(this.vectors.length * 2);
    vectors.set(this.vectors);
    this.vectors = vectors;
  }

  /** Doubles the table, moving each entry by the hash it holds. */
  private rehash(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    const table = new Int32Array(slots * 2).fill(EMPTY);
    const mask = slots - 1;
    for (let from = 0; from < old.length; from += 2) {
      const index = old[from]!;
      if (index === EMPTY) continue;
      const hash = old[from + 1]!;
      let slot = hash & mask;
      while (table[slot << 1] !== EMPTY) slot = (slot + 1) & mask;
      table[slot << 1] = index;
      table[(slot << 1) + 1] = hash;
    }
    this.table = table;
    this.mask = mask;
  }
}

/**
 * Hash compaction, as SPIN's `-DHC` does it: the visited set keeps a 64-bit fingerprint of each
 * state instead of the state, so a state costs its fingerprint, its parent and its step however
 * wide it is. The vectors of the last levels are kept (a breadth-first search expands them), the
 * rest are dropped. Traces are still exact: they are chains of steps, replayed from the start.
 *
 * Two different states with the same fingerprint make the second look visited, so it and what
 * only it leads to would be missed. With n states and fingerprints spread evenly over 2^64
 * values, the chance that any pair collides is at most n(n-1)/2 / 2^64 (`omissionProbability`),
 * about 3e-8 for a million states.
 */
import { ParentLinks } from './parentLinks.ts';
import { RowWindow } from './rowWindow.ts';
import { hashWords, mixWord, type VisitedStates } from './stateStore.ts';

const EMPTY = -1;

/** A second hash of a vector, independent of `hashWords`: its words mixed with other constants. */
export function secondHash(words: Uint32Array, offset: number, width: number): number {
  let h = 0x2545f491;
  for (let i = 0; i < width; i++) h ^= mixWord(i + 0x40000000, words[offset + i]! ^ 0x5bd1e995);
  return h | 0;
}

export class CompactStateStore implements VisitedStates {
  readonly width: number;
  private readonly vectors: RowWindow;
  private readonly links: ParentLinks;
  /** Three words per slot: the state's index (or `EMPTY`) and its two 32-bit hashes. */
  private table: Int32Array;
  private mask: number;
  private size = 0;

  constructor(width: number, capacity = 1024) {
    this.width = width;
    const states = Math.max(16, capacity);
    this.vectors = new RowWindow(width, Math.min(states, 1 << 16));
    this.links = new ParentLinks(states);
    let slots = 32;
    while (slots < states * 2) slots *= 2;
    this.table = new Int32Array(slots * 3).fill(EMPTY);
    this.mask = slots - 1;
  }

  get count(): number {
    return this.size;
  }

  get bytes(): number {
    return this.vectors.bytes + this.links.bytes + this.table.byteLength;
  }

  /** The chance that some state was taken for another and missed (see the module comment). */
  get omissionProbability(): number {
    return (this.size * (this.size - 1)) / 2 / 2 ** 64;
  }

  private probe(h1: number, h2: number): number {
    const table = this.table;
    const mask = this.mask;
    let slot = h1 & mask;
    for (;;) {
      const at = slot * 3;
      const found = table[at]!;
      if (found === EMPTY || (table[at + 1] === h1 && table[at + 2] === h2)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  find(source: Uint32Array): number {
    const h1 = hashWords(source, 0, this.width) | 0;
    return this.table[this.probe(h1, secondHash(source, 0, this.width)) * 3]!;
  }

  add(source: Uint32Array, parent: number, via: number, hashed?: number): number {
    const width = this.width;
    const h1 = (hashed ?? hashWords(source, 0, width)) | 0;
    const h2 = secondHash(source, 0, width);
    const slot = this.probe(h1, h2);
    const table = this.table;
    const found = table[slot * 3]!;
    if (found !== EMPTY) return -1 - found;
    const index = this.size;
    const base = this.vectors.offset(index);
    this.vectors.data.set(source.subarray(0, width), base);
    this.links.set(index, parent, via);
    table[slot * 3] = index;
    table[slot * 3 + 1] = h1;
    table[slot * 3 + 2] = h2;
    this.size++;
    if (this.size * 2 > this.mask + 1) this.rehash();
    return index;
  }

  read(index: number, out: Uint32Array): void {
    if (index < this.vectors.first) throw new RangeError(`state ${index} was compacted away`);
    const base = this.vectors.offset(index);
    out.set(this.vectors.data.subarray(base, base + this.width));
  }

  release(before: number): void {
    this.vectors.dropBefore(before);
  }

  parent(index: number): number {
    return this.links.parent(index);
  }

  trace(index: number): number[] {
    return this.links.trace(index);
  }

  private rehash(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    const table = new Int32Array(slots * 3).fill(EMPTY);
    const mask = slots - 1;
    for (let from = 0; from < old.length; from += 3) {
      if (old[from] === EMPTY) continue;
      let slot = old[from + 1]! & mask;
      while (table[slot * 3] !== EMPTY) slot = (slot + 1) & mask;
      table.set(old.subarray(from, from + 3), slot * 3);
    }
    this.table = table;
    this.mask = mask;
  }
}

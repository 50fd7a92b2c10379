/**
 * Fixed-width rows of 32-bit words for a run of consecutive state indices, of which only a
 * window at the end is kept: a breadth-first search needs the rows of the level it expands and
 * of its parents, not of the levels before, so `dropBefore` lets those go.
 */
export class RowWindow {
  /** The index of the first row kept. */
  first = 0;
  private end = 0;
  private rows: Uint32Array;

  constructor(
    readonly width: number,
    capacity = 1024,
  ) {
    this.rows = new Uint32Array(Math.max(1, width) * Math.max(16, capacity));
  }

  /** Where row `index` starts in `data`, making room for it (it must not come before `first`). */
  offset(index: number): number {
    const needed = (index - this.first + 1) * this.width;
    if (needed > this.rows.length) {
      let size = this.rows.length * 2;
      while (size < needed) size *= 2;
      const rows = new Uint32Array(size);
      rows.set(this.rows.subarray(0, (this.end - this.first) * this.width));
      this.rows = rows;
    }
    if (index >= this.end) {
      // New rows start as zeros, whatever a dropped row left there.
      this.rows.fill(0, (this.end - this.first) * this.width, needed);
      this.end = index + 1;
    }
    return (index - this.first) * this.width;
  }

  /** The words, valid until the next `offset` or `dropBefore`. */
  get data(): Uint32Array {
    return this.rows;
  }

  /** Forgets the rows before `index`. */
  dropBefore(index: number): void {
    if (index <= this.first) return;
    const keep = Math.max(0, this.end - index);
    this.rows.copyWithin(0, (index - this.first) * this.width, (index - this.first + keep) * this.width);
    this.first = index;
    if (this.end < index) this.end = index;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.rows.byteLength;
  }
}

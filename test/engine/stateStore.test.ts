/**
 * The state store keeps every state it is given once, finds it again by its words, numbers
 * states in the order they came, and gives back the chain of steps that led to each; it grows
 * and rehashes without losing any. The XOR hash can be updated word by word.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashWords, mixWord, StateStore } from '../../src/engine/stateStore.ts';

describe('StateStore', () => {
  it('adds a state once, and answers the index of the equal state the second time', () => {
    const store = new StateStore(3, 4);
    expect(store.add(Uint32Array.of(1, 2, 3), -1, -1)).toBe(0);
    expect(store.add(Uint32Array.of(1, 2, 4), 0, 7)).toBe(1);
    expect(store.add(Uint32Array.of(1, 2, 3), 1, 2)).toBe(-1);
    expect(store.find(Uint32Array.of(1, 2, 4))).toBe(1);
    expect(store.find(Uint32Array.of(4, 2, 1))).toBe(-1);
    expect(store.count).toBe(2);
    // The duplicate did not overwrite the first state's parent or step.
    expect([store.parent(0), store.via(0), store.parent(1), store.via(1)]).toEqual([-1, -1, 0, 7]);
  });

  it('keeps every state across growth and rehashing, with its words, parent and step', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(50), { minLength: 4, maxLength: 4 }), { maxLength: 3_000 }),
        (rows) => {
          const store = new StateStore(4, 1);
          const reference = new Map<string, number>();
          for (const [i, row] of rows.entries()) {
            const got = store.add(Uint32Array.from(row), i - 1, i);
            const key = row.join(',');
            const known = reference.get(key);
            if (known === undefined) {
              expect(got).toBe(reference.size);
              reference.set(key, got);
            } else {
              expect(got).toBe(-1 - known);
            }
          }
          expect(store.count).toBe(reference.size);
          const out = new Uint32Array(4);
          for (const [key, index] of reference) {
            store.read(index, out);
            expect([...out].join(',')).toBe(key);
            expect(store.find(Uint32Array.from(key.split(',').map(Number)))).toBe(index);
          }
        },
      ),
      { seed: 20261202, numRuns: 40 },
    );
  });

  it('gives the steps from the first state to any state', () => {
    const store = new StateStore(1);
    store.add(Uint32Array.of(0), -1, -1);
    store.add(Uint32Array.of(1), 0, 5);
    store.add(Uint32Array.of(2), 1, 3);
    store.add(Uint32Array.of(3), 0, 9);
    expect([store.trace(0), store.trace(2), store.trace(3)]).toEqual([[], [5, 3], [9]]);
  });

  it('takes a hash the caller computed, and it equals the one the store computes', () => {
    const words = Uint32Array.of(7, 0, 42, 9);
    const store = new StateStore(4);
    store.add(words, -1, -1, hashWords(words, 0, 4));
    expect(store.find(Uint32Array.of(7, 0, 42, 9))).toBe(0);
  });
});

describe('hashWords', () => {
  it('is updated by a changed word: out with the old mix, in with the new', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.nat(),
        (row, position, word) => {
          const words = Uint32Array.from(row);
          const at = position % words.length;
          const before = hashWords(words, 0, words.length);
          const updated = (before ^ mixWord(at, words[at]!) ^ mixWord(at, word)) >>> 0;
          words[at] = word;
          expect(hashWords(words, 0, words.length)).toBe(updated);
        },
      ),
      { seed: 20261202, numRuns: 200 },
    );
  });

  it('tells apart vectors that hold the same words in other places', () => {
    const a = hashWords(Uint32Array.of(1, 2, 3), 0, 3);
    const b = hashWords(Uint32Array.of(3, 2, 1), 0, 3);
    const c = hashWords(Uint32Array.of(2, 1, 3), 0, 3);
    expect(new Set([a, b, c]).size).toBe(3);
  });
});

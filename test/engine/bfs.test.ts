/**
 * Breadth-first search returns the shortest counterexample and witness, and reports bounds as
 * data instead of throwing. A counter world (0..9, inc, double, reset) keeps the cases readable.
 */
import { describe, expect, it } from 'vitest';
import { breadthFirstSearch, type ExplorableModel } from '../../src/engine/bfs.ts';

const steps = ['inc', 'double', 'reset'] as const;
type Step = (typeof steps)[number];
const counter: ExplorableModel<number, Step> = {
  initial: 1,
  steps,
  apply: (n, step) => {
    const next = step === 'inc' ? n + 1 : step === 'double' ? n * 2 : 0;
    return next > 9 ? undefined : next;
  },
  fingerprint: (n) => String(n),
};

describe('breadthFirstSearch', () => {
  it('finds the shortest trace to each violation and to the goal', () => {
    const result = breadthFirstSearch(counter, {
      maxDepth: 10,
      maxStates: 100,
      properties: ['neverEight', 'neverZero'],
      violated: (n) => [...(n === 8 ? ['neverEight'] : []), ...(n === 0 ? ['neverZero'] : [])],
      goal: (n) => n === 5,
    });
    expect(result.counterexamples.get('neverEight')).toEqual(['inc', 'double', 'double']);
    expect(result.counterexamples.get('neverZero')).toEqual(['reset']);
    expect(result.witness).toEqual(['inc', 'double', 'inc']);
    expect(result.boundReached).toBe(false);
    // Both properties and the goal were decided by depth 3: the rest was not explored.
    expect(result.ended).toBe('decided');
    expect(result.distinctStates).toBeLessThan(10);
  });

  it('explores the whole space when nothing is violated, and says it was not bounded', () => {
    const result = breadthFirstSearch(counter, {
      maxDepth: 20,
      maxStates: 100,
      properties: ['never'],
      violated: () => [],
    });
    expect(result.distinctStates).toBe(10);
    expect(result.boundReached).toBe(false);
    expect(result.ended).toBe('exhausted');
    expect(result.counterexamples.size).toBe(0);
  });

  it('says exhausted at the depth bound when no state one step deeper is new', () => {
    // 0..9 are all reached within 4 steps (1 → 2 → 4 → 8 → 9 is the longest shortest path).
    const atBound = breadthFirstSearch(counter, {
      maxDepth: 4,
      maxStates: 100,
      properties: ['never'],
      violated: () => [],
    });
    expect(atBound).toMatchObject({ distinctStates: 10, depth: 4, ended: 'exhausted', boundReached: false });
    const short = breadthFirstSearch(counter, {
      maxDepth: 3,
      maxStates: 100,
      properties: ['never'],
      violated: () => [],
    });
    expect(short).toMatchObject({ depth: 3, ended: 'depthBound', boundReached: true });
  });

  it('stops at the depth and state bounds with partial statistics', () => {
    const byDepth = breadthFirstSearch(counter, {
      maxDepth: 1,
      maxStates: 100,
      properties: ['never'],
      violated: () => [],
    });
    expect(byDepth).toMatchObject({ distinctStates: 3, depth: 1, boundReached: true, ended: 'depthBound' });
    const byStates = breadthFirstSearch(counter, {
      maxDepth: 20,
      maxStates: 3,
      properties: ['never'],
      violated: () => [],
    });
    expect(byStates).toMatchObject({ distinctStates: 3, boundReached: true, ended: 'stateBound' });
  });
});

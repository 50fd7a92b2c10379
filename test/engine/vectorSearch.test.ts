/**
 * The vector search visits states in the reference breadth-first order (`breadthFirstSearch`):
 * the same states, transitions, depth, ending and traces, on random guarded-assignment models,
 * whether it asks every step or only the candidates and dirty steps a model names, and with
 * hash compaction (which keeps only the last levels' vectors). Bounds end
 * the search as data, and it stops at the state that decides the last question.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { breadthFirstSearch } from '../../src/engine/bfs.ts';
import { hashWords } from '../../src/engine/stateStore.ts';
import { searchVectors, type VectorModel, type VectorSearchOptions } from '../../src/engine/vectorSearch.ts';

/** A step that applies when word `reads` is `when`, and sets word `writes` to `to`. */
interface Rule {
  readonly reads: number;
  readonly when: number;
  readonly writes: number;
  readonly to: number;
}

function vectorModel(
  width: number,
  rules: readonly Rule[],
  initial: readonly number[],
  exact: boolean,
): VectorModel {
  const words = Math.ceil(rules.length / 32);
  const successor = (state: Uint32Array, step: number, out: Uint32Array) => {
    const rule = rules[step]!;
    if (state[rule.reads] !== rule.when) return -1;
    out.set(state);
    out[rule.writes] = rule.to;
    return hashWords(out, 0, width);
  };
  if (!exact) return { width, initial: Uint32Array.from(initial), stepCount: rules.length, successor };
  return {
    width,
    initial: Uint32Array.from(initial),
    stepCount: rules.length,
    successor,
    maskWords: words,
    // Exactly the steps whose guard holds, and those whose guard word changed.
    candidates: (state, out) => {
      out.fill(0);
      rules.forEach((rule, step) => {
        if (state[rule.reads] === rule.when) out[step >>> 5]! |= 1 << (step & 31);
      });
    },
    dirty: (before, after, out) => {
      out.fill(0);
      rules.forEach((rule, step) => {
        if (before[rule.reads] !== after[rule.reads]) out[step >>> 5]! |= 1 << (step & 31);
      });
    },
  };
}

function reference(
  rules: readonly Rule[],
  initial: readonly number[],
  options: Omit<VectorSearchOptions, 'violated' | 'goal'> & Pick<Questions, 'bad' | 'goal'>,
) {
  const result = breadthFirstSearch(
    {
      initial: [...initial],
      steps: rules.map((_, i) => i),
      apply: (state: number[], step: number) => {
        const rule = rules[step]!;
        if (state[rule.reads] !== rule.when) return undefined;
        const next = [...state];
        next[rule.writes] = rule.to;
        return next;
      },
      fingerprint: (state: number[]) => state.join(','),
    },
    {
      maxDepth: options.maxDepth,
      maxStates: options.maxStates,
      properties: options.properties,
      violated: (state) => options.bad(state),
      ...(options.goal ? { goal: options.goal } : {}),
    },
  );
  return {
    distinctStates: result.distinctStates,
    transitions: result.transitions,
    depth: result.depth,
    ended: result.ended,
    counterexamples: Object.fromEntries(result.counterexamples),
    witness: result.witness,
  };
}

interface Questions {
  readonly bad: (state: readonly number[]) => string[];
  readonly goal?: (state: readonly number[]) => boolean;
}

function vectors(
  model: VectorModel,
  options: Omit<VectorSearchOptions, 'violated' | 'goal'>,
  questions: Questions,
) {
  const result = searchVectors(model, {
    ...options,
    violated: (state, open) => questions.bad([...state]).filter((name) => open.has(name)),
    ...(questions.goal ? { goal: (state: Uint32Array) => questions.goal!([...state]) } : {}),
  });
  return {
    distinctStates: result.distinctStates,
    transitions: result.transitions,
    depth: result.depth,
    ended: result.ended,
    counterexamples: Object.fromEntries(result.counterexamples),
    witness: result.witness,
  };
}

const rule = (width: number) =>
  fc.record({
    reads: fc.nat(width - 1),
    when: fc.nat(3),
    writes: fc.nat(width - 1),
    to: fc.nat(3),
  });

const models = fc.integer({ min: 1, max: 4 }).chain((width) =>
  fc.record({
    width: fc.constant(width),
    rules: fc.array(rule(width), { minLength: 1, maxLength: 40 }),
    initial: fc.array(fc.nat(3), { minLength: width, maxLength: width }),
    target: fc.array(fc.nat(3), { minLength: width, maxLength: width }),
    maxDepth: fc.integer({ min: 1, max: 12 }),
    maxStates: fc.integer({ min: 1, max: 300 }),
  }),
);

describe('searchVectors', () => {
  it('agrees with the reference breadth-first search, asking every step or only candidates', () => {
    fc.assert(
      fc.property(models, ({ width, rules, initial, target, maxDepth, maxStates }) => {
        // Word 0 reaching 3 is a violation; the whole target vector is the goal.
        const questions: Questions = {
          bad: (state) => (state[0] === 3 ? ['zeroIsThree'] : []),
          goal: (state) => state.every((word, i) => word === target[i]),
        };
        const options = { maxDepth, maxStates, properties: ['zeroIsThree'] };
        const expected = reference(rules, initial, { ...options, ...questions });
        expect(vectors(vectorModel(width, rules, initial, false), options, questions)).toEqual(expected);
        expect(vectors(vectorModel(width, rules, initial, true), options, questions)).toEqual(expected);
        const compact = { ...options, store: 'compact' as const };
        expect(vectors(vectorModel(width, rules, initial, true), compact, questions)).toEqual(expected);
      }),
      { seed: 20261202, numRuns: 400 },
    );
  });

  // A counter of two digits: step 0 adds one to the low digit, step 1 to the high one.
  const counter = vectorModel(
    2,
    [0, 1, 2].flatMap((value) => [
      { reads: 0, when: value, writes: 0, to: value + 1 },
      { reads: 1, when: value, writes: 1, to: value + 1 },
    ]),
    [0, 0],
    true,
  );

  it('gives the shortest trace, ties to the lower step of the earlier parent, and stops at the deciding state', () => {
    const result = searchVectors(counter, {
      maxDepth: 10,
      maxStates: 100,
      properties: ['both'],
      violated: (state) => (state[0] === 1 && state[1] === 1 ? ['both'] : []),
    });
    expect(result.counterexamples.get('both')).toEqual([0, 1]);
    expect(result.ended).toBe('decided');
    // [0,0]; [1,0] [0,1]; then [1,0]'s first step (the high digit) gives [1,1], which decides:
    // [1,0]'s other step and [0,1]'s are never taken.
    expect(result.distinctStates).toBe(4);
  });

  it('says exhausted when the depth bound cut nothing off, and depthBound when it did', () => {
    const options = { maxStates: 100, properties: ['never'], violated: () => [] };
    expect(searchVectors(counter, { ...options, maxDepth: 6 }).ended).toBe('exhausted');
    const cut = searchVectors(counter, { ...options, maxDepth: 5 });
    expect([cut.ended, cut.boundReached, cut.distinctStates]).toEqual(['depthBound', true, 15]);
  });

  it('with hash compaction, states what it may have missed and keeps only the last levels', () => {
    const full = searchVectors(counter, {
      maxDepth: 10,
      maxStates: 100,
      properties: ['never'],
      violated: () => [],
    });
    const compact = searchVectors(counter, {
      maxDepth: 10,
      maxStates: 100,
      properties: ['never'],
      violated: () => [],
      store: 'compact',
    });
    expect(compact.distinctStates).toBe(full.distinctStates);
    expect(compact.omissionProbability).toBeCloseTo((16 * 15) / 2 / 2 ** 64, 30);
    expect(full.omissionProbability).toBeUndefined();
  });

  it('stops at the state bound, counting only new states against it', () => {
    const result = searchVectors(counter, {
      maxDepth: 10,
      maxStates: 4,
      properties: ['never'],
      violated: () => [],
    });
    expect([result.ended, result.distinctStates]).toEqual(['stateBound', 4]);
  });
});

/**
 * The compiled driver is only allowed in the exploration loop because it steps every machine
 * exactly as XState's `machine.transition` does. This test walks whole worlds with both drivers
 * side by side, mostly through enabled steps (so runs go deep) and sometimes through refused
 * ones, and compares each machine's state and context at every step.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveChoices, stepChoices } from '../../properties/arbitraries/stepChoices.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';
import type { StepDef } from '../../src/world/world.ts';
import { ownershipWorld } from '../support/pkvmWorlds.ts';

describe('compiled and interpreted drivers agree', () => {
  for (const kernel of ['upstream', 'android'] as const) {
    it(`on random walks through the ${kernel} pKVM world`, () => {
      const compiled = ownershipWorld(kernel, 'compiled');
      const interpreted = ownershipWorld(kernel, 'interpreted');
      expect(compiled.steps.map((s) => s.text)).toEqual(interpreted.steps.map((s) => s.text));
      const model = {
        initial: compiled.initial,
        steps: compiled.steps,
        apply: compiled.apply.bind(compiled),
      };
      let deepest = 0;
      fc.assert(
        fc.property(stepChoices({ minLength: 30, maxLength: 60, enabledBias: 0.85 }), (choices) => {
          let b = interpreted.initial;
          let accepted = 0;
          for (const resolved of resolveChoices(model, choices)) {
            const nextB = interpreted.apply(b, interpreted.steps[resolved.step.index]!);
            expect(nextB !== undefined).toBe(resolved.accepted);
            if (nextB) {
              b = nextB;
              accepted++;
            }
            expect(resolved.state.parts.map((p) => [p.value, p.context])).toEqual(
              b.parts.map((p) => [p.value, p.context]),
            );
          }
          deepest = Math.max(deepest, accepted);
        }),
        { seed: 20261125, numRuns: 120 },
      );
      expect(deepest).toBeGreaterThanOrEqual(30);
    });
  }
});

describe('remembered step outcomes', () => {
  it('explore exactly the space that computing every step afresh explores', async () => {
    const { breadthFirstSearch } = await import('../../src/engine/bfs.ts');
    const explore = (memoize: boolean) => {
      const world = ownershipWorld('android', 'compiled', undefined, memoize);
      const seen: string[] = [];
      const result = breadthFirstSearch(world, {
        maxDepth: 6,
        maxStates: 20_000,
        properties: ['never'],
        violated: (state) => {
          seen.push(state.parts.map((part) => `${part.value}${JSON.stringify(part.context)}`).join('|'));
          return [];
        },
      });
      return { distinct: result.distinctStates, transitions: result.transitions, seen };
    };
    const fresh = explore(false);
    const memoized = explore(true);
    expect(memoized.distinct).toBe(fresh.distinct);
    expect(memoized.transitions).toBe(fresh.transitions);
    expect(memoized.seen).toEqual(fresh.seen);
  });
});

describe('the enabled steps a world lists', () => {
  const worlds = () => {
    const path = join(import.meta.dirname, '..', '..', 'topologies', 'split-vms-virtio-dmabuf-uuid.yaml');
    const design = composeWorld(parseTopology(readFileSync(path, 'utf8'), path).topology).world;
    return [
      ownershipWorld('android', 'compiled'),
      ownershipWorld('upstream', 'compiled', undefined, false),
      design,
    ];
  };

  it('are the steps apply accepts, in step order, and a walk picks the same with or without them', () => {
    for (const world of worlds()) {
      const all = { initial: world.initial, steps: world.steps, apply: world.apply.bind(world) };
      const listed = {
        ...all,
        enabled: world.enabled.bind(world),
        weight: (s: StepDef) => 1 + (s.index % 3),
      };
      let compared = 0;
      fc.assert(
        fc.property(stepChoices({ minLength: 20, maxLength: 40, enabledBias: 0.85 }), (choices) => {
          const walk = resolveChoices(listed, choices);
          expect(walk.map((r) => [r.step.index, r.accepted])).toEqual(
            resolveChoices({ ...all, weight: listed.weight }, choices).map((r) => [r.step.index, r.accepted]),
          );
          for (const { state } of walk.slice(0, 8)) {
            expect(world.enabled(state)).toEqual(world.steps.filter((step) => world.apply(state, step)));
            compared++;
          }
        }),
        { seed: 20261202, numRuns: 25 },
      );
      expect(compared).toBeGreaterThan(100);
    }
  });
});

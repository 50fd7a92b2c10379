/**
 * The benchmark compares the world against `bench/pkvmReducer.ts`, which is only honest if the
 * reducer has exactly the world's semantics. These tests hold it to that: the same steps in the
 * same order, the same breadth-first space level by level (distinct states, transitions, and
 * the states themselves in discovery order), the same answer to every step of random runs, and
 * the same verdict as `properties/pkvm` on arbitrary page states, ill-formed ones included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fourPageSpec, wideSpec } from '../../bench/configs.ts';
import {
  encodePkvmState,
  GUEST_STATES,
  HOST_STATES,
  HYP_STATES,
  type PkvmProjection,
  pkvmReducer,
  projectWorldState,
  VM_STATES,
} from '../../bench/pkvmReducer.ts';
import { resolveChoices, stepChoices } from '../../properties/arbitraries/stepChoices.ts';
import type { ComponentInfo, WorldModel } from '../../properties/model.ts';
import { pkvmInvariants } from '../../properties/pkvm/index.ts';
import { InvariantChecker } from '../../src/check/invariantChecker.ts';
import { breadthFirstSearch, type ExplorableModel } from '../../src/engine/bfs.ts';
import { buildPkvmWorld, type PkvmFamilySpec } from '../../src/world/families/pkvmFamily.ts';
import type { WorldState } from '../../src/world/world.ts';
import { ownershipSpec } from '../support/pkvmWorlds.ts';

/** A state with the depth it was reached at, so one search yields per-level statistics. */
interface Deep<S> {
  readonly state: S;
  readonly depth: number;
}

interface Levels {
  readonly distinct: number;
  readonly transitions: number;
  readonly boundReached: boolean;
  /** Per depth: new distinct states, transitions out of that level, a digest of the new states in order. */
  readonly perDepth: { states: number; transitionsOut: number; digest: number }[];
}

/** FNV-1a over a string, folded into a running digest. */
function fold(digest: number, text: string): number {
  let h = digest;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Runs `breadthFirstSearch` over `model`, recording each level's new states (projected) and transitions. */
function levels<S>(
  model: ExplorableModel<S, unknown>,
  project: (state: S) => PkvmProjection,
  bounds: { maxDepth: number; maxStates: number },
): Levels {
  const perDepth: Levels['perDepth'] = [];
  const level = (depth: number) => {
    while (perDepth.length <= depth) perDepth.push({ states: 0, transitionsOut: 0, digest: 0x811c9dc5 });
    return perDepth[depth]!;
  };
  const deep: ExplorableModel<Deep<S>, unknown> = {
    initial: { state: model.initial, depth: 0 },
    steps: model.steps,
    apply(from, step) {
      const next = model.apply(from.state, step);
      if (next === undefined) return undefined;
      level(from.depth).transitionsOut++;
      return { state: next, depth: from.depth + 1 };
    },
    fingerprint: (s) => model.fingerprint(s.state),
  };
  const result = breadthFirstSearch(deep, {
    ...bounds,
    properties: ['never'],
    violated: (s) => {
      const entry = level(s.depth);
      entry.states++;
      entry.digest = fold(entry.digest, JSON.stringify(project(s.state)));
      return [];
    },
  });
  return {
    distinct: result.distinctStates,
    transitions: result.transitions,
    boundReached: result.boundReached,
    perDepth,
  };
}

function both(spec: PkvmFamilySpec) {
  const { world } = buildPkvmWorld(spec);
  const reducer = pkvmReducer(spec);
  return { world, reducer };
}

describe('the hand-written pKVM reducer', () => {
  const specs: [string, PkvmFamilySpec][] = [
    ['ownership upstream', ownershipSpec('upstream')],
    ['ownership android', ownershipSpec('android')],
    ['four pages android', fourPageSpec('android')],
    ['wide upstream', wideSpec('upstream')],
    ['wide android', wideSpec('android')],
    [
      'android without raw FF-A calls, identity IOMMU',
      { ...wideSpec('android'), rawFfaCalls: false, iommu: 'identity' },
    ],
  ];

  for (const [name, spec] of specs) {
    it(`offers the world's steps in the world's order (${name})`, () => {
      const { world, reducer } = both(spec);
      expect(reducer.stepInfo).toEqual(world.steps.map((step) => ({ call: step.call, args: step.args })));
      expect(reducer.decode(reducer.initial)).toEqual(projectWorldState(world, world.initial));
    });
  }

  const searches: [string, PkvmFamilySpec, { maxDepth: number; maxStates: number }][] = [
    ['ownership upstream, exhaustive', ownershipSpec('upstream'), { maxDepth: 100, maxStates: 1_000_000 }],
    ['ownership android, exhaustive', ownershipSpec('android'), { maxDepth: 100, maxStates: 1_000_000 }],
    ['wide upstream, first 60,000 states', wideSpec('upstream'), { maxDepth: 100, maxStates: 60_000 }],
    ['wide android, first 60,000 states', wideSpec('android'), { maxDepth: 100, maxStates: 60_000 }],
    ['four pages android, depth 5', fourPageSpec('android'), { maxDepth: 5, maxStates: 1_000_000 }],
  ];

  for (const [name, spec, bounds] of searches) {
    it(`explores the world's space level by level (${name})`, () => {
      const { world, reducer } = both(spec);
      const fromReducer = levels(reducer, reducer.decode, bounds);
      const fromWorld = levels(world, (state: WorldState) => projectWorldState(world, state), bounds);
      expect(fromReducer.perDepth.length).toBeGreaterThan(4);
      expect(fromReducer.perDepth).toEqual(fromWorld.perDepth);
      expect(fromReducer.distinct).toBe(fromWorld.distinct);
      expect(fromReducer.transitions).toBe(fromWorld.transitions);
      expect(fromReducer.boundReached).toBe(fromWorld.boundReached);
      expect(fromReducer.distinct).toBe(fromReducer.perDepth.reduce((sum, level) => sum + level.states, 0));
      // The exhaustive Android space decodes 2 x 264,909 states: about 25 s alone, twice that on a busy machine.
    }, 180_000);
  }

  it('matches the exhaustive ownership state counts the benchmark reports', () => {
    const counts = (['upstream', 'android'] as const).map((kernel) => {
      const result = breadthFirstSearch(pkvmReducer(ownershipSpec(kernel)), {
        maxDepth: 100,
        maxStates: 1_000_000,
        properties: ['never'],
        violated: () => [],
      });
      return [result.distinctStates, result.transitions, result.boundReached];
    });
    expect(counts).toEqual([
      [56_007, 350_337, false],
      [264_909, 2_056_279, false],
    ]);
  });

  for (const [name, spec] of [
    ['ownership android', ownershipSpec('android')],
    ['wide upstream', wideSpec('upstream')],
    ['wide android', wideSpec('android')],
  ] as const) {
    for (const enabledBias of [0.85, 0.3]) {
      it(`accepts and refuses random step sequences as the world does (${name}, bias ${enabledBias})`, () => {
        const { world, reducer } = both(spec);
        const checker = new InvariantChecker(world, pkvmInvariants);
        let deepest = 0;
        let refused = 0;
        fc.assert(
          fc.property(stepChoices({ minLength: 40, maxLength: 120, enabledBias }), (choices) => {
            let state = world.initial;
            let accepted = 0;
            for (const resolved of resolveChoices(reducer, choices)) {
              const next = world.apply(state, world.steps[resolved.step]!);
              expect(next !== undefined).toBe(resolved.accepted);
              if (next) {
                state = next;
                accepted++;
              } else refused++;
              expect(reducer.decode(resolved.state)).toEqual(projectWorldState(world, state));
              expect(reducer.violated(resolved.state)).toEqual(
                checker.violations(state).map((violation) => violation.property),
              );
            }
            deepest = Math.max(deepest, accepted);
          }),
          { seed: 20261125, numRuns: 150 },
        );
        expect(deepest).toBeGreaterThanOrEqual(30);
        expect(refused).toBeGreaterThan(0);
      });
    }
  }
});

describe('the reducer invariants', () => {
  for (const kernel of ['upstream', 'android'] as const) {
    it(`say what properties/pkvm says on arbitrary page states (${kernel})`, () => {
      const spec = wideSpec(kernel);
      const reducer = pkvmReducer(spec);
      const model: WorldModel = {
        components: [],
        guestNames: spec.guests.map((guest) => guest.name),
        guestProtected: spec.guests.map((guest) => guest.protected),
        byKind: {},
        kernel,
      };
      const guestCount = spec.guests.length;
      const pageArb = fc.record({
        host: fc.constantFrom(...HOST_STATES),
        hyp: fc.constantFrom(...HYP_STATES),
        guests: fc.array(fc.constantFrom(...GUEST_STATES), { minLength: guestCount, maxLength: guestCount }),
        guestOwner: fc.integer({ min: -1, max: guestCount - 1 }),
        hypPinCount: fc.integer({ min: 0, max: 2 }),
        dmaRefcount: fc.integer({ min: 0, max: 2 }),
        hostShareGuestCount: fc.integer({ min: 0, max: guestCount }),
        sharedWithFfa: fc.boolean(),
        iommuIdmapMapped: fc.boolean(),
      });
      const vmArb = fc.record({
        state: fc.constantFrom(...VM_STATES),
        initialisedVcpus: fc.integer({ min: 0, max: 2 }),
      });
      let violating = 0;
      fc.assert(
        fc.property(
          fc.array(pageArb, { minLength: spec.pages.length, maxLength: spec.pages.length }),
          fc.array(vmArb, { minLength: guestCount, maxLength: guestCount }),
          (pages, vms) => {
            const projection: PkvmProjection = { pages, vms };
            const state = encodePkvmState(projection);
            expect(reducer.decode(state)).toEqual(projection);
            const expected = pages.flatMap((page, pfn) => {
              const info: ComponentInfo = {
                index: pfn,
                id: `page:${pfn}`,
                kind: 'pkvmPage',
                label: `page ${pfn}`,
              };
              const { host, ...rest } = page;
              const snapshot = {
                value: host,
                context: { pfn, memoryType: spec.pages[pfn]!.memoryType, ...rest },
              };
              return pkvmInvariants.flatMap((invariant) =>
                invariant.component!.check(snapshot, info, model).map((violation) => violation.property),
              );
            });
            const found = reducer.violated(state);
            expect(found).toEqual(expected);
            if (found.length > 0) violating++;
          },
        ),
        { seed: 20261125, numRuns: 2000 },
      );
      expect(violating).toBeGreaterThan(1000);
    });
  }
});

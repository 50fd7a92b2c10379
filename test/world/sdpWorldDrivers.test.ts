/**
 * A composed Secure Data Path world explores the same space whichever way its machines are
 * stepped: XState's own `machine.transition` (interpreted), the compiled driver, with or without
 * remembered step outcomes. Checked on catalog designs that use every machine family.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { breadthFirstSearch } from '../../src/engine/bfs.ts';
import { parseTopology } from '../../src/topology/load.ts';
import type { StepperKind } from '../../src/world/builder.ts';
import { composeWorld } from '../../src/world/compose.ts';

const DESIGNS = [
  'topologies/trustzone-flawed-decoder.yaml',
  'topologies/dynamic-heap-android-unmap-on-lend.yaml',
  'topologies/split-vms-import-outlives-exporter.yaml',
  'topologies/virtio-uuid-stale-after-backend-death.yaml',
];

function explore(file: string, stepper: StepperKind, memoize: boolean) {
  const path = join(import.meta.dirname, '..', '..', file);
  const { world } = composeWorld(parseTopology(readFileSync(path, 'utf8'), path).topology, {
    stepper,
    memoize,
  });
  const seen: string[] = [];
  const result = breadthFirstSearch(world, {
    maxDepth: 5,
    maxStates: 4_000,
    properties: ['none'],
    violated: (state) => {
      seen.push(state.parts.map((p) => `${p.value}${JSON.stringify(p.context)}`).join('|'));
      return [];
    },
  });
  return { distinct: result.distinctStates, transitions: result.transitions, seen };
}

describe('SDP worlds step alike under every driver', () => {
  for (const file of DESIGNS) {
    it(file, () => {
      const reference = explore(file, 'interpreted', false);
      expect(reference.distinct).toBeGreaterThan(100);
      for (const [stepper, memoize] of [
        ['compiled', false],
        ['compiled', true],
        ['interpreted', true],
      ] as const) {
        const other = explore(file, stepper, memoize);
        expect(other.distinct, `${stepper} memoize=${memoize}`).toBe(reference.distinct);
        expect(other.transitions).toBe(reference.transitions);
        expect(other.seen).toEqual(reference.seen);
      }
    }, 120_000);
  }
});

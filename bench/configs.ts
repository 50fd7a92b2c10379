/**
 * The pKVM ownership configurations the benchmark and the reducer's agreement tests share.
 */
import type { PkvmFamilySpec } from '../src/world/families/pkvmFamily.ts';
import { ownershipSpec } from '../test/support/pkvmWorlds.ts';

/** The ownership spec with a fourth page, a plain memory page, before the no-map carveout. */
export function fourPageSpec(kernel: 'upstream' | 'android'): PkvmFamilySpec {
  const base = ownershipSpec(kernel);
  return {
    ...base,
    pages: [...base.pages.slice(0, 2), { label: 'page 3', memoryType: 'memory' }, base.pages[2]!],
  };
}

/**
 * A spec that reaches what the ownership spec does not: an MMIO page, two protected guests,
 * two vCPUs per VM, two DMA mappings per page.
 */
export function wideSpec(kernel: 'upstream' | 'android'): PkvmFamilySpec {
  const base = ownershipSpec(kernel);
  return {
    ...base,
    pages: [...base.pages, { label: 'page 3 (MMIO)', memoryType: 'mmio' }],
    guests: [base.guests[0]!, { name: 'decrypt', protected: true }, { name: 'drm', protected: true }],
    bounds: { hypPins: 2, dmaMappings: 2, vcpus: 2 },
  };
}

export interface BenchConfig {
  readonly name: string;
  readonly description: string;
  readonly spec: PkvmFamilySpec;
}

export const benchConfigs: readonly BenchConfig[] = [
  {
    name: 'ownership-upstream',
    description: '3 pages (1 no-map) x 3 guests (1 protected), mainline',
    spec: ownershipSpec('upstream'),
  },
  {
    name: 'ownership-android',
    description: '3 pages (1 no-map) x 3 guests (1 protected), Android (FF-A lend, DMA, relinquish)',
    spec: ownershipSpec('android'),
  },
  {
    name: 'pages4-upstream',
    description: '4 pages (1 no-map) x 3 guests (1 protected), mainline',
    spec: fourPageSpec('upstream'),
  },
  {
    name: 'pages4-android',
    description: '4 pages (1 no-map) x 3 guests (1 protected), Android',
    spec: fourPageSpec('android'),
  },
];

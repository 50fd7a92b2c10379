/** Small pKVM worlds used by several tests. */
import type { StepperKind } from '../../src/world/builder.ts';
import {
  buildPkvmWorld,
  type KernelVariant,
  type PageMachine,
  type PkvmFamilySpec,
} from '../../src/world/families/pkvmFamily.ts';

/** Three pages (the last a no-map carveout), two non-protected guests and one protected guest. */
export function ownershipSpec(kernel: KernelVariant, pageMachine?: PageMachine): PkvmFamilySpec {
  return {
    kernel,
    iommu: kernel === 'android' ? 'dmaDomains' : 'none',
    pages: [
      { label: 'page 0', memoryType: 'memory' },
      { label: 'page 1', memoryType: 'memory' },
      { label: 'page 2 (no-map carveout)', memoryType: 'nomap' },
    ],
    guests: [
      { name: 'infotainment', protected: false },
      { name: 'cluster', protected: false },
      { name: 'decrypt', protected: true },
    ],
    bounds: { hypPins: 2, dmaMappings: 1, vcpus: 1 },
    rawFfaCalls: true,
    ...(pageMachine ? { pageMachine } : {}),
  };
}

export function ownershipWorld(
  kernel: KernelVariant,
  stepperKind: StepperKind = 'compiled',
  pageMachine?: PageMachine,
  memoize = true,
) {
  return buildPkvmWorld(ownershipSpec(kernel, pageMachine), stepperKind, memoize).world;
}

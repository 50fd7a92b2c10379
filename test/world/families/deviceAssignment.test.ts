/**
 * Devices assigned to a protected VM in the composed world: the boot hands the device from the
 * host through the hypervisor to the VM, the VM maps its frame into its own IOMMU domain, the
 * device's DMA reaches exactly what that domain maps, an IOMMU group shares it, and the VM's
 * teardown gives the device back with its domain freed.
 */
import { describe, expect, it } from 'vitest';
import { loadTopologyFile } from '../../../src/topology/load.ts';
import { composeWorld, type SdpWorld } from '../../../src/world/compose.ts';
import type { WorldState } from '../../../src/world/world.ts';
import { applied, appliedAll, stepOf } from '../../support/tinyWorld.ts';

async function compose(file: string): Promise<SdpWorld> {
  return composeWorld((await loadTopologyFile(`topologies/${file}.yaml`)).topology);
}

const ASSIGNED = await compose('pkvm-pvm-decrypt-assigned-display-identity');
const SPLIT_GROUP = await compose('pkvm-assigned-display-partial-group-assignment');
/** The frame's page (`decrypt-ram:1`). */
const FRAME = 1;

function readers({ model }: SdpWorld, state: WorldState, pfn: number): string[] {
  return model.reach.paths(state, pfn, 'read').map((path) => `${path.party}: ${path.via}`);
}

function devicesOf({ model }: SdpWorld) {
  return new Map(model.devices.map((device) => [device.name, device]));
}

describe('boot', () => {
  it('hands the display to the hypervisor, then the pVM claims and attaches it', () => {
    expect(ASSIGNED.unbootable).toBeUndefined();
    expect(ASSIGNED.boot.slice(-4).map((step) => `${step.actor}: ${step.call}`)).toEqual([
      'host: pkvm_device_hyp_assign_mmio()',
      'guest decrypt: pkvm_guest_iommu_alloc_domain()',
      'guest decrypt: pkvm_device_request_dma()',
      'guest decrypt: pkvm_guest_iommu_attach_dev()',
    ]);
    const dpu = devicesOf(ASSIGNED).get('dpu')!;
    expect(ASSIGNED.world.initial.parts[dpu.assignment!]).toMatchObject({
      value: 'assigned',
      context: { vm: 0 },
    });
  });

  it('refuses a group whose other device the host kept', async () => {
    const kept = await compose('pkvm-assigned-display-group-kept-by-host');
    expect(kept.unbootable).toMatchObject({
      code: 'EPERM',
      failedGuard: 'groupOwnedByHyp',
      message: "guest decrypt's pkvm_device_request_dma() refuses device dpu (-EPERM)",
    });
  });
});

describe('reach', () => {
  const { world } = ASSIGNED;
  const mapped = applied(
    world,
    world.initial,
    stepOf(world, 'KVM_PVIOMMU_OP_MAP_PAGES', { device: 'dpu', buffer: 'frame' }),
  );

  it('gives the display the frame only once the pVM mapped it into its domain', () => {
    expect(readers(ASSIGNED, world.initial, FRAME)).toEqual(['decrypt: CPU through decrypt stage-2 (OWNED)']);
    expect(readers(ASSIGNED, mapped, FRAME)).toEqual([
      'decrypt: CPU through decrypt stage-2 (OWNED)',
      'dpu: DMA through its IOMMU domain',
    ]);
  });

  it('lets a device of the same IOMMU group in through the assigned device’s domain', () => {
    const split = SPLIT_GROUP.world;
    const state = applied(
      split,
      split.initial,
      stepOf(split, 'KVM_PVIOMMU_OP_MAP_PAGES', { device: 'dpu', buffer: 'frame' }),
    );
    expect(readers(SPLIT_GROUP, state, FRAME)).toContain(
      'dma-engine: DMA through the IOMMU domain of dpu, in the same IOMMU group',
    );
  });

  it('maps only pages the pVM maps: none once they were reclaimed at teardown', () => {
    const reclaimed = appliedAll(world, world.initial, [
      ['START_TEARDOWN_VM', { vm: 'decrypt' }],
      ['RECLAIM_DYING_GUEST_PAGE', { page: 1, vm: 'decrypt' }],
    ]);
    expect(
      world.apply(reclaimed, stepOf(world, 'KVM_PVIOMMU_OP_MAP_PAGES', { device: 'dpu', buffer: 'frame' })),
    ).toBeUndefined();
  });
});

describe('teardown', () => {
  it('returns the display to the host and frees the pVM’s domain', () => {
    const { world } = ASSIGNED;
    const dpu = devicesOf(ASSIGNED).get('dpu')!;
    const destroyed = appliedAll(world, world.initial, [
      ['KVM_PVIOMMU_OP_MAP_PAGES', { device: 'dpu', buffer: 'frame' }],
      ['START_TEARDOWN_VM', { vm: 'decrypt' }],
      ['RECLAIM_DYING_GUEST_PAGE', { page: 0, vm: 'decrypt' }],
      ['RECLAIM_DYING_GUEST_PAGE', { page: 1, vm: 'decrypt' }],
      ['FINALIZE_TEARDOWN_VM', { vm: 'decrypt' }],
    ]);
    expect(destroyed.parts[dpu.assignment!]!.value).toBe('hostOwned');
    expect(destroyed.parts[dpu.domain!]!).toMatchObject({
      value: 'free',
      context: { mapped: [] },
    });
    expect(readers(ASSIGNED, destroyed, FRAME).filter((reader) => reader.startsWith('dpu'))).toEqual([]);
  });
});

/**
 * The host's ownership calls after boot: a region donated on the guest's fault is the host's
 * until the fault donation, the calls `hypervisor.hostCalls` lists are offered on the pages
 * outside the heaps (and nothing else is), and the page and IOMMU domain machines accept or
 * refuse each with the kernel's code.
 */
import { describe, expect, it } from 'vitest';
import { hostPageState, pageIsOwnedByGuest, pageIsOwnedByHyp } from '../../../machines/pkvmPageState.ts';
import { snapshotOf } from '../../../src/world/builder.ts';
import { composeWorld } from '../../../src/world/compose.ts';
import { withHostScratch } from '../../../src/world/design.ts';
import { pagesTheHostNames } from '../../../src/world/families/hostCalls.ts';
import { resolveLayout } from '../../../src/world/layout.ts';
import type { StepArgs, WorldState } from '../../../src/world/world.ts';
import { applied, stepOf, tinyDesign } from '../../support/tinyWorld.ts';

function design(options: { kernel: 'upstream' | 'android'; hostCalls: string; donatedAt?: string }) {
  const dmaDomains = options.kernel === 'android';
  return tinyDesign(`
hypervisor:
  kind: pkvm
  kernel: ${options.kernel}
  iommu: ${dmaDomains ? 'dmaDomains' : 'none'}
  hostCalls: ${options.hostCalls}
secureWorld: { tee: false }
vms:
  - { name: decrypt, protected: true }
  - { name: infotainment, protected: false }
memory:
  - { name: decrypt-ram, pages: 2, owner: decrypt${options.donatedAt ? `, donatedAt: ${options.donatedAt}` : ''} }
  - { name: spare, pages: 1 }
buffers:
  - { name: frame, region: decrypt-ram, allocatedBy: decrypt }
  - { name: ciphertext, region: decrypt-ram, allocatedBy: decrypt, pages: 1 }
devices:
  - { name: dpu, role: display, controlledBy: host, iommu: ${dmaDomains ? 'domain' : 'bypass'} }
streams:
  - { name: movie, audience: [decrypt, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: decrypt, output: frame }
  display: { by: dpu }
`);
}

/** A composed world with a cursor state, answering what a step does there. */
function runner(options: Parameters<typeof design>[0]) {
  const topology = design(options);
  const sdp = composeWorld(topology);
  const { world } = sdp;
  let state: WorldState = world.initial;
  return {
    sdp,
    topology,
    do(call: string, args: StepArgs) {
      state = applied(world, state, stepOf(world, call, args));
    },
    /** `notIssued`, `accepted`, or the first refusing component and its code. */
    outcome(call: string, args: StepArgs) {
      const deliveries = stepOf(world, call, args).plan(state);
      if (!deliveries) return 'notIssued';
      const outcome = world.deliver(state, deliveries);
      return 'refused' in outcome ? `${outcome.refused.component.id} ${outcome.refused.code}` : 'accepted';
    },
    page(label: string) {
      return snapshotOf(
        state,
        world.components.findIndex((c) => c.label === label),
      );
    },
  };
}

describe('which host calls a design offers', () => {
  it('offers none of them when hostCalls is left out, and composes no fault donation', () => {
    const sdp = composeWorld(design({ kernel: 'upstream', hostCalls: '[]' }));
    expect(sdp.world.steps.filter((s) => ['faultDonation', 'hostIommuMap'].includes(s.action))).toEqual([]);
    expect(
      sdp.world.steps.some((s) =>
        ['HOST_SHARE_HYP', 'HOST_DONATE_HYP', 'HOST_DONATE_GUEST'].includes(s.call),
      ),
    ).toBe(false);
  });

  it('names only the pages outside the heaps (the host scratch heap is left out)', () => {
    const topology = withHostScratch(design({ kernel: 'upstream', hostCalls: '[shareHyp]' }));
    const layout = resolveLayout(topology);
    expect(layout.pages.map((p) => p.label)).toContain('host-scratch:0');
    expect([...pagesTheHostNames(topology, layout)].map((pfn) => layout.pages[pfn]!.label)).toEqual([
      'decrypt-ram:0',
      'decrypt-ram:1',
      'spare:0',
    ]);
  });

  it('offers donations to protected VMs, shares to non-protected ones, and a fault donation as a pipeline step', () => {
    const r = runner({
      kernel: 'android',
      hostCalls: '[donateGuest, shareGuest, iommuMap]',
      donatedAt: 'fault',
    });
    const offered = r.sdp.world.steps
      .filter(
        (s) =>
          ['faultDonation', 'hostIommuMap', 'hostIommuUnmap'].includes(s.action) ||
          ['HOST_DONATE_GUEST', 'HOST_SHARE_GUEST'].includes(s.call),
      )
      .map((s) => [s.action, s.call, s.role, s.args]);
    expect(offered).toEqual([
      ['faultDonation', 'HOST_DONATE_GUEST', 'pipeline', { page: 0, vm: 'decrypt' }],
      ['faultDonation', 'HOST_DONATE_GUEST', 'pipeline', { page: 1, vm: 'decrypt' }],
      ['guestPageCall', 'HOST_SHARE_GUEST', 'adversary', { page: 0, vm: 'infotainment' }],
      ['hostIommuMap', 'IOMMU_MAP_PAGES', 'adversary', { page: 0, device: 'dpu' }],
      ['hostIommuUnmap', 'IOMMU_UNMAP_PAGES', 'adversary', { page: 0, device: 'dpu' }],
      ['guestPageCall', 'HOST_SHARE_GUEST', 'adversary', { page: 1, vm: 'infotainment' }],
      ['hostIommuMap', 'IOMMU_MAP_PAGES', 'adversary', { page: 1, device: 'dpu' }],
      ['hostIommuUnmap', 'IOMMU_UNMAP_PAGES', 'adversary', { page: 1, device: 'dpu' }],
      ['guestPageCall', 'HOST_DONATE_GUEST', 'adversary', { page: 2, vm: 'decrypt' }],
      ['guestPageCall', 'HOST_SHARE_GUEST', 'adversary', { page: 2, vm: 'infotainment' }],
      ['hostIommuMap', 'IOMMU_MAP_PAGES', 'adversary', { page: 2, device: 'dpu' }],
      ['hostIommuUnmap', 'IOMMU_UNMAP_PAGES', 'adversary', { page: 2, device: 'dpu' }],
    ]);
  });
});

describe('a region donated on the guest fault', () => {
  it('stays the host page after boot, and the fault donation gives it to the guest', () => {
    const r = runner({ kernel: 'upstream', hostCalls: '[]', donatedAt: 'fault' });
    expect(hostPageState(r.page('decrypt-ram:0'))).toBe('OWNED');
    r.do('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' });
    expect(pageIsOwnedByGuest(r.page('decrypt-ram:0'))).toBe(true);
    expect(r.outcome('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' })).toBe('page:0 EPERM');
  });

  it('is not offered once the guest is being torn down', () => {
    const r = runner({ kernel: 'upstream', hostCalls: '[]', donatedAt: 'fault' });
    r.do('START_TEARDOWN_VM', { vm: 'decrypt' });
    expect(r.outcome('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' })).toBe('notIssued');
  });
});

describe('the host DMA-maps a page, then donates it (ACK __pkvm_host_use_dma())', () => {
  it('maps a host-owned page, and the donation is then refused with -EINVAL (the DMA refcount)', () => {
    const r = runner({ kernel: 'android', hostCalls: '[iommuMap]', donatedAt: 'fault' });
    r.do('IOMMU_MAP_PAGES', { page: 0, device: 'dpu' });
    expect(r.page('decrypt-ram:0').context.dmaRefcount).toBe(1);
    expect(r.outcome('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' })).toBe('page:0 EINVAL');
    r.do('IOMMU_UNMAP_PAGES', { page: 0, device: 'dpu' });
    expect(r.outcome('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' })).toBe('accepted');
  });

  it('refuses to map a page the guest owns with -EPERM, and stops the refcount at the model bound', () => {
    const r = runner({ kernel: 'android', hostCalls: '[iommuMap]', donatedAt: 'fault' });
    r.do('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' });
    expect(r.outcome('IOMMU_MAP_PAGES', { page: 0, device: 'dpu' })).toBe('page:0 EPERM');
    r.do('IOMMU_MAP_PAGES', { page: 2, device: 'dpu' });
    // One DMA mapping per device per page: the bound is the number of devices.
    expect(r.outcome('IOMMU_MAP_PAGES', { page: 2, device: 'dpu' })).toBe('notIssued');
  });
});

describe('sharing with and donating to the hypervisor, sharing with a non-protected guest', () => {
  it('shares a host page with hyp and back, and refuses a guest-owned one with -EPERM', () => {
    const r = runner({ kernel: 'upstream', hostCalls: '[shareHyp]' });
    r.do('HOST_SHARE_HYP', { page: 2 });
    expect([hostPageState(r.page('spare:0')), r.page('spare:0').context.hyp]).toEqual([
      'SHARED_OWNED',
      'SHARED_BORROWED',
    ]);
    r.do('HOST_UNSHARE_HYP', { page: 2 });
    expect(hostPageState(r.page('spare:0'))).toBe('OWNED');
    expect(r.outcome('HOST_SHARE_HYP', { page: 0 })).toBe('page:0 EPERM');
  });

  it('donates a host page to hyp, after which the host can neither donate it to a guest nor map it', () => {
    const r = runner({ kernel: 'android', hostCalls: '[donateHyp, iommuMap]', donatedAt: 'fault' });
    r.do('HOST_DONATE_HYP', { page: 0 });
    expect(pageIsOwnedByHyp(r.page('decrypt-ram:0'))).toBe(true);
    expect(r.outcome('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' })).toBe('page:0 EPERM');
    expect(r.outcome('IOMMU_MAP_PAGES', { page: 0, device: 'dpu' })).toBe('page:0 EPERM');
  });

  it('shares a host page with a non-protected guest only from a loaded vCPU (-EINVAL otherwise)', () => {
    const r = runner({ kernel: 'upstream', hostCalls: '[shareGuest]' });
    expect(r.outcome('HOST_SHARE_GUEST', { page: 2, vm: 'infotainment' })).toBe('page:2 EINVAL');
    r.do('VCPU_LOAD', { vm: 'infotainment' });
    r.do('HOST_SHARE_GUEST', { page: 2, vm: 'infotainment' });
    expect(r.page('spare:0').context.hostShareGuestCount).toBe(1);
    expect(r.outcome('HOST_SHARE_GUEST', { page: 0, vm: 'infotainment' })).toBe('page:0 EPERM');
  });
});

describe('an MMIO range (check_range_allowed_memory())', () => {
  const mmio = () =>
    composeWorld(
      tinyDesign(`
hypervisor: { kind: pkvm, kernel: upstream, iommu: none, hostCalls: [shareHyp, donateHyp, donateGuest] }
secureWorld: { tee: false }
vms:
  - { name: decrypt, protected: true }
memory:
  - { name: decrypt-ram, pages: 2, owner: decrypt }
  - { name: regs, pages: 1, type: mmio }
buffers:
  - { name: ciphertext, region: decrypt-ram, allocatedBy: decrypt }
  - { name: frame, region: decrypt-ram, allocatedBy: decrypt }
devices:
  - { name: dpu, role: display, controlledBy: host }
streams:
  - { name: movie, audience: [decrypt, dpu] }
pipeline: { stream: movie, input: ciphertext, decrypt: { by: decrypt, output: frame }, display: { by: dpu } }
`),
    ).world;

  it('is refused for every ownership change with -EPERM', () => {
    const world = mmio();
    let state = world.initial;
    state = applied(world, state, stepOf(world, 'VCPU_LOAD', { vm: 'decrypt' }));
    const code = (call: string, args: StepArgs) => {
      const outcome = world.deliver(state, stepOf(world, call, args).plan(state)!);
      return 'refused' in outcome ? `${outcome.refused.component.id} ${outcome.refused.code}` : 'accepted';
    };
    expect(code('HOST_SHARE_HYP', { page: 2 })).toBe('page:2 EPERM');
    expect(code('HOST_DONATE_HYP', { page: 2 })).toBe('page:2 EPERM');
    expect(code('HOST_DONATE_GUEST', { page: 2, vm: 'decrypt' })).toBe('page:2 EPERM');
  });
});

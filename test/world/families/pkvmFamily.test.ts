/**
 * The pKVM family: one ownership machine per page and one lifecycle machine per guest, the host,
 * hyp and guest calls on them (guest hypercalls need a loaded vCPU, host calls carry the VM facts
 * the handler reads, teardown reclaims and poisons before it finalizes, counters stop at their
 * bound), which calls each scope and kernel offers, and the guests' boot (`guestBootSteps`).
 */
import { describe, expect, it } from 'vitest';
import {
  androidPkvmPageMachine,
  pkvmPageMachine,
  unmapAllOnLendPkvmPageMachine,
} from '../../../machines/pkvmPageMachine.ts';
import { hostPageState, pageIsOwnedByGuest } from '../../../machines/pkvmPageState.ts';
import { bootWorld } from '../../../src/world/boot.ts';
import { snapshotOf, WorldBuilder } from '../../../src/world/builder.ts';
import { guestBootSteps } from '../../../src/world/families/pkvmBoot.ts';
import {
  addPkvmFamily,
  buildPkvmWorld,
  type PkvmFamilySpec,
  pageMachineFor,
} from '../../../src/world/families/pkvmFamily.ts';
import { resolveLayout } from '../../../src/world/layout.ts';
import type { StepArgs, World } from '../../../src/world/world.ts';
import { ownershipSpec } from '../../support/pkvmWorlds.ts';
import { applied, booted, deliveryTypes, stepOf, tinyDesign } from '../../support/tinyWorld.ts';

/** The ownership world (three pages, two np-guests and a pVM) with a cursor state. */
function runner(kernel: 'upstream' | 'android') {
  const { world, family } = buildPkvmWorld(ownershipSpec(kernel));
  let state = world.initial;
  return {
    world,
    family,
    get state() {
      return state;
    },
    do(call: string, args: StepArgs = {}) {
      state = applied(world, state, stepOf(world, call, args));
    },
    /** `notIssued` when the step is not planned, else the first refusing machine's code or `accepted`. */
    refusal(call: string, args: StepArgs = {}) {
      const deliveries = stepOf(world, call, args).plan(state);
      if (!deliveries) return 'notIssued';
      const outcome = world.deliver(state, deliveries);
      return 'refused' in outcome ? outcome.refused.code : 'accepted';
    },
    page(pfn: number) {
      return snapshotOf(state, family.pages[pfn]!);
    },
    vm(index: number) {
      return snapshotOf(state, family.guests[index]!);
    },
  };
}

const stepRows = (world: World) => world.steps.map((s) => [s.action, s.call, s.actor, s.role, s.args]);

describe('pKVM family components', () => {
  it('adds a page machine per page and a VM machine per guest, with the inputs the machines start from', () => {
    const { world, family } = buildPkvmWorld(ownershipSpec('upstream'));
    expect(world.components.map((c) => [c.id, c.kind, c.label, c.input])).toEqual([
      ['page:0', 'pkvmPage', 'page 0', { pfn: 0, memoryType: 'memory', guestCount: 3 }],
      ['page:1', 'pkvmPage', 'page 1', { pfn: 1, memoryType: 'memory', guestCount: 3 }],
      ['page:2', 'pkvmPage', 'page 2 (no-map carveout)', { pfn: 2, memoryType: 'nomap', guestCount: 3 }],
      ['vm:infotainment', 'guestVm', 'guest infotainment', { protected: false }],
      ['vm:cluster', 'guestVm', 'guest cluster', { protected: false }],
      ['vm:decrypt', 'guestVm', 'guest decrypt', { protected: true }],
    ]);
    expect([family.pages, family.guests]).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  it('answers VM facts, runs and destroyed from the VM machine', () => {
    const r = runner('upstream');
    const { world, family } = r;
    expect(family.guestFacts(world.initial, 2)).toEqual({
      vm: 2,
      vmProtected: true,
      vcpuLoaded: false,
      vmDying: false,
    });
    expect([family.runs(world.initial, 2), family.destroyed(world.initial, 2)]).toEqual([false, false]);
    r.do('INIT_VCPU', { vm: 'decrypt' });
    r.do('VCPU_LOAD', { vm: 'decrypt' });
    expect(family.guestFacts(r.state, 2).vcpuLoaded).toBe(true);
    expect(family.runs(r.state, 2)).toBe(true);
    r.do('VCPU_PUT', { vm: 'decrypt' });
    r.do('START_TEARDOWN_VM', { vm: 'decrypt' });
    expect(family.guestFacts(r.state, 2)).toMatchObject({ vcpuLoaded: false, vmDying: true });
    expect(family.runs(r.state, 2)).toBe(false);
    r.do('FINALIZE_TEARDOWN_VM', { vm: 'decrypt' });
    expect(family.destroyed(r.state, 2)).toBe(true);
  });
});

describe('pKVM family steps', () => {
  const oneOfEach = (spec: Partial<PkvmFamilySpec>): PkvmFamilySpec => ({
    kernel: 'upstream',
    iommu: 'none',
    pages: [{ label: 'page 0', memoryType: 'memory' }],
    guests: [{ name: 'decrypt', protected: true }],
    bounds: { hypPins: 1, dmaMappings: 1, vcpus: 1 },
    rawFfaCalls: false,
    ...spec,
  });

  it('offers only the post-boot host calls in the sdp scope, each an adversary step named after its function', () => {
    const { world } = buildPkvmWorld(oneOfEach({ scope: 'sdp' }));
    expect(stepRows(world)).toEqual([
      ['hostPageCall', 'FORCE_RECLAIM_GUEST_PAGE', 'host', 'adversary', { page: 0 }],
      ['guestPageCall', 'HOST_UNSHARE_GUEST', 'host', 'adversary', { page: 0, vm: 'decrypt' }],
      ['guestPageCall', 'RECLAIM_DYING_GUEST_PAGE', 'host', 'adversary', { page: 0, vm: 'decrypt' }],
      ['vmCall', 'VCPU_LOAD', 'host', 'adversary', { vm: 'decrypt' }],
      ['vmCall', 'VCPU_PUT', 'host', 'adversary', { vm: 'decrypt' }],
      ['vmCall', 'START_TEARDOWN_VM', 'host', 'adversary', { vm: 'decrypt' }],
      ['vmCall', 'FINALIZE_TEARDOWN_VM', 'host', 'adversary', { vm: 'decrypt' }],
    ]);
  });

  it('offers every call in the ownership scope, the raw FF-A calls on request, the Android ones on Android', () => {
    const calls = (spec: Partial<PkvmFamilySpec>) =>
      buildPkvmWorld(oneOfEach(spec)).world.steps.map((s) => `${s.actor} ${s.call}`);
    expect(calls({})).toEqual([
      'host HOST_SHARE_HYP',
      'host HOST_UNSHARE_HYP',
      'hyp HYP_PIN_SHARED_MEM',
      'hyp HYP_UNPIN_SHARED_MEM',
      'host HOST_DONATE_HYP',
      'hyp HYP_DONATE_HOST',
      'host FORCE_RECLAIM_GUEST_PAGE',
      'host HOST_DONATE_GUEST',
      'host HOST_SHARE_GUEST',
      'host HOST_UNSHARE_GUEST',
      'guest decrypt GUEST_SHARE_HOST',
      'guest decrypt GUEST_UNSHARE_HOST',
      'host RECLAIM_DYING_GUEST_PAGE',
      'host INIT_VCPU',
      'host VCPU_LOAD',
      'host VCPU_PUT',
      'host START_TEARDOWN_VM',
      'host FINALIZE_TEARDOWN_VM',
    ]);
    const raw = calls({ rawFfaCalls: true });
    expect(raw.filter((c) => c.includes('FFA'))).toEqual(['host HOST_SHARE_FFA', 'host HOST_UNSHARE_FFA']);
    const android = calls({ kernel: 'android', iommu: 'dmaDomains', rawFfaCalls: true });
    expect(android.filter((c) => !calls({ rawFfaCalls: true }).includes(c))).toEqual([
      'host HOST_DONATE_FFA',
      'host HOST_RECLAIM_FFA',
      'host HOST_USE_DMA',
      'host HOST_UNUSE_DMA',
      'guest decrypt GUEST_RELINQUISH_TO_HOST',
    ]);
    expect(calls({ kernel: 'android', iommu: 'identity' })).not.toContain('host HOST_USE_DMA');
  });

  it('describes every step in domain words', () => {
    const { world } = runner('upstream');
    expect(world.findStep('HOST_DONATE_GUEST', { page: 1, vm: 'decrypt' })!.text).toBe(
      'host donates page 1 to guest decrypt',
    );
    expect(world.findStep('GUEST_SHARE_HOST', { page: 0, vm: 'decrypt' })!.text).toBe(
      'guest decrypt shares page 0 with the host (MEM_SHARE)',
    );
    expect(world.findStep('GUEST_RELINQUISH_TO_HOST')).toBeUndefined();
    expect(runner('android').world.findStep('GUEST_RELINQUISH_TO_HOST')).toBeDefined();
  });

  it('fills the handler facts from the VM machine: no donation without a loaded pVM vCPU', () => {
    const r = runner('upstream');
    expect(r.refusal('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' })).toBe('EINVAL');
    r.do('INIT_VCPU', { vm: 'decrypt' });
    r.do('VCPU_LOAD', { vm: 'decrypt' });
    const donate = stepOf(r.world, 'HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' });
    expect(donate.plan(r.state)!.map((d) => d.event)).toEqual([
      { vm: 2, vmProtected: true, vcpuLoaded: true, vmDying: false, type: 'HOST_DONATE_GUEST' },
    ]);
    r.do('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' });
    expect(r.page(0).value).toBe('NOPAGE.ownedByGuest');
    expect(r.refusal('HOST_SHARE_GUEST', { page: 1, vm: 'decrypt' })).toBe('EINVAL');
  });

  it('issues guest hypercalls only from a running vCPU', () => {
    const r = runner('upstream');
    r.do('INIT_VCPU', { vm: 'decrypt' });
    r.do('VCPU_LOAD', { vm: 'decrypt' });
    r.do('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' });
    r.do('VCPU_PUT', { vm: 'decrypt' });
    expect(r.refusal('GUEST_SHARE_HOST', { page: 0, vm: 'decrypt' })).toBe('notIssued');
    r.do('VCPU_LOAD', { vm: 'decrypt' });
    r.do('GUEST_SHARE_HOST', { page: 0, vm: 'decrypt' });
    expect(r.page(0).value).toBe('SHARED_BORROWED');
  });

  it('tears a pVM down: refused while loaded, reclaim with poisoning, then finalize', () => {
    const r = runner('android');
    r.do('INIT_VCPU', { vm: 'decrypt' });
    r.do('VCPU_LOAD', { vm: 'decrypt' });
    r.do('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' });
    r.do('HOST_DONATE_GUEST', { page: 1, vm: 'decrypt' });
    r.do('GUEST_SHARE_HOST', { page: 1, vm: 'decrypt' });
    expect(r.refusal('START_TEARDOWN_VM', { vm: 'decrypt' })).toBe('EBUSY');
    r.do('VCPU_PUT', { vm: 'decrypt' });
    r.do('START_TEARDOWN_VM', { vm: 'decrypt' });
    expect(r.refusal('FINALIZE_TEARDOWN_VM', { vm: 'decrypt' })).toBe('NOT_ISSUED');
    r.do('RECLAIM_DYING_GUEST_PAGE', { page: 0, vm: 'decrypt' });
    expect(r.refusal('FINALIZE_TEARDOWN_VM', { vm: 'decrypt' })).toBe('NOT_ISSUED');
    r.do('RECLAIM_DYING_GUEST_PAGE', { page: 1, vm: 'decrypt' });
    r.do('FINALIZE_TEARDOWN_VM', { vm: 'decrypt' });
    expect(r.vm(2).value).toBe('destroyed');
    expect([r.page(0).value, r.page(1).value]).toEqual(['OWNED', 'OWNED']);
  });

  it('finalizes a teardown with the count of pages the VM still maps, reading every page', () => {
    const r = runner('upstream');
    r.do('INIT_VCPU', { vm: 'decrypt' });
    r.do('VCPU_LOAD', { vm: 'decrypt' });
    r.do('HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' });
    r.do('HOST_DONATE_GUEST', { page: 1, vm: 'decrypt' });
    const finalize = stepOf(r.world, 'FINALIZE_TEARDOWN_VM', { vm: 'decrypt' });
    expect(finalize.touches.map((c) => r.world.components[c]!.id)).toEqual([
      'page:0',
      'page:1',
      'page:2',
      'vm:decrypt',
    ]);
    expect(finalize.plan(r.state)!.map((d) => d.event)).toEqual([
      { type: 'FINALIZE_TEARDOWN_VM', pagesStillMapped: 2 },
    ]);
    expect(stepOf(r.world, 'VCPU_PUT', { vm: 'decrypt' }).touches).toEqual([5]);
  });

  it('bounds hyp pins, DMA mappings and vCPUs so exploration stays finite', () => {
    const r = runner('android');
    r.do('HOST_SHARE_HYP', { page: 0 });
    r.do('HYP_PIN_SHARED_MEM', { page: 0 });
    r.do('HYP_PIN_SHARED_MEM', { page: 0 });
    expect(r.refusal('HYP_PIN_SHARED_MEM', { page: 0 })).toBe('notIssued');
    expect(r.refusal('HOST_UNSHARE_HYP', { page: 0 })).toBe('EBUSY');
    r.do('HOST_USE_DMA', { page: 1 });
    expect(r.refusal('HOST_USE_DMA', { page: 1 })).toBe('notIssued');
    r.do('INIT_VCPU', { vm: 'cluster' });
    expect(r.refusal('INIT_VCPU', { vm: 'cluster' })).toBe('notIssued');
  });

  it('gives equal states one fingerprint whatever the path', () => {
    const a = runner('upstream');
    a.do('HOST_SHARE_HYP', { page: 0 });
    a.do('HOST_SHARE_HYP', { page: 1 });
    expect(a.world.fingerprint(a.state)).not.toBe(a.world.fingerprint(a.world.initial));
    // Interned ids belong to one world: replay the other order on the same world.
    const w = a.world;
    const s1 = applied(
      w,
      applied(w, w.initial, stepOf(w, 'HOST_SHARE_HYP', { page: 1 })),
      stepOf(w, 'HOST_SHARE_HYP', { page: 0 }),
    );
    expect(w.fingerprint(s1)).toBe(w.fingerprint(a.state));
  });
});

describe('pageMachineFor', () => {
  it('picks the mainline, Android or unmap-all page machine, with the flaws switched on', () => {
    expect(pageMachineFor({ kernel: 'upstream', ffaLend: 'share' }, [])).toBe(pkvmPageMachine);
    expect(pageMachineFor({ kernel: 'upstream', ffaLend: 'unmapAll' }, [])).toBe(pkvmPageMachine);
    expect(pageMachineFor({ kernel: 'android', ffaLend: 'share' }, [])).toBe(androidPkvmPageMachine);
    expect(pageMachineFor({ kernel: 'android', ffaLend: 'unmapOnLend' }, [])).toBe(androidPkvmPageMachine);
    expect(pageMachineFor({ kernel: 'android', ffaLend: 'unmapAll' }, [])).toBe(
      unmapAllOnLendPkvmPageMachine,
    );
    expect(pageMachineFor({ kernel: 'upstream', ffaLend: 'share' }, ['teardownWithoutPoison'])).not.toBe(
      pkvmPageMachine,
    );
  });

  it('runs the machine it is given: a teardown without poison emits no PAGE_POISONED', () => {
    const emitsPoison = (flaws: string[]) => {
      const builder = new WorldBuilder();
      const family = addPkvmFamily(builder, {
        ...ownershipSpec('upstream'),
        pageMachine: pageMachineFor({ kernel: 'upstream', ffaLend: 'share' }, flaws),
      });
      let poisoned = false;
      builder.onEmit(family.pages[0]!, 'PAGE_POISONED', [], () => {
        poisoned = true;
        return [];
      });
      const world = builder.build({ guestNames: [], guestProtected: [], kernel: 'upstream' });
      let state = world.initial;
      for (const [call, args] of [
        ['INIT_VCPU', { vm: 'decrypt' }],
        ['VCPU_LOAD', { vm: 'decrypt' }],
        ['HOST_DONATE_GUEST', { page: 0, vm: 'decrypt' }],
        ['VCPU_PUT', { vm: 'decrypt' }],
        ['START_TEARDOWN_VM', { vm: 'decrypt' }],
        ['RECLAIM_DYING_GUEST_PAGE', { page: 0, vm: 'decrypt' }],
      ] as const) {
        state = applied(world, state, stepOf(world, call, args));
      }
      return poisoned;
    };
    expect([emitsPoison([]), emitsPoison(['teardownWithoutPoison'])]).toEqual([true, false]);
  });
});

describe('guestBootSteps', () => {
  const body = (decryptRamType: string) => `
hypervisor: { kind: pkvm, kernel: upstream, iommu: none }
secureWorld: { tee: false }
vms:
  - { name: decrypt, protected: true }
  - { name: display, protected: false }
memory:
  - { name: dram, pages: 1 }
  - { name: decrypt-ram, pages: 1, owner: decrypt, type: ${decryptRamType} }
  - { name: swiotlb, pages: 1, owner: decrypt, sharedWithHost: true }
  - { name: display-ram, pages: 1, owner: display }
buffers:
  - { name: ciphertext, region: decrypt-ram, allocatedBy: decrypt }
  - { name: frame, region: display-ram, allocatedBy: display }
devices:
  - { name: dpu, role: display, controlledBy: display }
streams:
  - { name: movie, audience: [decrypt, display, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: decrypt, output: frame }
  display: { by: dpu }
`;

  function bootable(decryptRamType: 'memory' | 'nomap') {
    const design = tinyDesign(body(decryptRamType));
    const layout = resolveLayout(design);
    const builder = new WorldBuilder();
    const family = addPkvmFamily(builder, {
      kernel: 'upstream',
      iommu: 'none',
      pages: layout.pages.map((page) => ({
        label: page.label,
        memoryType: design.memory.find((r) => r.name === page.region)!.type,
      })),
      guests: design.vms,
      bounds: { hypPins: 1, dmaMappings: 1, vcpus: 1 },
      rawFfaCalls: false,
      scope: 'sdp',
    });
    const world = builder.build({
      guestNames: ['decrypt', 'display'],
      guestProtected: [true, false],
      kernel: 'upstream',
    });
    return { world, family, steps: guestBootSteps(family, design, layout) };
  }

  it("creates each guest's vCPU, donates a pVM's regions, shares an np-VM's, and shares back what the design says", () => {
    const { world, steps } = bootable('memory');
    expect(steps.map((s) => [s.actor, s.call, s.subject, deliveryTypes(world, s.deliveries)])).toEqual([
      ['host', '__pkvm_init_vcpu()', 'guest decrypt', ['vm:decrypt INIT_VCPU']],
      ['host', 'pkvm_load_hyp_vcpu()', 'guest decrypt', ['vm:decrypt VCPU_LOAD']],
      ['host', '__pkvm_host_donate_guest()', 'page decrypt-ram:0', ['page:1 HOST_DONATE_GUEST']],
      ['host', '__pkvm_host_donate_guest()', 'page swiotlb:0', ['page:2 HOST_DONATE_GUEST']],
      ['guest decrypt', '__pkvm_guest_share_host()', 'page swiotlb:0', ['page:2 GUEST_SHARE_HOST']],
      ['host', 'pkvm_put_hyp_vcpu()', 'guest decrypt', ['vm:decrypt VCPU_PUT']],
      ['host', '__pkvm_init_vcpu()', 'guest display', ['vm:display INIT_VCPU']],
      ['host', 'pkvm_load_hyp_vcpu()', 'guest display', ['vm:display VCPU_LOAD']],
      ['host', '__pkvm_host_share_guest()', 'page display-ram:0', ['page:3 HOST_SHARE_GUEST']],
      ['host', 'pkvm_put_hyp_vcpu()', 'guest display', ['vm:display VCPU_PUT']],
    ]);
    expect(steps[2]!.text).toBe('host donates page decrypt-ram:0 to guest decrypt');
    expect(steps[2]!.deliveries[0]!.event).toEqual({
      vm: 0,
      vmProtected: true,
      vcpuLoaded: true,
      vmDying: false,
      type: 'HOST_DONATE_GUEST',
    });
    expect(steps[8]!.deliveries[0]!.event).toMatchObject({ vm: 1, vmProtected: false });
  });

  it('boots into guest-owned, shared-back and shared pages, with vCPUs put', () => {
    const { world, family, steps } = bootable('memory');
    const state = booted(world, steps);
    const page = (pfn: number) => snapshotOf(state, family.pages[pfn]!);
    expect(hostPageState(page(0))).toBe('OWNED');
    expect(pageIsOwnedByGuest(page(1))).toBe(true);
    expect([hostPageState(page(2)), page(2).context.guests[0]]).toEqual(['SHARED_BORROWED', 'SHARED_OWNED']);
    expect([hostPageState(page(3)), page(3).context.guests[1]]).toEqual(['SHARED_OWNED', 'SHARED_BORROWED']);
    expect([0, 1].map((vm) => [family.runs(state, vm), family.guestFacts(state, vm).vcpuLoaded])).toEqual([
      [true, false],
      [true, false],
    ]);
  });

  it('cannot donate a no-map carveout to a pVM: __pkvm_host_donate_guest() gives -EPERM', () => {
    const { world, steps } = bootable('nomap');
    const outcome = world.deliver(booted(world, steps.slice(0, 2)), steps[2]!.deliveries);
    expect('refused' in outcome && [outcome.refused.component.id, outcome.refused.code]).toEqual([
      'page:1',
      'EPERM',
    ]);
    expect(bootWorld(world, steps).unbootable).toMatchObject({
      index: 2,
      component: 'decrypt-ram:0',
      code: 'EPERM',
      message: "the host's __pkvm_host_donate_guest() refuses page decrypt-ram:0 (-EPERM)",
    });
  });
});

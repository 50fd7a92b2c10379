/**
 * The pKVM family: one ownership machine per modelled page, one lifecycle machine per guest
 * VM, and the host, hypervisor and guest calls that drive them.
 *
 * Routing rules that are not kernel checks but facts of who can call what:
 * - a guest hypercall (MEM_SHARE, MEM_UNSHARE, MEM_RELINQUISH) is issued by a running vCPU, so
 *   only while the VM's vCPU is loaded;
 * - host calls that name a VM carry the VM facts the hypercall handler looks up;
 * - counters the model must keep finite (hyp pins, DMA mappings, vCPUs) stop at a bound.
 */
import {
  androidGuestVmRefusals,
  guestVmMachine,
  guestVmRefusals,
  vcpuIsLoaded,
  vmIsDestroyed,
  vmIsDying,
  vmIsRunning,
} from '../../../machines/guestVmMachine.ts';
import {
  androidPkvmPageMachine,
  androidPkvmPageRefusals,
  type GuestFacts,
  type PkvmPageEvent,
  pkvmPageMachine,
  pkvmPageRefusals,
  unmapAllOnLendPkvmPageMachine,
} from '../../../machines/pkvmPageMachine.ts';
import { guestPteIsMapped, type MemoryType } from '../../../machines/pkvmPageState.ts';
import {
  type Component,
  type StepInput,
  type StepperKind,
  send,
  snapshotOf,
  WorldBuilder,
} from '../builder.ts';
import { withFlaws } from '../flawSwitches.ts';
import type { World, WorldState } from '../world.ts';
import { GUEST_PAGE_CALLS, PAGE_CALLS, SDP_CALLS, VM_CALLS } from './pkvmCalls.ts';

export type KernelVariant = 'upstream' | 'android';
export type IommuVariant = 'none' | 'identity' | 'dmaDomains';

export interface PkvmPageSpec {
  /** How reports name the page, for example `decrypt:0` or `page 3`. */
  readonly label: string;
  readonly memoryType: MemoryType;
}

export interface PkvmGuestSpec {
  readonly name: string;
  readonly protected: boolean;
  /**
   * An untrusted guest's own pages, on which it may issue any of its hypercalls (MEM_SHARE,
   * MEM_UNSHARE, MEM_RELINQUISH) at any time, whatever the scope: it does anything its interface
   * allows. A trusted guest's calls come from its program or the design's boot instead.
   */
  readonly freeHypercallPages?: readonly number[];
}

export interface PkvmFamilySpec {
  readonly kernel: KernelVariant;
  readonly iommu: IommuVariant;
  readonly pages: readonly PkvmPageSpec[];
  readonly guests: readonly PkvmGuestSpec[];
  /** Bounds that keep counters finite during exploration. */
  readonly bounds: { readonly hypPins: number; readonly dmaMappings: number; readonly vcpus: number };
  /**
   * Offer the per-page FF-A calls (`__pkvm_host_share_ffa` and friends) directly. Worlds with a
   * secure world drive them through the FF-A proxy instead.
   */
  readonly rawFfaCalls: boolean;
  /**
   * `ownership`: every host, hyp and guest call (the pKVM ownership model on its own).
   * `sdp`: only the host calls that decide what happens to a Secure Data Path's pages once the
   * platform has booted: unsharing from np-guests, force reclaim, and VM teardown. Donations,
   * guest shares and hyp calls happen in the topology's boot sequence; the full call set is
   * exercised by the ownership property tests.
   */
  readonly scope?: 'ownership' | 'sdp';
  /** Replaces the page machine (a flawed variant under test, for instance). */
  readonly pageMachine?: PageMachine;
  readonly vmMachine?: VmMachine;
}

/**
 * The page machine a hypervisor variant runs: mainline, the Android Common Kernel, or Android
 * with the unmap-all lend; with the design's flaws switched on.
 */
export function pageMachineFor(
  hypervisor: { readonly kernel: KernelVariant; readonly ffaLend: 'share' | 'unmapOnLend' | 'unmapAll' },
  flaws: readonly string[],
): PageMachine {
  const base =
    hypervisor.kernel !== 'android'
      ? pkvmPageMachine
      : hypervisor.ffaLend === 'unmapAll'
        ? unmapAllOnLendPkvmPageMachine
        : androidPkvmPageMachine;
  return withFlaws(base, 'pkvmPage', flaws);
}

/** The page machine or a variant of it (same events and context). */
export type PageMachine = typeof pkvmPageMachine;
export type VmMachine = typeof guestVmMachine;

export interface PkvmFamily {
  /** The ownership machine of each page, by pfn. */
  readonly pages: readonly Component<PageMachine>[];
  /** The VM machine of each guest, by VM index. */
  readonly guests: readonly Component<VmMachine>[];
  /** VM facts for an event, read from the guest VM machine. */
  guestFacts(state: WorldState, vm: number): GuestFacts;
  /** True iff the guest's vCPUs can run (between its first vCPU and teardown). */
  runs(state: WorldState, vm: number): boolean;
  /** True iff the guest was torn down. */
  destroyed(state: WorldState, vm: number): boolean;
}

export function addPkvmFamily(builder: WorldBuilder, spec: PkvmFamilySpec): PkvmFamily {
  const android = spec.kernel === 'android';
  const pageMachine = spec.pageMachine ?? (android ? androidPkvmPageMachine : pkvmPageMachine);
  const vmMachine = spec.vmMachine ?? guestVmMachine;
  const guestCount = spec.guests.length;

  const pages = spec.pages.map((page, pfn) =>
    builder.addComponent({
      id: `page:${pfn}`,
      kind: 'pkvmPage',
      label: page.label,
      machine: pageMachine,
      input: { pfn, memoryType: page.memoryType, guestCount },
      refusals: android ? androidPkvmPageRefusals : pkvmPageRefusals,
    }),
  );
  const guests = spec.guests.map((guest) =>
    builder.addComponent({
      id: `vm:${guest.name}`,
      kind: 'guestVm',
      label: `guest ${guest.name}`,
      machine: vmMachine,
      input: { protected: guest.protected },
      refusals: android ? androidGuestVmRefusals : guestVmRefusals,
    }),
  );
  const family: PkvmFamily = {
    pages,
    guests,
    guestFacts: (state, vm) => {
      const snap = snapshotOf(state, guests[vm]!);
      return {
        vm,
        vmProtected: snap.context.protected,
        vcpuLoaded: vcpuIsLoaded(snap),
        vmDying: vmIsDying(snap),
      };
    },
    runs: (state, vm) => vmIsRunning(snapshotOf(state, guests[vm]!)),
    destroyed: (state, vm) => vmIsDestroyed(snapshotOf(state, guests[vm]!)),
  };

  const inScope = (call: string) => spec.scope !== 'sdp' || SDP_CALLS.has(call);
  for (const [pfn, page] of spec.pages.entries()) {
    for (const call of PAGE_CALLS) {
      if (call.android && !android) continue;
      if (call.ffa && !spec.rawFfaCalls) continue;
      if (call.dma && spec.iommu !== 'dmaDomains') continue;
      if (inScope(call.call)) builder.addStep(hostPageCall(family, spec, pfn, page.label, call));
    }
    for (const [vm, guest] of spec.guests.entries()) {
      const free = guest.freeHypercallPages?.includes(pfn) ?? false;
      for (const call of GUEST_PAGE_CALLS) {
        if (call.android && !android) continue;
        if (inScope(call.call) || (free && call.actor === 'guest'))
          builder.addStep(guestPageCall(family, pfn, page.label, vm, guest.name, call));
      }
    }
  }
  for (const [vm, guest] of spec.guests.entries()) {
    for (const call of VM_CALLS) {
      if (inScope(call.call)) builder.addStep(vmCall(family, spec, vm, guest.name, call));
    }
  }
  return family;
}

/**
 * A host or hypervisor call on one page (`__pkvm_host_share_hyp()`, `hyp_pin_shared_mem()`,
 * `__pkvm_host_share_ffa()`, `__pkvm_host_force_reclaim_page_guest()`, `__pkvm_host_use_dma()`
 * and the rest of `PAGE_CALLS`, each in `arch/arm64/kvm/hyp/nvhe/mem_protect.c`). Counters the
 * model keeps finite (hyp pins, DMA mappings) stop at their bound.
 */
export function hostPageCall(
  family: PkvmFamily,
  spec: Pick<PkvmFamilySpec, 'bounds'>,
  pfn: number,
  label: string,
  call: (typeof PAGE_CALLS)[number],
): StepInput {
  const component = family.pages[pfn]!;
  return {
    action: 'hostPageCall',
    call: call.call,
    actor: call.actor,
    role: 'adversary',
    args: { page: pfn },
    text: call.words(label),
    touches: [component],
    plan: (state) => {
      const context = snapshotOf(state, component).context;
      if (call.call === 'HYP_PIN_SHARED_MEM' && context.hypPinCount >= spec.bounds.hypPins) return undefined;
      if (call.call === 'HOST_USE_DMA' && context.dmaRefcount >= spec.bounds.dmaMappings) return undefined;
      return [send(component, { type: call.call } as PkvmPageEvent)];
    },
  };
}

/**
 * A call naming a page and a VM (`__pkvm_host_donate_guest()`, `__pkvm_host_share_guest()`,
 * the guest's MEM_SHARE / MEM_UNSHARE / MEM_RELINQUISH hypercalls, the reclaim of a dying
 * guest's page): it carries the VM facts the hypercall handler (`nvhe/hyp-main.c`) looks up, and
 * a guest hypercall is made by a running vCPU, so only while the VM's vCPU is loaded.
 */
export function guestPageCall(
  family: PkvmFamily,
  pfn: number,
  label: string,
  vm: number,
  name: string,
  call: (typeof GUEST_PAGE_CALLS)[number],
): StepInput {
  const component = family.pages[pfn]!;
  return {
    action: 'guestPageCall',
    call: call.call,
    actor: call.actor === 'guest' ? `guest ${name}` : 'host',
    role: 'adversary',
    args: { page: pfn, vm: name },
    text: call.words(label, name),
    touches: [component, family.guests[vm]!],
    plan: (state) => {
      const facts = family.guestFacts(state, vm);
      if (call.actor === 'guest' && !facts.vcpuLoaded) return undefined;
      return [send(component, { ...facts, type: call.call } as PkvmPageEvent)];
    },
  };
}

/**
 * A host call on a VM (`__pkvm_init_vcpu()`, `pkvm_load_hyp_vcpu()`, `pkvm_put_hyp_vcpu()`,
 * `__pkvm_start_teardown_vm()`, `__pkvm_finalize_teardown_vm()` in `nvhe/pkvm.c`). The host's
 * teardown loop finalizes only once it reclaimed every page, so the call carries how many pages
 * the VM still maps.
 */
export function vmCall(
  family: PkvmFamily,
  spec: PkvmFamilySpec,
  vm: number,
  name: string,
  call: (typeof VM_CALLS)[number],
): StepInput {
  const component = family.guests[vm]!;
  return {
    action: 'vmCall',
    call: call.call,
    actor: 'host',
    role: 'adversary',
    args: { vm: name },
    text: call.words(name),
    touches: call.call === 'FINALIZE_TEARDOWN_VM' ? [component, ...family.pages] : [component],
    plan: (state) => {
      if (
        call.call === 'INIT_VCPU' &&
        snapshotOf(state, component).context.initialisedVcpus >= spec.bounds.vcpus
      ) {
        return undefined;
      }
      if (call.call === 'FINALIZE_TEARDOWN_VM') {
        let pagesStillMapped = 0;
        for (const page of family.pages) {
          if (guestPteIsMapped(snapshotOf(state, page).context.guests[vm] ?? 'NOPAGE')) pagesStillMapped++;
        }
        return [send(component, { type: call.call, pagesStillMapped })];
      }
      return [send(component, { type: call.call })];
    },
  };
}

/** A world of pKVM pages and guest VMs only, as the ownership tests and the benchmark use it. */
export function buildPkvmWorld(
  spec: PkvmFamilySpec,
  stepperKind: StepperKind = 'compiled',
  memoize = true,
): { world: World; family: PkvmFamily } {
  const builder = new WorldBuilder(stepperKind, memoize);
  const family = addPkvmFamily(builder, spec);
  const world = builder.build({
    guestNames: spec.guests.map((guest) => guest.name),
    guestProtected: spec.guests.map((guest) => guest.protected),
    kernel: spec.kernel,
  });
  return { world, family };
}

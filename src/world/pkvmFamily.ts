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
import type { AnyStateMachine } from 'xstate';
import {
  androidGuestVmRefusals,
  type GuestVmContext,
  guestVmMachine,
  guestVmRefusals,
} from '../../machines/guestVmMachine.ts';
import {
  androidPkvmPageMachine,
  androidPkvmPageRefusals,
  type GuestFacts,
  type PkvmPageEventType,
  pkvmPageMachine,
  pkvmPageRefusals,
} from '../../machines/pkvmPageMachine.ts';
import { guestPteIsMapped, type MemoryType, type PkvmPageContext } from '../../machines/pkvmPageState.ts';
import { type StepperKind, WorldBuilder } from './builder.ts';
import type { World, WorldState } from './world.ts';

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
  readonly pageMachine?: AnyStateMachine;
  readonly vmMachine?: AnyStateMachine;
}

export interface PkvmFamily {
  readonly pages: readonly number[];
  readonly guests: readonly number[];
  /** VM facts for an event, read from the guest VM machine. */
  guestFacts(state: WorldState, vm: number): GuestFacts;
}

/** The host page calls with no VM argument, the actor that makes each, and its words. */
const PAGE_CALLS: readonly {
  call: PkvmPageEventType;
  actor: 'host' | 'hyp';
  words: (page: string) => string;
  android?: boolean;
  ffa?: boolean;
  dma?: boolean;
}[] = [
  { call: 'HOST_SHARE_HYP', actor: 'host', words: (p) => `host shares ${p} with hyp` },
  { call: 'HOST_UNSHARE_HYP', actor: 'host', words: (p) => `host unshares ${p} from hyp` },
  { call: 'HYP_PIN_SHARED_MEM', actor: 'hyp', words: (p) => `hyp pins ${p}` },
  { call: 'HYP_UNPIN_SHARED_MEM', actor: 'hyp', words: (p) => `hyp unpins ${p}` },
  { call: 'HOST_DONATE_HYP', actor: 'host', words: (p) => `host donates ${p} to hyp` },
  { call: 'HYP_DONATE_HOST', actor: 'hyp', words: (p) => `hyp donates ${p} back to host` },
  {
    call: 'HOST_SHARE_FFA',
    actor: 'host',
    words: (p) => `host shares ${p} with the secure world over FF-A`,
    ffa: true,
  },
  {
    call: 'HOST_UNSHARE_FFA',
    actor: 'host',
    words: (p) => `host reclaims ${p} from the secure world`,
    ffa: true,
  },
  {
    call: 'HOST_DONATE_FFA',
    actor: 'host',
    words: (p) => `host lends ${p} to the secure world with unmap-on-lend`,
    android: true,
    ffa: true,
  },
  {
    call: 'HOST_RECLAIM_FFA',
    actor: 'host',
    words: (p) => `host reclaims lent ${p} from the secure world`,
    android: true,
    ffa: true,
  },
  {
    call: 'FORCE_RECLAIM_GUEST_PAGE',
    actor: 'host',
    words: (p) => `host force-reclaims ${p} from its guest`,
  },
  {
    call: 'HOST_USE_DMA',
    actor: 'host',
    words: (p) => `host maps ${p} for DMA in an IOMMU domain`,
    android: true,
    dma: true,
  },
  {
    call: 'HOST_UNUSE_DMA',
    actor: 'host',
    words: (p) => `host unmaps ${p} from an IOMMU domain`,
    android: true,
    dma: true,
  },
];

/** Calls that name a page and a VM, who makes them, and their words. */
const GUEST_PAGE_CALLS: readonly {
  call: PkvmPageEventType;
  actor: 'host' | 'guest';
  words: (page: string, vm: string) => string;
  android?: boolean;
}[] = [
  { call: 'HOST_DONATE_GUEST', actor: 'host', words: (p, vm) => `host donates ${p} to guest ${vm}` },
  { call: 'HOST_SHARE_GUEST', actor: 'host', words: (p, vm) => `host shares ${p} with guest ${vm}` },
  { call: 'HOST_UNSHARE_GUEST', actor: 'host', words: (p, vm) => `host unshares ${p} from guest ${vm}` },
  {
    call: 'GUEST_SHARE_HOST',
    actor: 'guest',
    words: (p, vm) => `guest ${vm} shares ${p} with the host (MEM_SHARE)`,
  },
  {
    call: 'GUEST_UNSHARE_HOST',
    actor: 'guest',
    words: (p, vm) => `guest ${vm} unshares ${p} from the host (MEM_UNSHARE)`,
  },
  {
    call: 'GUEST_RELINQUISH_TO_HOST',
    actor: 'guest',
    words: (p, vm) => `guest ${vm} relinquishes ${p} to the host (MEM_RELINQUISH)`,
    android: true,
  },
  {
    call: 'RECLAIM_DYING_GUEST_PAGE',
    actor: 'host',
    words: (p, vm) => `host reclaims ${p} from dying guest ${vm}`,
  },
];

/** The calls a Secure Data Path world explores after boot (`scope: 'sdp'`). */
const SDP_CALLS: ReadonlySet<string> = new Set([
  'FORCE_RECLAIM_GUEST_PAGE',
  'HOST_UNSHARE_GUEST',
  'RECLAIM_DYING_GUEST_PAGE',
  'VCPU_LOAD',
  'VCPU_PUT',
  'START_TEARDOWN_VM',
  'FINALIZE_TEARDOWN_VM',
]);

const VM_CALLS = [
  { call: 'INIT_VCPU', words: (vm: string) => `host initialises a vCPU of guest ${vm}` },
  { call: 'VCPU_LOAD', words: (vm: string) => `host loads a vCPU of guest ${vm}` },
  { call: 'VCPU_PUT', words: (vm: string) => `host puts the vCPU of guest ${vm}` },
  { call: 'START_TEARDOWN_VM', words: (vm: string) => `host starts tearing down guest ${vm}` },
  { call: 'FINALIZE_TEARDOWN_VM', words: (vm: string) => `host finalizes the teardown of guest ${vm}` },
] as const;

/** True iff a VM machine state is a loaded vCPU. */
function vcpuLoaded(value: string): boolean {
  return value === 'running.vcpuLoaded';
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

  const guestFacts = (state: WorldState, vm: number): GuestFacts => {
    const snap = state.parts[guests[vm]!]!;
    return {
      vm,
      vmProtected: (snap.context as GuestVmContext).protected,
      vcpuLoaded: vcpuLoaded(snap.value),
      vmDying: snap.value === 'dying',
    };
  };

  const pageContext = (state: WorldState, page: number) => state.parts[page]!.context as PkvmPageContext;
  const inScope = (call: string) => spec.scope !== 'sdp' || SDP_CALLS.has(call);

  for (const [pfn, component] of pages.entries()) {
    const label = spec.pages[pfn]!.label;
    for (const call of PAGE_CALLS) {
      if (call.android && !android) continue;
      if (call.ffa && !spec.rawFfaCalls) continue;
      if (call.dma && spec.iommu !== 'dmaDomains') continue;
      if (!inScope(call.call)) continue;
      builder.addStep({
        call: call.call,
        actor: call.actor,
        args: { page: pfn },
        text: call.words(label),
        touches: [component],
        plan: (state) => {
          if (
            call.call === 'HYP_PIN_SHARED_MEM' &&
            pageContext(state, component).hypPinCount >= spec.bounds.hypPins
          ) {
            return undefined;
          }
          if (
            call.call === 'HOST_USE_DMA' &&
            pageContext(state, component).dmaRefcount >= spec.bounds.dmaMappings
          ) {
            return undefined;
          }
          return [{ component, event: { type: call.call } }];
        },
      });
    }
    for (const [vm, guest] of spec.guests.entries()) {
      for (const call of GUEST_PAGE_CALLS) {
        if (call.android && !android) continue;
        if (!inScope(call.call)) continue;
        builder.addStep({
          call: call.call,
          actor: call.actor === 'guest' ? `guest ${guest.name}` : 'host',
          args: { page: pfn, vm: guest.name },
          text: call.words(label, guest.name),
          touches: [component, guests[vm]!],
          plan: (state) => {
            const facts = guestFacts(state, vm);
            if (call.actor === 'guest' && !facts.vcpuLoaded) return undefined;
            return [{ component, event: { ...facts, type: call.call } }];
          },
        });
      }
    }
  }

  for (const [vm, component] of guests.entries()) {
    const name = spec.guests[vm]!.name;
    for (const call of VM_CALLS) {
      if (!inScope(call.call)) continue;
      builder.addStep({
        call: call.call,
        actor: 'host',
        args: { vm: name },
        text: call.words(name),
        touches: call.call === 'FINALIZE_TEARDOWN_VM' ? [component, ...pages] : [component],
        plan: (state) => {
          if (call.call === 'INIT_VCPU') {
            const context = state.parts[component]!.context as GuestVmContext;
            if (context.initialisedVcpus >= spec.bounds.vcpus) return undefined;
          }
          if (call.call === 'FINALIZE_TEARDOWN_VM') {
            let pagesStillMapped = 0;
            for (const page of pages) {
              if (guestPteIsMapped(pageContext(state, page).guests[vm] ?? 'NOPAGE')) pagesStillMapped++;
            }
            return [{ component, event: { type: call.call, pagesStillMapped } }];
          }
          return [{ component, event: { type: call.call } }];
        },
      });
    }
  }

  return { pages, guests, guestFacts };
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

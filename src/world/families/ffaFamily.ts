/**
 * The FF-A family: the SPMC's share-state slots (two handles) when the secure world runs one
 * (Hafnium, OP-TEE or the EL3 SPMC, each with its own refusal codes: `machines/ffaSpmcVariants.ts`),
 * the pKVM FF-A proxy at EL2 when a hypervisor sits between the host and it, and the memory
 * calls that move pages to the secure world: the one `FFA_MEM_LEND` builder that heap pools and
 * guests both lend with, and a guest's lend, retrieve and reclaim of one of its buffers.
 */

import { spmcProtectsLend, spmcRefusals } from '../../../machines/ffaSpmcVariants.ts';
import {
  type FfaTransactionContext,
  ffaTransactionMachine,
  ffaTransactionRefusals,
  slotIsFree,
} from '../../../machines/ffaTransactionMachine.ts';
import { pkvmFfaProxyMachine, pkvmFfaProxyRefusals } from '../../../machines/pkvmFfaProxyMachine.ts';
import { hostMemDescriptor } from '../../../machines/pkvmFfaProxyState.ts';
import type { Topology } from '../../topology/schema.ts';
import type { BootStep } from '../boot.ts';
import { type Component, type StepInput, send, snapshotOf, type WorldBuilder } from '../builder.ts';
import { MAILBOX_RX, MAILBOX_TX } from '../design.ts';
import { withFlaws } from '../flawSwitches.ts';
import type { Delivery, WorldState } from '../world.ts';
import type { PageContentFamily } from './pageContentFamily.ts';
import type { PkvmFamily } from './pkvmFamily.ts';

type Slot = Component<typeof ffaTransactionMachine>;

export interface FfaFamily {
  /** The share-state slots (`struct ffa_memory_share_state`), by handle. */
  readonly slots: readonly Slot[];
  /** The pKVM FF-A proxy, when a hypervisor forwards the host's FF-A calls. */
  readonly proxy?: Component<typeof pkvmFfaProxyMachine>;
  readonly boot: readonly BootStep[];
  /** The first free slot (Hafnium's `allocate_share_state()`). */
  freeSlot(state: WorldState): Slot | undefined;
  /** The slot whose live transaction covers the page. */
  slotCovering(state: WorldState, pfn: number): Slot | undefined;
  /** True iff a live transaction covering the page was retrieved by the secure world. */
  retrievedBySecure(state: WorldState, pfn: number): boolean;
  /** True iff the page was lent or donated to the secure world and retrieved: exclusive to it. */
  lentToSecure(state: WorldState, pfn: number): boolean;
  /**
   * The deliveries of one FFA_MEM_LEND of `pages` to the secure world by `sender`, through the
   * proxy when the host sends and a hypervisor runs; `undefined` when no slot is free
   * (Hafnium's NO_MEMORY). Hafnium accepts only CLEAR and TIME_SLICE at send: whether the pages
   * come back zeroed is the borrower's relinquish flag, not the lend's. `endpoints` are the
   * secure endpoints it is lent to, one endpoint memory access descriptor each (a dynamic heap's
   * `mem_attrs`); OP-TEE (`secure`) alone by default.
   */
  memLend(
    state: WorldState,
    sender: string,
    pages: readonly number[],
    endpoints?: readonly string[],
  ): Delivery[] | undefined;
}

export function addFfaFamily(
  builder: WorldBuilder,
  topology: Topology,
  pkvm: PkvmFamily | undefined,
  content: PageContentFamily,
): FfaFamily {
  const hypervisor = topology.hypervisor.kind === 'pkvm' ? topology.hypervisor : undefined;
  const secureWorld = topology.secureWorld;
  const manager = secureWorld.spmc === 'none' ? undefined : secureWorld.spmc;
  const spmc = manager !== undefined;
  const pasProtection =
    manager !== undefined &&
    spmcProtectsLend(manager, secureWorld.protectsLentMemory, secureWorld.protmemHook);
  const slots: Slot[] = manager
    ? [0, 1].map((handle) =>
        builder.addComponent({
          id: `ffa:${handle}`,
          kind: 'ffaTransaction',
          label: `FF-A handle ${handle}`,
          machine: ffaTransactionMachine,
          input: { handle, pasProtection },
          refusals: spmcRefusals(ffaTransactionRefusals, manager),
        }),
      )
    : [];
  const proxy =
    spmc && hypervisor && pkvm
      ? builder.addComponent({
          id: 'ffa:proxy',
          kind: 'ffaProxy',
          label: 'pKVM FF-A proxy',
          machine: withFlaws(pkvmFfaProxyMachine, 'ffaProxy', topology.flaws),
          input: {
            unmapOnLend: hypervisor.ffaLend !== 'share',
          },
          refusals: pkvmFfaProxyRefusals,
        })
      : undefined;
  const boot: BootStep[] = [];
  if (proxy !== undefined && pkvm) {
    boot.push(...proxyBoot(proxy));
    // The proxy's per-page effect (`__pkvm_host_share_ffa`, `__pkvm_host_donate_ffa`, and the
    // reverse on reclaim) lands on the host's page machines; the mailbox pages are not modelled.
    builder.onEmit(proxy, 'PKVM_PAGE_TRANSITION', pkvm.pages, (event) =>
      event.pages
        .filter((pfn) => pfn < pkvm.pages.length)
        .map((pfn) => send(pkvm.pages[pfn]!, { type: event.call })),
    );
  }
  // CLEAR / CLEAR_RELINQUISH zeroing by the SPMC (`ffa_clear_memory_constituents()`).
  for (const slot of slots) {
    builder.onEmit(slot, 'MEMORY_CLEARED', content.contents, (event) =>
      content.scrub(event.pages, 'ffa_clear_memory_constituents'),
    );
  }

  const transaction = (state: WorldState, slot: Slot): FfaTransactionContext =>
    snapshotOf(state, slot).context;
  const slotCovering = (state: WorldState, pfn: number) =>
    slots.find((slot) => {
      const c = transaction(state, slot);
      return c.shareFunc !== null && c.pages.includes(pfn);
    });
  const retrievedBySecureIn = (c: FfaTransactionContext) =>
    c.receivers.some((receiver, i) => receiver.secure && (c.retrievedFragmentCount[i] ?? 0) > 0);
  const family: FfaFamily = {
    slots,
    ...(proxy !== undefined ? { proxy } : {}),
    boot,
    freeSlot: (state) => slots.find((slot) => slotIsFree(snapshotOf(state, slot))),
    slotCovering,
    retrievedBySecure: (state, pfn) =>
      slots.some((slot) => {
        const c = transaction(state, slot);
        return c.shareFunc !== null && c.pages.includes(pfn) && retrievedBySecureIn(c);
      }),
    lentToSecure: (state, pfn) =>
      slots.some((slot) => {
        const c = transaction(state, slot);
        const exclusive = c.shareFunc === 'FFA_MEM_LEND' || c.shareFunc === 'FFA_MEM_DONATE';
        return exclusive && c.pages.includes(pfn) && retrievedBySecureIn(c);
      }),
    memLend: (state, sender, pages, endpoints = ['secure']) => {
      const slot = family.freeSlot(state);
      if (slot === undefined) return undefined;
      const flags = 0;
      const throughProxy = sender === 'host' && proxy !== undefined;
      return [
        ...(throughProxy
          ? [
              send(proxy, {
                type: 'FFA_MEM_LEND',
                ...hostMemDescriptor(pages.length, pages.length, endpoints.length),
                receiver: 'secure',
                flags,
                pages,
                rangesShareable: true,
                handle: slots.indexOf(slot),
              }),
            ]
          : []),
        send(slot, {
          type: 'FFA_MEM_LEND',
          caller: sender,
          sender,
          senderSecure: false,
          receivers: endpoints.map((id) => ({ id, access: 'RW' as const, secure: true })),
          pages,
          flags,
          fragments: 1,
          descriptorValid: true,
          // `ffa_send_check_transition()`: the sender holds every page Owner-EA, i.e. no other
          // live transaction shares, lends or donates one of them.
          senderExclusiveOwner: pages.every((pfn) => slotCovering(state, pfn) === undefined),
          senderWritable: true,
        }),
      ];
    },
  };
  return family;
}

/** The host brings the proxy up: FF-A version 1.2, then its mailbox (`do_ffa_version()`, `do_ffa_rxtx_map()`). */
function proxyBoot(proxy: Component<typeof pkvmFfaProxyMachine>): BootStep[] {
  return [
    {
      actor: 'host',
      call: 'FFA_VERSION',
      subject: 'FF-A version 1.2',
      text: 'host negotiates FF-A version 1.2 with the pKVM FF-A proxy',
      deliveries: [send(proxy, { type: 'FFA_VERSION', major: 1, minor: 2, firmwareAcceptsVersion: true })],
    },
    {
      actor: 'host',
      call: 'FFA_FN64_RXTX_MAP',
      subject: 'the FF-A mailbox',
      text: 'host maps its FF-A mailbox through the pKVM FF-A proxy',
      deliveries: [
        send(proxy, {
          type: 'FFA_FN64_RXTX_MAP',
          tx: MAILBOX_TX,
          rx: MAILBOX_RX,
          pageCount: 1,
          pageAligned: true,
          mailboxShareable: true,
        }),
      ],
    },
  ];
}

/** What a guest's lend of one of its buffers needs from the rest of the world. */
export interface GuestLend {
  readonly buffer: string;
  readonly pages: readonly number[];
  readonly by: string;
  /** The guest's VM index. */
  readonly vm: number;
  /** True iff a device has the buffer queued (its DMA uses it). */
  readonly queued: (state: WorldState) => boolean;
  /** The media device machines `queued` reads. */
  readonly queueReads: readonly number[];
}

/** The guest's pages and VM, and every slot: what its lend, retrieve and reclaim touch. */
function guestLendTouches(ffa: FfaFamily, pkvm: PkvmFamily, lend: GuestLend): number[] {
  return [...lend.pages.map((pfn) => pkvm.pages[pfn]!), pkvm.guests[lend.vm]!, ...ffa.slots];
}

/**
 * `FFA_MEM_LEND` by a protected guest: the pKVM proxy shares each page with the secure world
 * (ACK `__pkvm_guest_share_ffa_page()`: guest OWNED → SHARED_OWNED, the host never maps it),
 * then the SPMC records the lend. A running vCPU makes the call.
 */
export function lendGuestBuffer(ffa: FfaFamily, pkvm: PkvmFamily, lend: GuestLend): StepInput {
  return {
    action: 'lendGuestBuffer',
    call: 'FFA_MEM_LEND',
    actor: lend.by,
    role: 'pipeline',
    args: { buffer: lend.buffer, by: lend.by },
    text: `${lend.by} lends buffer ${lend.buffer} to the secure world over FF-A`,
    touches: guestLendTouches(ffa, pkvm, lend),
    plan: (state) => {
      if (!pkvm.runs(state, lend.vm)) return undefined;
      const sent = ffa.memLend(state, lend.by, lend.pages);
      if (sent === undefined) return undefined;
      const facts = pkvm.guestFacts(state, lend.vm);
      return [
        ...lend.pages.map((pfn) =>
          send(pkvm.pages[pfn]!, { ...facts, vcpuLoaded: true, type: 'GUEST_SHARE_FFA' }),
        ),
        ...sent,
      ];
    },
  };
}

/** `FFA_MEM_RETRIEVE_REQ` by the secure world for a buffer a guest lent (`ffa_memory_retrieve()`). */
export function retrieveGuestBuffer(ffa: FfaFamily, lend: GuestLend): StepInput {
  return {
    action: 'retrieveGuestBuffer',
    call: 'FFA_MEM_RETRIEVE_REQ',
    actor: 'secure',
    role: 'pipeline',
    args: { buffer: lend.buffer },
    text: `the secure world retrieves buffer ${lend.buffer} lent by ${lend.by}`,
    touches: ffa.slots,
    plan: (state) => {
      const slot = ffa.slotCovering(state, lend.pages[0]!);
      if (slot === undefined) return undefined;
      return [
        send(slot, {
          type: 'FFA_MEM_RETRIEVE_REQ',
          caller: 'secure',
          sender: lend.by,
          transactionType: 'FFA_MEM_LEND',
          flags: 0,
          access: 'RW',
          requestValid: true,
        }),
      ];
    },
  };
}

/**
 * `FFA_MEM_RECLAIM` by the guest of a buffer it lent, after the secure world relinquished it
 * (`ffa_memory_relinquish()`, `ffa_memory_reclaim()`), and the proxy's unshare of each page
 * (ACK `__pkvm_guest_unshare_ffa_page()`). Not while a device has the buffer queued.
 */
export function reclaimGuestBuffer(ffa: FfaFamily, pkvm: PkvmFamily, lend: GuestLend): StepInput {
  return {
    action: 'reclaimGuestBuffer',
    call: 'FFA_MEM_RECLAIM',
    actor: lend.by,
    role: 'adversary',
    args: { buffer: lend.buffer, by: lend.by },
    text: `the secure world relinquishes buffer ${lend.buffer} and ${lend.by} reclaims it`,
    touches: [...guestLendTouches(ffa, pkvm, lend), ...lend.queueReads],
    plan: (state) => {
      const slot = ffa.slotCovering(state, lend.pages[0]!);
      if (slot === undefined || lend.queued(state)) return undefined;
      const facts = pkvm.guestFacts(state, lend.vm);
      const retrieved = snapshotOf(state, slot).context.retrievedFragmentCount.some((n) => n > 0);
      return [
        ...(retrieved
          ? [
              send(slot, {
                type: 'FFA_MEM_RELINQUISH',
                caller: 'secure',
                endpoint: 'secure',
                flags: 0,
                requestValid: true,
              }),
            ]
          : []),
        send(slot, { type: 'FFA_MEM_RECLAIM', caller: lend.by, flags: 0 }),
        ...lend.pages.map((pfn) =>
          send(pkvm.pages[pfn]!, { ...facts, vcpuLoaded: true, type: 'GUEST_UNSHARE_FFA' }),
        ),
      ];
    },
  };
}

/** The lend, retrieve and reclaim steps of each buffer a protected guest lends to the secure world. */
export function addGuestLendSteps(
  add: (step: StepInput) => void,
  ffa: FfaFamily,
  pkvm: PkvmFamily,
  lends: readonly GuestLend[],
): void {
  for (const lend of lends) {
    add(lendGuestBuffer(ffa, pkvm, lend));
    add(retrieveGuestBuffer(ffa, lend));
    add(reclaimGuestBuffer(ffa, pkvm, lend));
  }
}

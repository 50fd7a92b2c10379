/**
 * The pKVM FF-A proxy at EL2 for the host (`torvalds/linux: arch/arm64/kvm/hyp/nvhe/ffa.c`,
 * mainline, and the Android Common Kernel's copy with `kvm_ffa_unmap_on_lend`, [A]): every
 * host SMC in the FF-A range is checked here, then forwarded to the SPMD, refused, or handled
 * with a host stage-2 update.
 *
 * Lifecycle: `versionUnset` (nothing but FFA_VERSION is served: INVALID_PARAMETERS) →
 * `versionNegotiated.mailboxUnmapped` (FFA_VERSION agreed, `has_version_negotiated`) ↔
 * `versionNegotiated.mailboxMapped` (FFA_FN64_RXTX_MAP / FFA_RXTX_UNMAP; `host_buffers.tx`).
 * Memory sends need the host TX mailbox; FFA_MEM_RECLAIM does not (it uses the hyp buffers).
 *
 * Facts the world fills (event fields):
 * - the descriptor fields the proxy reads (`length`, `fragmentLength`, `addressMbz`,
 *   `pageCountMbz`, `epCount`, `senderId`, `compositeOffset`): `hostMemDescriptor()` builds a
 *   well-formed one; change a field to model a malformed descriptor;
 * - `rangesShareable`: every constituent page passes `__pkvm_host_share_ffa` (or, for a lent
 *   handle with unmap-on-lend, `__pkvm_host_donate_ffa`): ask the page machines;
 * - `mailboxShareable`: the TX and RX pages pass `__pkvm_host_share_hyp` and `hyp_pin_shared_mem`;
 * - `handle`: the handle the SPMC returns (the world knows which share state it allocates);
 * - on FFA_MEM_FRAG_TX, `spmdAccepts`: the SPMD answered SUCCESS or FFA_MEM_FRAG_RX;
 * - on FFA_MEM_RECLAIM, `pages`: the constituents of the handle as the SPMC's descriptor lists
 *   them (the proxy learns them with a hypervisor retrieve request).
 * The SPMC's own answer to a forwarded send or reclaim is the transaction machine's: the world
 * delivers `FFA_FORWARD` to it in the same step, so a refusal there refuses the whole call, which
 * is what the proxy's rollback (unshare, return the SPMD's error) amounts to.
 *
 * Emitted:
 * - `PKVM_PAGE_TRANSITION` {call, pages}: a `mem_protect.c` call the world applies to each
 *   page machine, in order (`HOST_SHARE_FFA`, `HOST_DONATE_FFA`, `HOST_UNSHARE_FFA`,
 *   `HOST_RECLAIM_FFA`, `HOST_SHARE_HYP`, `HYP_PIN_SHARED_MEM`, `HYP_UNPIN_SHARED_MEM`,
 *   `HOST_UNSHARE_HYP`). After a successful reclaim the kernel only WARNs if the unshare fails.
 * - `FFA_FORWARD` {call, handle, sender, receiver, flags, pages, length, fragmentLength}: the
 *   call reissued to the SPMD, for the world to deliver to the FF-A transaction machine.
 * - `FFA_PROXY_CALL_FAILED` {call, code, handle, pages}: [A] only, the handle table was full
 *   after the ranges were already given to FF-A; they are not rolled back (see below).
 *
 * LEND in mainline is handled exactly like SHARE (`__pkvm_host_share_ffa`: the host keeps its
 * stage-2 mapping). That is the real mainline behaviour and the default input; `unmapOnLend`
 * selects Android's (a topology's `hypervisor.ffaLend`). The flaw `lendTreatedAsShare` forces
 * the mainline behaviour on a proxy whose input asks for unmap-on-lend.
 */
import { and, assign, emit, setup } from 'xstate';
import type { MachineFlaw } from './flaws.ts';
import {
  FFA_COMPOSITE_BYTES,
  FFA_CONSTITUENT_BYTES,
  FFA_EMAD_BYTES,
  FFA_MEM_REGION_BYTES,
  HOST_FFA_ID,
  type HostMemDescriptor,
  KVM_FFA_MBOX_NR_PAGES,
  MAILBOX_BYTES,
  U32_MAX,
} from './pkvmFfaProxyState.ts';
import type { PkvmPageEventType } from './pkvmPageMachine.ts';
import type { ErrorCode, FfaStatus, RefusalTable } from './refusals.ts';

/** One host transfer the [A] proxy tracks (`struct ffa_handle`: handle and `is_lend`). */
export interface ProxyTransfer {
  readonly handle: number;
  readonly lend: boolean;
}

export interface PkvmFfaProxyContext {
  /** `hyp_ffa_version` minor (major is 1): the firmware's, lowered by a host downgrade. */
  readonly hypVersionMinor: number;
  /** `hyp_ffa_post_init()` succeeds (FFA_ID_GET is 0, RXTX minimum size fits PAGE_SIZE). */
  readonly postInitOk: boolean;
  /** [A] `kvm_ffa_unmap_on_lend` static key. */
  readonly unmapOnLend: boolean;
  /** [A] size of `spm_handles`. */
  readonly maxHandles: number;
  /** `ffa_desc_buf.len`: EL2's buffer for whole descriptors. */
  readonly descriptorBufferBytes: number;
  /** The host mailbox pages while mapped (`host_buffers.tx` / `.rx`). */
  readonly mailbox: { readonly tx: number; readonly rx: number } | null;
  /** [A] `spm_handles` in use; always empty in mainline, which tracks no handle. */
  readonly transfers: readonly ProxyTransfer[];
}

export interface PkvmFfaProxyInput {
  /** Minor version `hyp_ffa_init()` settled on with the firmware (FF-A 1.x). */
  readonly firmwareVersionMinor?: number;
  readonly postInitOk?: boolean;
  /**
   * [A] `kvm_ffa_unmap_on_lend`; false is mainline (and the [A] default). True: FFA_MEM_LEND
   * calls `__pkvm_host_donate_ffa` (the host loses its CPU mapping, the IOMMU is untouched),
   * reclaim calls `__pkvm_host_reclaim_ffa`, and handles are tracked in `spm_handles`.
   */
  readonly unmapOnLend?: boolean;
  readonly maxHandles?: number;
  readonly descriptorBufferBytes?: number;
}

export type ProxyXferEvent = HostMemDescriptor & {
  readonly type: 'FFA_MEM_SHARE' | 'FFA_MEM_LEND';
  /** The one receiver in the descriptor (the proxy does not check it). */
  readonly receiver: string;
  /** Descriptor flags (passed through unchecked: CLEAR included). */
  readonly flags: number;
  /** Constituent pages in this first fragment. */
  readonly pages: readonly number[];
  /** World fact: every range passes `__pkvm_host_share_ffa` / `__pkvm_host_donate_ffa`. */
  readonly rangesShareable: boolean;
  /** World fact: the handle the SPMC allocates. */
  readonly handle: number;
};

/** Refused with FFA_RET_NOT_SUPPORTED by `ffa_call_supported()` (memory calls only). */
export const PROXY_UNSUPPORTED_CALLS = [
  'FFA_MEM_DONATE',
  'FFA_MEM_RETRIEVE_REQ',
  'FFA_MEM_RETRIEVE_RESP',
  'FFA_MEM_RELINQUISH',
  'FFA_MEM_FRAG_RX',
  'FFA_MEM_OP_PAUSE',
  'FFA_MEM_OP_RESUME',
  'FFA_RXTX_MAP',
] as const;

export type PkvmFfaProxyEvent =
  | {
      readonly type: 'FFA_VERSION';
      readonly major: number;
      readonly minor: number;
      /** World fact: the SPMD accepts this (lower) version when the host downgrades. */
      readonly firmwareAcceptsVersion: boolean;
    }
  | {
      readonly type: 'FFA_FN64_RXTX_MAP';
      readonly tx: number;
      readonly rx: number;
      readonly pageCount: number;
      /** Both addresses are PAGE_ALIGNED. */
      readonly pageAligned: boolean;
      /** World fact: `__pkvm_host_share_hyp` and `hyp_pin_shared_mem` succeed on both pages. */
      readonly mailboxShareable: boolean;
    }
  | { readonly type: 'FFA_RXTX_UNMAP'; readonly id: number }
  | ProxyXferEvent
  | {
      readonly type: 'FFA_MEM_FRAG_TX';
      readonly handle: number;
      readonly fragmentLength: number;
      readonly pages: readonly number[];
      readonly rangesShareable: boolean;
      /** World fact: the SPMD answers SUCCESS or FFA_MEM_FRAG_RX to the forwarded fragment. */
      readonly spmdAccepts: boolean;
    }
  | {
      readonly type: 'FFA_MEM_RECLAIM';
      readonly handle: number;
      readonly flags: number;
      /** World fact: the handle's constituents, from the SPMC's retrieve response. */
      readonly pages: readonly number[];
    }
  | { readonly type: (typeof PROXY_UNSUPPORTED_CALLS)[number] };

/** The `mem_protect.c` calls the proxy makes on host pages. */
export type ProxyPageCall = Extract<
  PkvmPageEventType,
  | 'HOST_SHARE_FFA'
  | 'HOST_DONATE_FFA'
  | 'HOST_UNSHARE_FFA'
  | 'HOST_RECLAIM_FFA'
  | 'HOST_SHARE_HYP'
  | 'HOST_UNSHARE_HYP'
  | 'HYP_PIN_SHARED_MEM'
  | 'HYP_UNPIN_SHARED_MEM'
>;

export type PkvmFfaProxyEmitted =
  | { readonly type: 'PKVM_PAGE_TRANSITION'; readonly call: ProxyPageCall; readonly pages: readonly number[] }
  | {
      readonly type: 'FFA_FORWARD';
      readonly call: 'FFA_MEM_SHARE' | 'FFA_MEM_LEND' | 'FFA_MEM_FRAG_TX' | 'FFA_MEM_RECLAIM';
      readonly handle: number;
      /** The sender as the SPMC sees it: the host, endpoint 0. */
      readonly sender: 'host';
      readonly receiver: string | null;
      readonly flags: number;
      readonly pages: readonly number[];
      readonly length: number;
      readonly fragmentLength: number;
    }
  | {
      readonly type: 'FFA_PROXY_CALL_FAILED';
      readonly call: 'FFA_MEM_SHARE' | 'FFA_MEM_LEND';
      readonly code: FfaStatus;
      readonly handle: number;
      readonly pages: readonly number[];
    };

type Args = { context: PkvmFfaProxyContext; event: PkvmFfaProxyEvent };

function isXfer(event: PkvmFfaProxyEvent): event is ProxyXferEvent {
  return event.type === 'FFA_MEM_SHARE' || event.type === 'FFA_MEM_LEND';
}

function eventHandle(event: PkvmFfaProxyEvent): number {
  return 'handle' in event ? event.handle : -1;
}

function eventPages(event: PkvmFfaProxyEvent): readonly number[] {
  return 'pages' in event ? event.pages : [];
}

function trackedTransfer({ context, event }: Args): ProxyTransfer | undefined {
  const handle = eventHandle(event);
  return context.transfers.find((t) => t.handle === handle);
}

function pageTransition(call: ProxyPageCall, pages: readonly number[]) {
  return { type: 'PKVM_PAGE_TRANSITION' as const, call, pages };
}

const mailboxPage = (which: 'tx' | 'rx') => (args: Args) => {
  const mailbox = args.context.mailbox ?? (args.event.type === 'FFA_FN64_RXTX_MAP' ? args.event : null);
  return mailbox ? [mailbox[which]] : [];
};

const mailboxPages = (args: Args) => [...mailboxPage('tx')(args), ...mailboxPage('rx')(args)];

/** `__do_ffa_mem_xfer` checks, in the kernel's order. */
const XFER_GUARDS = [
  'xferRegistersValid',
  'fragmentHoldsHeader',
  'descriptorFitsBuffer',
  'compositeOffsetNonZero',
  'singleEndpoint',
  'senderIsHost',
  'compositeHeaderInFragment',
  'constituentsWholeEntries',
  'hostRangesShareable',
] as const;

/** `do_ffa_mem_frag_tx` checks, in the kernel's order. */
const FRAG_TX_GUARDS = [
  'fragmentFitsMailbox',
  'fragmentWholeEntries',
  'fragmentHandleKnown',
  'fragmentRangesShareable',
] as const;

export const pkvmFfaProxyMachine = setup({
  types: {
    context: {} as PkvmFfaProxyContext,
    events: {} as PkvmFfaProxyEvent,
    input: {} as PkvmFfaProxyInput,
    emitted: {} as PkvmFfaProxyEmitted,
  },
  guards: {
    /* ---- do_ffa_version ---- */
    /** `do_ffa_version`: `FFA_MAJOR_VERSION != 1`: FFA_RET_NOT_SUPPORTED. */
    majorVersionIsOne: ({ event }) => event.type === 'FFA_VERSION' && event.major === 1,
    /**
     * `do_ffa_version`: a downgrade below `hyp_ffa_version` is first offered to the SPMD; its
     * NOT_SUPPORTED is returned to the host.
     */
    firmwareAcceptsDowngrade: ({ context, event }) =>
      event.type === 'FFA_VERSION' &&
      (event.minor >= context.hypVersionMinor || event.firmwareAcceptsVersion),
    /** `hyp_ffa_post_init()` fails (FFA_ID_GET, RXTX_MAP features): FFA_RET_NOT_SUPPORTED. */
    postInitSucceeds: ({ context }) => context.postInitOk,
    /** `do_ffa_version` once negotiated: a lower minor than agreed gets FFA_RET_NOT_SUPPORTED. */
    versionNotBelowNegotiated: ({ context, event }) =>
      event.type === 'FFA_VERSION' && event.minor >= context.hypVersionMinor,
    /* ---- do_ffa_rxtx_map / do_ffa_rxtx_unmap ---- */
    /** `do_ffa_rxtx_map`: `npages != KVM_FFA_MBOX_NR_PAGES * PAGE_SIZE / FFA_PAGE_SIZE`: INVALID_PARAMETERS. */
    mailboxPageCountMatches: ({ event }) =>
      event.type === 'FFA_FN64_RXTX_MAP' && event.pageCount === KVM_FFA_MBOX_NR_PAGES,
    /** `do_ffa_rxtx_map`: `!PAGE_ALIGNED(tx) || !PAGE_ALIGNED(rx)`: INVALID_PARAMETERS. */
    mailboxAddressesAligned: ({ event }) => event.type === 'FFA_FN64_RXTX_MAP' && event.pageAligned,
    /** `do_ffa_rxtx_map`: `__pkvm_host_share_hyp` or `hyp_pin_shared_mem` fails: INVALID_PARAMETERS. */
    mailboxSharedWithHyp: ({ event }) => event.type === 'FFA_FN64_RXTX_MAP' && event.mailboxShareable,
    /** `do_ffa_rxtx_unmap`: `id != HOST_FFA_ID`: INVALID_PARAMETERS. */
    unmapIdIsHost: ({ event }) => event.type === 'FFA_RXTX_UNMAP' && event.id === HOST_FFA_ID,
    /* ---- __do_ffa_mem_xfer ---- */
    /**
     * `__do_ffa_mem_xfer`: `addr_mbz || npages_mbz || fraglen > len || fraglen > mailbox`:
     * INVALID_PARAMETERS.
     */
    xferRegistersValid: ({ event }) =>
      isXfer(event) &&
      event.addressMbz === 0 &&
      event.pageCountMbz === 0 &&
      event.fragmentLength <= event.length &&
      event.fragmentLength <= MAILBOX_BYTES,
    /** `__do_ffa_mem_xfer`: `fraglen < sizeof(ffa_mem_region) + sizeof(EMAD)`: INVALID_PARAMETERS. */
    fragmentHoldsHeader: ({ event }) =>
      isXfer(event) && event.fragmentLength >= FFA_MEM_REGION_BYTES + FFA_EMAD_BYTES,
    /** `__do_ffa_mem_xfer`: `len > ffa_desc_buf.len`: FFA_RET_NO_MEMORY. */
    descriptorFitsBuffer: ({ context, event }) =>
      isXfer(event) && event.length <= context.descriptorBufferBytes,
    /** `__do_ffa_mem_xfer`: `!offset` (composite offset zero): INVALID_PARAMETERS. */
    compositeOffsetNonZero: ({ event }) => isXfer(event) && event.compositeOffset !== 0,
    /** `__do_ffa_mem_xfer`: `ep_count != 1`: INVALID_PARAMETERS. */
    singleEndpoint: ({ event }) => isXfer(event) && event.epCount === 1,
    /** `__do_ffa_mem_xfer`: `sender_id != HOST_FFA_ID`: INVALID_PARAMETERS. */
    senderIsHost: ({ event }) => isXfer(event) && event.senderId === HOST_FFA_ID,
    /**
     * `__do_ffa_mem_xfer`: `check_add_overflow(offset, sizeof(composite))` (fix 103e17aac09c)
     * and `fraglen < offset + sizeof(composite)`: INVALID_PARAMETERS.
     */
    compositeHeaderInFragment: ({ event }) =>
      isXfer(event) &&
      event.compositeOffset + FFA_COMPOSITE_BYTES <= U32_MAX &&
      event.fragmentLength >= event.compositeOffset + FFA_COMPOSITE_BYTES,
    /** `__do_ffa_mem_xfer`: constituent bytes not a multiple of 16: INVALID_PARAMETERS. */
    constituentsWholeEntries: ({ event }) =>
      isXfer(event) &&
      (event.fragmentLength - event.compositeOffset - FFA_COMPOSITE_BYTES) % FFA_CONSTITUENT_BYTES === 0,
    /**
     * `ffa_host_share_ranges`: a range not PAGE_ALIGNED in size, or `__pkvm_host_share_ffa` /
     * [A] `__pkvm_host_donate_ffa` failing, unshares what was done and returns FFA_RET_DENIED
     * ([A]: -EACCES through `linux_errno_to_ffa`).
     */
    hostRangesShareable: ({ event }) => isXfer(event) && event.rangesShareable,
    /** [A] `ffa_host_alloc_handle()` finds a free `spm_handles` entry (always true in mainline). */
    handleSlotFree: ({ context }) => !context.unmapOnLend || context.transfers.length < context.maxHandles,
    /** [A] Routing: the handle table is full (-ENOSPC, after the ranges were given away). */
    handleTableFull: ({ context }) => context.unmapOnLend && context.transfers.length >= context.maxHandles,
    /** [A] Routing: LEND with `kvm_ffa_unmap_on_lend` goes through `__pkvm_host_donate_ffa`. */
    lendUnmapsHost: ({ context, event }) => event.type === 'FFA_MEM_LEND' && context.unmapOnLend,
    /* ---- do_ffa_mem_frag_tx ---- */
    /** `do_ffa_mem_frag_tx`: `fraglen > KVM_FFA_MBOX_NR_PAGES * PAGE_SIZE`: INVALID_PARAMETERS. */
    fragmentFitsMailbox: ({ event }) =>
      event.type === 'FFA_MEM_FRAG_TX' && event.fragmentLength <= MAILBOX_BYTES,
    /** `do_ffa_mem_frag_tx`: `fraglen % sizeof(range)`: INVALID_PARAMETERS. */
    fragmentWholeEntries: ({ event }) =>
      event.type === 'FFA_MEM_FRAG_TX' && event.fragmentLength % FFA_CONSTITUENT_BYTES === 0,
    /** [A] `do_ffa_mem_frag_tx`: with unmap-on-lend, an unknown handle: INVALID_PARAMETERS. */
    fragmentHandleKnown: (args) => !args.context.unmapOnLend || trackedTransfer(args) !== undefined,
    /**
     * `do_ffa_mem_frag_tx`: sharing this fragment's ranges fails: the proxy issues
     * FFA_MEM_RECLAIM(handle, 0) to abort and returns DENIED. Hafnium refuses a reclaim of an
     * incomplete send (INVALID_PARAMETERS, only WARNed here), so nothing else changes.
     */
    fragmentRangesShareable: ({ event }) => event.type === 'FFA_MEM_FRAG_TX' && event.rangesShareable,
    /** Routing: the SPMD answered SUCCESS or FFA_MEM_FRAG_RX, so this fragment's ranges stay shared. */
    spmdAcceptsFragment: ({ event }) => event.type === 'FFA_MEM_FRAG_TX' && event.spmdAccepts,
    /** [A] Routing: a fragment of a lent handle under unmap-on-lend (`entry->is_lend`). */
    transferIsLend: (args) => args.context.unmapOnLend && trackedTransfer(args)?.lend === true,
    /* ---- do_ffa_mem_reclaim ---- */
    /** [A] `do_ffa_mem_reclaim`: with unmap-on-lend, an unknown handle: INVALID_PARAMETERS. */
    reclaimHandleKnown: (args) => !args.context.unmapOnLend || trackedTransfer(args) !== undefined,
  },
  actions: {
    /** `do_ffa_version`: a downgrade lowers `hyp_ffa_version`; `has_version_negotiated = true`. */
    negotiateVersion: assign(({ context, event }) =>
      event.type === 'FFA_VERSION' ? { hypVersionMinor: Math.min(context.hypVersionMinor, event.minor) } : {},
    ),
    /** `host_buffers.tx/rx = ...` */
    recordMailbox: assign(({ event }) =>
      event.type === 'FFA_FN64_RXTX_MAP' ? { mailbox: { tx: event.tx, rx: event.rx } } : {},
    ),
    forgetMailbox: assign({ mailbox: null }),
    shareMailboxWithHyp: emit((args) => pageTransition('HOST_SHARE_HYP', mailboxPages(args))),
    pinMailbox: emit((args) => pageTransition('HYP_PIN_SHARED_MEM', mailboxPages(args))),
    unpinTx: emit((args) => pageTransition('HYP_UNPIN_SHARED_MEM', mailboxPage('tx')(args))),
    unshareTx: emit((args) => pageTransition('HOST_UNSHARE_HYP', mailboxPage('tx')(args))),
    unpinRx: emit((args) => pageTransition('HYP_UNPIN_SHARED_MEM', mailboxPage('rx')(args))),
    unshareRx: emit((args) => pageTransition('HOST_UNSHARE_HYP', mailboxPage('rx')(args))),
    shareRangesWithFfa: emit(({ event }) => pageTransition('HOST_SHARE_FFA', eventPages(event))),
    donateRangesToFfa: emit(({ event }) => pageTransition('HOST_DONATE_FFA', eventPages(event))),
    unshareRangesFromFfa: emit(({ event }) => pageTransition('HOST_UNSHARE_FFA', eventPages(event))),
    reclaimRangesFromFfa: emit(({ event }) => pageTransition('HOST_RECLAIM_FFA', eventPages(event))),
    /** `ffa_mem_xfer` / `ffa_mem_frag_tx` / `ffa_mem_reclaim`: the call reissued to the SPMD. */
    forward: emit(({ event }) => ({
      type: 'FFA_FORWARD' as const,
      call: event.type as 'FFA_MEM_SHARE' | 'FFA_MEM_LEND' | 'FFA_MEM_FRAG_TX' | 'FFA_MEM_RECLAIM',
      handle: eventHandle(event),
      sender: 'host' as const,
      receiver: isXfer(event) ? event.receiver : null,
      flags: 'flags' in event ? event.flags : 0,
      pages: eventPages(event),
      length: isXfer(event) ? event.length : 0,
      fragmentLength: 'fragmentLength' in event ? event.fragmentLength : 0,
    })),
    /** [A] `handle->handle = ffa_handle; handle->is_lend = is_lend` (nothing in mainline). */
    recordTransfer: assign(({ context, event }) =>
      context.unmapOnLend
        ? {
            transfers: [
              ...context.transfers,
              { handle: eventHandle(event), lend: event.type === 'FFA_MEM_LEND' },
            ],
          }
        : {},
    ),
    /** [A] `ffa_host_clear_handle()` after a successful reclaim. */
    forgetTransfer: assign(({ context, event }) => ({
      transfers: context.transfers.filter((t) => t.handle !== eventHandle(event)),
    })),
    /**
     * Marks a call taken that changes no context (a targetless transition that only emits, or
     * answers). XState returns the very same snapshot for such a transition, which
     * `interpretedStepper` would read as a refusal; an assign gives it a new snapshot.
     */
    callTaken: assign({}),
    /** [A] -ENOSPC from `ffa_host_alloc_handle()`: returned, the ranges stay with FF-A. */
    emitHandleTableFull: emit(({ event }) => ({
      type: 'FFA_PROXY_CALL_FAILED' as const,
      call: event.type as 'FFA_MEM_SHARE' | 'FFA_MEM_LEND',
      code: 'FFA_RET_NO_MEMORY' as const,
      handle: eventHandle(event),
      pages: eventPages(event),
    })),
  },
}).createMachine({
  id: 'pkvmFfaProxy',
  description:
    'The pKVM FF-A proxy at EL2: every host FF-A call is checked, forwarded to the SPMD, refused, or handled with a host stage-2 update.',
  context: ({ input }) => ({
    hypVersionMinor: input.firmwareVersionMinor ?? 2,
    postInitOk: input.postInitOk ?? true,
    unmapOnLend: input.unmapOnLend ?? false,
    maxHandles: input.maxHandles ?? 8,
    descriptorBufferBytes: input.descriptorBufferBytes ?? 4 * MAILBOX_BYTES,
    mailbox: null,
    transfers: [],
  }),
  initial: 'versionUnset',
  states: {
    versionUnset: {
      description: '!has_version_negotiated: every call but FFA_VERSION gets INVALID_PARAMETERS',
      on: {
        /** `do_ffa_version` before negotiation: ask the SPMD on downgrade, then `hyp_ffa_post_init`. */
        FFA_VERSION: {
          guard: and(['majorVersionIsOne', 'firmwareAcceptsDowngrade', 'postInitSucceeds']),
          target: 'versionNegotiated',
          actions: 'negotiateVersion',
        },
      },
    },
    versionNegotiated: {
      description: 'has_version_negotiated: the host may map its mailbox and reclaim handles',
      initial: 'mailboxUnmapped',
      on: {
        /** `do_ffa_version` after negotiation: answers `hyp_ffa_version`, changes nothing. */
        FFA_VERSION: { guard: and(['majorVersionIsOne', 'versionNotBelowNegotiated']), actions: 'callTaken' },
        /**
         * `do_ffa_mem_reclaim`: hypervisor retrieve request for the constituents, forward
         * FFA_MEM_RECLAIM, and only on SUCCESS unshare ([A]: reclaim a lent handle's pages).
         */
        FFA_MEM_RECLAIM: [
          {
            guard: and(['reclaimHandleKnown', 'transferIsLend']),
            actions: ['forward', 'reclaimRangesFromFfa', 'forgetTransfer'],
          },
          {
            guard: 'reclaimHandleKnown',
            actions: ['forward', 'unshareRangesFromFfa', 'forgetTransfer'],
          },
        ],
      },
      states: {
        mailboxUnmapped: {
          description: 'host_buffers.tx == NULL: memory sends and FRAG_TX get INVALID_PARAMETERS',
          on: {
            /** `do_ffa_rxtx_map`: map the hyp buffers at the SPMD, then share and pin the host's. */
            FFA_FN64_RXTX_MAP: {
              guard: and(['mailboxPageCountMatches', 'mailboxAddressesAligned', 'mailboxSharedWithHyp']),
              target: 'mailboxMapped',
              actions: ['shareMailboxWithHyp', 'pinMailbox', 'recordMailbox'],
            },
          },
        },
        mailboxMapped: {
          description: 'host_buffers.tx set: the host can describe memory transactions',
          on: {
            /** `do_ffa_rxtx_unmap`: unpin and unshare TX, then RX; unmap the hyp buffers. */
            FFA_RXTX_UNMAP: {
              guard: 'unmapIdIsHost',
              target: 'mailboxUnmapped',
              actions: ['unpinTx', 'unshareTx', 'unpinRx', 'unshareRx', 'forgetMailbox'],
            },
            /** `do_ffa_mem_xfer(FFA_FN64_MEM_SHARE)`: `__pkvm_host_share_ffa` per range, then forward. */
            FFA_MEM_SHARE: xferTransitions(),
            /**
             * `do_ffa_mem_xfer(FFA_FN64_MEM_LEND)`: mainline treats it as SHARE; [A] with
             * `kvm_ffa_unmap_on_lend` donates the ranges to `PKVM_ID_FFA` instead.
             */
            FFA_MEM_LEND: xferTransitions(),
            /** `do_ffa_mem_frag_tx`: share this fragment's ranges, then forward. */
            FFA_MEM_FRAG_TX: [
              {
                guard: and([...FRAG_TX_GUARDS, 'spmdAcceptsFragment', 'transferIsLend']),
                actions: ['donateRangesToFfa', 'forward', 'callTaken'],
              },
              {
                guard: and([...FRAG_TX_GUARDS, 'spmdAcceptsFragment']),
                actions: ['shareRangesWithFfa', 'forward', 'callTaken'],
              },
              {
                /**
                 * The SPMD refused the fragment: only this fragment's ranges are unshared; the
                 * earlier fragments' pages stay shared ("stuck ... forever", no confidentiality loss).
                 */
                guard: and([...FRAG_TX_GUARDS]),
                actions: ['forward', 'callTaken'],
              },
            ],
          },
        },
      },
    },
  },
});

function xferTransitions() {
  return [
    {
      guard: and([...XFER_GUARDS, 'handleSlotFree', 'lendUnmapsHost']),
      actions: ['donateRangesToFfa', 'forward', 'recordTransfer'],
    },
    {
      guard: and([...XFER_GUARDS, 'handleSlotFree']),
      actions: ['shareRangesWithFfa', 'forward', 'recordTransfer'],
    },
    {
      /** [A] -ENOSPC after the ranges were shared or donated: the error path does not undo them. */
      guard: and([...XFER_GUARDS, 'handleTableFull', 'lendUnmapsHost']),
      actions: ['donateRangesToFfa', 'emitHandleTableFull', 'callTaken'],
    },
    {
      guard: and([...XFER_GUARDS, 'handleTableFull']),
      actions: ['shareRangesWithFfa', 'emitHandleTableFull', 'callTaken'],
    },
  ] as const;
}

type ProxyGuard = keyof typeof pkvmFfaProxyMachine.implementations.guards;

/** Before negotiation every call but FFA_VERSION is INVALID_PARAMETERS (checked before dispatch). */
function unlessVersionUnset(code: ErrorCode) {
  return (_context: PkvmFfaProxyContext, _event: PkvmFfaProxyEvent, state: string): ErrorCode =>
    state === 'versionUnset' ? 'FFA_RET_INVALID_PARAMETERS' : code;
}

/**
 * Refusal codes. Memory sends and FRAG_TX without a mapped TX mailbox fail their first checks
 * or the TX check, all INVALID_PARAMETERS. A second RXTX_MAP is DENIED after the page-count
 * and alignment checks.
 */
export const pkvmFfaProxyRefusals: RefusalTable<ProxyGuard, PkvmFfaProxyContext, PkvmFfaProxyEvent> = {
  unhandled: {
    default: 'FFA_RET_INVALID_PARAMETERS',
    ...Object.fromEntries(
      PROXY_UNSUPPORTED_CALLS.map((call) => [call, unlessVersionUnset('FFA_RET_NOT_SUPPORTED')]),
    ),
    /** `do_ffa_version`: a major other than 1 is NOT_SUPPORTED even before negotiation. */
    FFA_VERSION: 'FFA_RET_NOT_SUPPORTED',
    FFA_FN64_RXTX_MAP: (_context, event, state) => {
      if (state === 'versionUnset') return 'FFA_RET_INVALID_PARAMETERS';
      if (event.type !== 'FFA_FN64_RXTX_MAP') return 'FFA_RET_INVALID_PARAMETERS';
      if (event.pageCount !== KVM_FFA_MBOX_NR_PAGES || !event.pageAligned)
        return 'FFA_RET_INVALID_PARAMETERS';
      return 'FFA_RET_DENIED';
    },
  },
  guards: {
    majorVersionIsOne: 'FFA_RET_NOT_SUPPORTED',
    firmwareAcceptsDowngrade: 'FFA_RET_NOT_SUPPORTED',
    postInitSucceeds: 'FFA_RET_NOT_SUPPORTED',
    versionNotBelowNegotiated: 'FFA_RET_NOT_SUPPORTED',
    mailboxPageCountMatches: 'FFA_RET_INVALID_PARAMETERS',
    mailboxAddressesAligned: 'FFA_RET_INVALID_PARAMETERS',
    mailboxSharedWithHyp: 'FFA_RET_INVALID_PARAMETERS',
    unmapIdIsHost: 'FFA_RET_INVALID_PARAMETERS',
    xferRegistersValid: 'FFA_RET_INVALID_PARAMETERS',
    fragmentHoldsHeader: 'FFA_RET_INVALID_PARAMETERS',
    descriptorFitsBuffer: 'FFA_RET_NO_MEMORY',
    compositeOffsetNonZero: 'FFA_RET_INVALID_PARAMETERS',
    singleEndpoint: 'FFA_RET_INVALID_PARAMETERS',
    senderIsHost: 'FFA_RET_INVALID_PARAMETERS',
    compositeHeaderInFragment: 'FFA_RET_INVALID_PARAMETERS',
    constituentsWholeEntries: 'FFA_RET_INVALID_PARAMETERS',
    hostRangesShareable: 'FFA_RET_DENIED',
    handleSlotFree: 'NOT_ISSUED',
    handleTableFull: 'NOT_ISSUED',
    lendUnmapsHost: 'NOT_ISSUED',
    fragmentFitsMailbox: 'FFA_RET_INVALID_PARAMETERS',
    fragmentWholeEntries: 'FFA_RET_INVALID_PARAMETERS',
    fragmentHandleKnown: 'FFA_RET_INVALID_PARAMETERS',
    fragmentRangesShareable: 'FFA_RET_DENIED',
    spmdAcceptsFragment: 'NOT_ISSUED',
    transferIsLend: 'NOT_ISSUED',
    reclaimHandleKnown: 'FFA_RET_INVALID_PARAMETERS',
  },
};

type PkvmFfaProxyProvide = Parameters<typeof pkvmFfaProxyMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const pkvmFfaProxyFlaws = {
  /**
   * Every implementation that reads `unmapOnLend` answers as it does for `unmapOnLend: false`,
   * so the proxy steps exactly as the mainline one whatever its input says.
   */
  lendTreatedAsShare: {
    summary:
      'The FF-A proxy handles FFA_MEM_LEND like FFA_MEM_SHARE, so the lender keeps its stage-2 mapping ' +
      'of the memory it lent: mainline do_ffa_mem_xfer() (nvhe/ffa.c) calls __pkvm_host_share_ffa() ' +
      "for both and tracks no handle. Switched on, the proxy ignores Android's kvm_ffa_unmap_on_lend.",
    provide: {
      guards: {
        handleSlotFree: () => true,
        handleTableFull: () => false,
        lendUnmapsHost: () => false,
        fragmentHandleKnown: () => true,
        transferIsLend: () => false,
        reclaimHandleKnown: () => true,
      },
      actions: { recordTransfer: assign({}) },
    },
  },
} as const satisfies Record<string, MachineFlaw<PkvmFfaProxyProvide>>;

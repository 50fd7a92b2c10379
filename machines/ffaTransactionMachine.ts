/**
 * One FF-A memory share state of Hafnium acting as SPMC (`struct ffa_memory_share_state`,
 * `TF-Hafnium/hafnium: inc/hf/ffa_memory_internal.h`): a handle slot from send to reclaim.
 *
 * Lifecycle (`src/ffa_memory.c`, `src/api.c`):
 * - `free`: `share_func == 0`. `allocate_share_state()` takes the first free slot, so the world
 *   delivers a send to the first `free` slot; with none free Hafnium returns NO_MEMORY (a
 *   world-level refusal, not this machine's).
 * - `sending`: `!sending_complete`, waiting for `FFA_MEM_FRAG_TX` fragments.
 * - `live.sent`: sending complete and no borrower holds the memory (every
 *   `retrieved_fragment_count` is 0).
 * - `live.retrieved`: at least one borrower has a non-zero `retrieved_fragment_count`.
 * - `reclaimPending`: `deferred_reclaim_pending`: the sender aborted while a borrower held the
 *   memory (see "Partition abort" below).
 * A DONATE handle is freed when its retrieval completes; SHARE and LEND live until reclaim.
 *
 * Facts the world fills (event fields), because they live in other machines:
 * - `senderExclusiveOwner` (send, `FFA_MEM_FRAG_TX`): every constituent is mapped in the
 *   sender's stage-2 with one mode and that mode is Owner-EA (`constituents_get_mode`, then
 *   `ffa_send_check_transition`). False while the pages are shared, lent or donated by another
 *   slot, or owned by someone else.
 * - `senderWritable`: the sender's mode has W (CLEAR and RW grants need it).
 * - `descriptorValid` / `requestValid` / `fragmentValid`: the descriptor format checks, which
 *   all return INVALID_PARAMETERS (lengths, alignment, MBZ fields, tags, NS bit). Each is one
 *   fact checked first, although Hafnium makes some of these checks after the sender or
 *   receiver checks (see `descriptorWellFormed` and `retrieveRequestWellFormed`).
 *
 * Emitted (the world routes them):
 * - `FFA_MEM_SENT` {handle, call, sender, receivers, pages, flags, senderAccess, memoryProtected}
 * - `FFA_MEM_RETRIEVED` {handle, call, receiver, pages, flags, receiverAccess, memoryProtected}
 * - `FFA_MEM_RELINQUISHED` {handle, receiver, pages}
 * - `FFA_MEM_RECLAIMED` {handle, sender, pages, senderAccess 'Owner-EA', unprotected, deferred}
 * - `FFA_MEM_SEND_ABORTED` {handle, sender, pages, code}: the last fragment failed a completion
 *   check; Hafnium frees the share state and returns `code` to the caller.
 * - `MEMORY_CLEARED` {handle, pages, at, by: 'ffa_clear_memory_constituents'}: pages zeroed.
 *
 * `memoryProtected` is true when the SPMC moved the pages to the secure PAS at send
 * (`sendProtectsMemory`, input `pasProtection`): the normal world, host CPU included, then
 * cannot read them whatever its own stage-2 says, until reclaim unprotects them.
 *
 * Sources read: `TF-Hafnium/hafnium` at v2.15.0 (676ab03c) and `main` at 21bfbdc1; the checks
 * modelled here are in the same order in both.
 *
 * Send checks, in Hafnium's order (a refusal names the first that fails):
 * 1. `api_ffa_mem_send()` (`src/api.c`): TX mailbox and lengths, `ffa_memory_region_sanity_check()`,
 *    `api_memory_region_check_flags()` (CLEAR on SHARE, bits 31:2), `receiver_count == 0`, DONATE
 *    to several receivers, then per receiver: the receiver is the caller's own VM
 *    (INVALID_PARAMETERS) and `ffa_memory_is_send_valid()` (DENIED);
 * 2. `ffa_memory_send()` → `ffa_memory_send_validate()` (`src/ffa_memory.c`): the sender ID
 *    must match the caller (DENIED), then any flag but CLEAR (so TIME_SLICE) is
 *    INVALID_PARAMETERS, then per receiver: itself, repeated, data access (INVALID_PARAMETERS);
 * 3. `ffa_memory_send_complete()` → `ffa_send_check_update()` → `ffa_send_check_transition()`.
 * So a descriptor with TIME_SLICE, or naming the sender as a receiver, that also forges the
 * sender ID gets DENIED, and one naming the caller as a receiver gets INVALID_PARAMETERS first.
 *
 * Partition abort (Hafnium v2.14 and later, commit b902a4d6 "feat: reclaim memory regions of
 * aborting VM"): when a secure partition aborts (`FFA_ABORT` from a v1.3 SP through
 * `api_ffa_abort()`, a fatal exception through `ffa_partition_abort()`, or `FFA_ERROR(ABORTED)`
 * during initialisation), `ffa_vm_free_resources()` (`src/ffa/spmc/vm.c`) calls
 * `ffa_memory_reclaim_relinquish_vm_regions()`, which visits every share state:
 * - `ffa_memory_relinquish_from_partition()`: if the partition is a borrower (not the sender)
 *   of a completed send, its mapping is removed without clearing and its
 *   `retrieved_fragment_count` reset to 0, whatever the unmap returned;
 * - `ffa_memory_reclaim_from_partition()`: if the partition is the sender, `reclaim_shared_state()`
 *   runs; when a borrower still holds the memory it fails (DENIED) and `deferred_reclaim_pending`
 *   is set.
 * While the flag is set `ffa_partition_retrieve_request()` answers every retrieve DENIED (after
 * the `sending_complete` check, before the request is validated), and the relinquish by the last
 * holder (`ffa_memory_relinquish()`) reclaims for the owner and frees the share state. A borrower's
 * own abort does not complete a pending reclaim: if the last holder aborts, the share state stays
 * pending with nobody holding it. The model delivers the abort as `FFA_VM_FREE_RESOURCES` and
 * offers it only with the `deferredReclaim` input (default on; off models Hafnium v2.13 and
 * earlier, where an abort leaves the share states as they are).
 */
import { and, assign, emit, not, setup } from 'xstate';
import {
  FFA_MEM_RECLAIM_CLEAR,
  FFA_MEMORY_REGION_FLAG_CLEAR,
  FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH,
  FFA_MEMORY_REGION_FLAG_TIME_SLICE,
  type FfaAccessState,
  type FfaDataAccess,
  type FfaReceiver,
  type FfaShareFunc,
  hasFlag,
  receiverAccessAfterRetrieve,
  senderAccessAfterSend,
  sendProtectsMemory,
  spmcAllowsSendTo,
} from './ffaMemoryState.ts';
import type { FfaStatus, RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export interface FfaTransactionContext {
  /** The slot index; Hafnium builds the handle from it (`ffa_memory_handle_get_index`). */
  readonly handle: number;
  /** Platform: `arch_memory_protect()` changes the PAS (RME); false when it is NOT_SUPPORTED. */
  readonly pasProtection: boolean;
  /**
   * Hafnium v2.14 and later: an aborting partition's transactions are reclaimed and relinquished
   * (`ffa_memory_reclaim_relinquish_vm_regions`), deferring the reclaim while borrowed. False
   * models v2.13 and earlier, where `FFA_VM_FREE_RESOURCES` leaves the share state as it is.
   */
  readonly deferredReclaim: boolean;
  /**
   * Variant: a borrower's `FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH` in its retrieve request
   * makes the last relinquish zero the memory (the FF-A rule and the code comment). Off by
   * default: `ffa_memory_relinquish()` only reads the relinquish call's own CLEAR flag.
   */
  readonly clearRelinquishFromRetrieve: boolean;
  /** `share_func`: null while the slot is free. */
  readonly shareFunc: FfaShareFunc | null;
  readonly sender: string;
  readonly senderSecure: boolean;
  readonly receivers: readonly FfaReceiver[];
  /** Constituent pages (one page per constituent in the model). */
  readonly pages: readonly number[];
  /** Send flags stored in the region (`FFA_MEMORY_REGION_FLAG_CLEAR`). */
  readonly flags: number;
  /** Fragments received so far (`fragment_count`). */
  readonly fragmentCount: number;
  /** Fragments the descriptor is sent in (the world's choice at send). */
  readonly totalFragments: number;
  /** `retrieved_fragment_count[]`, in receiver order. */
  readonly retrievedFragmentCount: readonly number[];
  /** Whether each borrower asked for CLEAR_RELINQUISH when retrieving (read by the variant only). */
  readonly clearRelinquishRequested: readonly boolean[];
  /** `sender_orig_mode` has W (reclaim with CLEAR needs it). */
  readonly senderOrigWritable: boolean;
  /** `memory_protected`: the PAS was changed at send. */
  readonly memoryProtected: boolean;
  /** `deferred_reclaim_pending`: set by the sender's abort while borrowed. */
  readonly deferredReclaimPending: boolean;
}

export interface FfaTransactionInput {
  readonly handle: number;
  readonly pasProtection?: boolean;
  readonly deferredReclaim?: boolean;
  readonly clearRelinquishFromRetrieve?: boolean;
}

/** FFA_MEM_SHARE / FFA_MEM_LEND / FFA_MEM_DONATE as the SPMC receives it. */
export interface FfaMemSendEvent {
  readonly type: FfaShareFunc;
  /** The endpoint making the call (the host is endpoint 0 behind the pKVM proxy). */
  readonly caller: string;
  /** The sender ID written in the descriptor. */
  readonly sender: string;
  readonly senderSecure: boolean;
  readonly receivers: readonly FfaReceiver[];
  readonly pages: readonly number[];
  readonly flags: number;
  /** Number of fragments the descriptor is sent in; 1 when it fits the TX buffer. */
  readonly fragments: number;
  /** World fact: `ffa_memory_region_sanity_check` and the length/alignment/attribute checks pass. */
  readonly descriptorValid: boolean;
  /** World fact: the sender holds every page exclusively (Owner-EA, one uniform mode). */
  readonly senderExclusiveOwner: boolean;
  /** World fact: the sender's mode on the pages includes W. */
  readonly senderWritable: boolean;
}

export type FfaTransactionEvent =
  | FfaMemSendEvent
  | {
      readonly type: 'FFA_MEM_FRAG_TX';
      readonly caller: string;
      /** World fact: fragment length a multiple of 16 and within the mailbox. */
      readonly fragmentValid: boolean;
      readonly senderExclusiveOwner: boolean;
      readonly senderWritable: boolean;
    }
  | {
      readonly type: 'FFA_MEM_RETRIEVE_REQ';
      readonly caller: string;
      /** The sender named in the retrieve request. */
      readonly sender: string;
      /** Transaction type in the request flags; null when not specified. */
      readonly transactionType: FfaShareFunc | null;
      readonly flags: number;
      readonly access: FfaDataAccess;
      /** World fact: length, tag, MBZ flag bits, NS bit and EMAD layout are valid. */
      readonly requestValid: boolean;
    }
  | { readonly type: 'FFA_MEM_FRAG_RX'; readonly caller: string }
  | {
      readonly type: 'FFA_MEM_RELINQUISH';
      readonly caller: string;
      /** `endpoints[0]` of the relinquish descriptor. */
      readonly endpoint: string;
      readonly flags: number;
      /** World fact: TX mapped, `endpoint_count == 1`, length fits. */
      readonly requestValid: boolean;
    }
  | { readonly type: 'FFA_MEM_RECLAIM'; readonly caller: string; readonly flags: number }
  | {
      /**
       * `ffa_vm_free_resources()` for an aborting secure partition (reached through `FFA_ABORT`,
       * a fatal exception or `FFA_ERROR(ABORTED)` at init), as its sweep
       * `ffa_memory_reclaim_relinquish_vm_regions()` visits this share state.
       */
      readonly type: 'FFA_VM_FREE_RESOURCES';
      /** The aborting partition. */
      readonly partition: string;
    };

export type FfaTransactionEmitted =
  | {
      readonly type: 'FFA_MEM_SENT';
      readonly handle: number;
      readonly call: FfaShareFunc;
      readonly sender: string;
      readonly receivers: readonly string[];
      readonly pages: readonly number[];
      readonly flags: number;
      readonly senderAccess: FfaAccessState;
      readonly memoryProtected: boolean;
    }
  | {
      readonly type: 'FFA_MEM_RETRIEVED';
      readonly handle: number;
      readonly call: FfaShareFunc;
      readonly receiver: string;
      readonly pages: readonly number[];
      readonly flags: number;
      readonly receiverAccess: FfaAccessState;
      readonly memoryProtected: boolean;
    }
  | {
      readonly type: 'FFA_MEM_RELINQUISHED';
      readonly handle: number;
      readonly receiver: string;
      readonly pages: readonly number[];
    }
  | {
      readonly type: 'FFA_MEM_RECLAIMED';
      readonly handle: number;
      readonly sender: string;
      readonly pages: readonly number[];
      readonly senderAccess: 'Owner-EA';
      readonly unprotected: boolean;
      readonly deferred: boolean;
    }
  | {
      readonly type: 'FFA_MEM_SEND_ABORTED';
      readonly handle: number;
      readonly sender: string;
      readonly pages: readonly number[];
      readonly code: FfaStatus;
    }
  | {
      readonly type: 'MEMORY_CLEARED';
      readonly handle: number;
      readonly pages: readonly number[];
      readonly at: 'send' | 'relinquish' | 'reclaim';
      readonly by: 'ffa_clear_memory_constituents';
    };

type Args = { context: FfaTransactionContext; event: FfaTransactionEvent };

/** The descriptor a completion check reads: the send event's, or the stored one on FRAG_TX. */
interface Descriptor {
  readonly call: FfaShareFunc;
  readonly senderSecure: boolean;
  readonly receivers: readonly FfaReceiver[];
  readonly pages: readonly number[];
  readonly flags: number;
}

function isSend(event: FfaTransactionEvent): event is FfaMemSendEvent {
  return event.type === 'FFA_MEM_SHARE' || event.type === 'FFA_MEM_LEND' || event.type === 'FFA_MEM_DONATE';
}

function descriptor({ context, event }: Args): Descriptor {
  if (isSend(event)) return { ...event, call: event.type };
  return {
    call: context.shareFunc ?? 'FFA_MEM_SHARE',
    senderSecure: context.senderSecure,
    receivers: context.receivers,
    pages: context.pages,
    flags: context.flags,
  };
}

interface SenderFacts {
  readonly senderExclusiveOwner: boolean;
  readonly senderWritable: boolean;
}

function senderFacts(event: FfaTransactionEvent): SenderFacts {
  if (isSend(event) || event.type === 'FFA_MEM_FRAG_TX') return event;
  return { senderExclusiveOwner: false, senderWritable: false };
}

/**
 * `ffa_memory_send_complete()` → `ffa_send_check_update()` → `ffa_send_check_transition()`,
 * in order, with the code each failure returns.
 */
const COMPLETION_CHECKS: readonly {
  readonly name: string;
  readonly code: FfaStatus;
  readonly check: (d: Descriptor, f: SenderFacts) => boolean;
}[] = [
  {
    name: 'constituentsDoNotOverlap',
    code: 'FFA_RET_INVALID_PARAMETERS',
    check: (d) => new Set(d.pages).size === d.pages.length,
  },
  { name: 'hasConstituents', code: 'FFA_RET_INVALID_PARAMETERS', check: (d) => d.pages.length > 0 },
  { name: 'senderOwnsPagesExclusively', code: 'FFA_RET_DENIED', check: (_d, f) => f.senderExclusiveOwner },
  {
    name: 'clearNeedsWritableSender',
    code: 'FFA_RET_DENIED',
    check: (d, f) => !hasFlag(d.flags, FFA_MEMORY_REGION_FLAG_CLEAR) || f.senderWritable,
  },
  {
    name: 'grantsWithinSenderPermissions',
    code: 'FFA_RET_DENIED',
    check: (d, f) => f.senderWritable || d.receivers.every((r) => r.access !== 'RW'),
  },
];

function completionCheck(name: string) {
  const entry = COMPLETION_CHECKS.find((c) => c.name === name)!;
  return (args: Args) => entry.check(descriptor(args), senderFacts(args.event));
}

/** The code the caller gets when the last fragment fails a completion check. */
function completionFailure(args: Args): FfaStatus | undefined {
  const d = descriptor(args);
  const f = senderFacts(args.event);
  return COMPLETION_CHECKS.find((c) => !c.check(d, f))?.code;
}

function receiverIndex(context: FfaTransactionContext, id: string): number {
  return context.receivers.findIndex((r) => r.id === id);
}

/** The endpoint an event comes from: the caller, or the aborting partition. */
function callerOf(event: FfaTransactionEvent): string {
  return event.type === 'FFA_VM_FREE_RESOURCES' ? event.partition : event.caller;
}

/** Index of the borrower a retrieve, FRAG_RX or relinquish names. */
function borrowerIndex({ context, event }: Args): number {
  return receiverIndex(context, event.type === 'FFA_MEM_RELINQUISH' ? event.endpoint : callerOf(event));
}

function othersHoldNothing(context: FfaTransactionContext, index: number): boolean {
  return context.retrievedFragmentCount.every((count, i) => i === index || count === 0);
}

/** Whether this relinquish zeroes the memory (`ffa_memory_relinquish`: flag and last holder). */
function relinquishWillClear(args: Args): boolean {
  const { context, event } = args;
  if (event.type !== 'FFA_MEM_RELINQUISH') return false;
  const index = borrowerIndex(args);
  if (!othersHoldNothing(context, index)) return false;
  const requested =
    hasFlag(event.flags, FFA_MEMORY_REGION_FLAG_CLEAR) ||
    (context.clearRelinquishFromRetrieve && context.clearRelinquishRequested.some(Boolean));
  return requested;
}

const FREE: Omit<
  FfaTransactionContext,
  'handle' | 'pasProtection' | 'deferredReclaim' | 'clearRelinquishFromRetrieve'
> = {
  shareFunc: null,
  sender: '',
  senderSecure: false,
  receivers: [],
  pages: [],
  flags: 0,
  fragmentCount: 0,
  totalFragments: 0,
  retrievedFragmentCount: [],
  clearRelinquishRequested: [],
  senderOrigWritable: false,
  memoryProtected: false,
  deferredReclaimPending: false,
};

/**
 * Pre-completion send checks in Hafnium's order: `api_ffa_mem_send` (`src/api.c`) up to
 * `sendPermittedToReceivers`, then `ffa_memory_send_validate` (`src/ffa_memory.c`) from
 * `senderIsCaller`.
 */
function sendGuards() {
  return [
    'descriptorWellFormed',
    'clearNotRequestedOnShare',
    'sendFlagsReservedZero',
    'hasReceiver',
    'donateHasOneReceiver',
    'receiversExcludeCaller',
    'sendPermittedToReceivers',
    'senderIsCaller',
    'sendFlagsOnlyClear',
    'receiversDistinct',
    'receiverAccessSpecifiedAsRequired',
  ] as const;
}

/** The send transitions from `free`: complete now (with or without CLEAR), or await fragments. */
function sendTransitions() {
  return [
    {
      guard: and([...sendGuards(), 'sentInOneFragment', ...COMPLETION_GUARDS, 'sendRequestsClear']),
      target: 'live.sent',
      actions: ['recordSend', 'completeSend', 'emitSent', 'emitClearedAtSend'],
    },
    {
      guard: and([...sendGuards(), 'sentInOneFragment', ...COMPLETION_GUARDS]),
      target: 'live.sent',
      actions: ['recordSend', 'completeSend', 'emitSent'],
    },
    {
      guard: and([...sendGuards(), 'sentInFragments']),
      target: 'sending',
      actions: 'recordSend',
    },
  ] as const;
}

const COMPLETION_GUARDS = [
  'constituentsDoNotOverlap',
  'hasConstituents',
  'senderOwnsPagesExclusively',
  'clearNeedsWritableSender',
  'grantsWithinSenderPermissions',
] as const;

const RETRIEVE_GUARDS = [
  'retrieveRequestWellFormed',
  'retrieveSenderMatches',
  'retrieveTypeMatches',
  'retrieverIsReceiver',
  'noClearOnSharedRetrieve',
  'retrieveClearMatchesSender',
  'retrieveAccessWithinGrant',
  'retrieveClearNeedsWritableGrant',
  'retrieverDoesNotHoldIt',
] as const;

const RELINQUISH_GUARDS = [
  'relinquishRequestWellFormed',
  'relinquishEndpointIsCaller',
  'relinquisherIsReceiver',
  'relinquisherRetrievedAll',
  'noClearOnSharedRelinquish',
  'relinquishClearNeedsWritableGrant',
] as const;

const RECLAIM_GUARDS = ['reclaimerIsSender', 'noBorrowerHolds', 'reclaimClearNeedsWritableSender'] as const;

export const ffaTransactionMachine = setup({
  types: {
    context: {} as FfaTransactionContext,
    events: {} as FfaTransactionEvent,
    input: {} as FfaTransactionInput,
    emitted: {} as FfaTransactionEmitted,
  },
  guards: {
    /* ---- send: api_ffa_mem_send, then ffa_memory_send_validate ---- */
    /**
     * `api_ffa_mem_send` (TX mailbox, fragment and total lengths) and
     * `ffa_memory_region_sanity_check` in `src/api.c` and `src/ffa_memory.c`: INVALID_PARAMETERS.
     * The fact also stands for the length, composite-offset, constituent-count, NS-bit and
     * memory-type checks of `ffa_memory_send_validate`, which Hafnium makes after
     * `senderIsCaller` (the first-fragment length checks before it): a descriptor failing one of
     * those and forging its sender gets DENIED there, INVALID_PARAMETERS here.
     */
    descriptorWellFormed: ({ event }) => isSend(event) && event.descriptorValid,
    /** `api_memory_region_check_flags`: SHARE with CLEAR is INVALID_PARAMETERS. */
    clearNotRequestedOnShare: ({ event }) =>
      isSend(event) &&
      !(event.type === 'FFA_MEM_SHARE' && hasFlag(event.flags, FFA_MEMORY_REGION_FLAG_CLEAR)),
    /**
     * `api_memory_region_check_flags`: bits 31:2 must be zero (CLEAR and TIME_SLICE pass):
     * INVALID_PARAMETERS.
     */
    sendFlagsReservedZero: ({ event }) =>
      isSend(event) &&
      (event.flags & ~(FFA_MEMORY_REGION_FLAG_CLEAR | FFA_MEMORY_REGION_FLAG_TIME_SLICE)) === 0,
    /** `api_ffa_mem_send`: `receiver_count == 0` is INVALID_PARAMETERS. */
    hasReceiver: ({ event }) => isSend(event) && event.receivers.length > 0,
    /** `api_ffa_mem_send`: DONATE to more than one receiver is INVALID_PARAMETERS. */
    donateHasOneReceiver: ({ event }) =>
      isSend(event) && (event.type !== 'FFA_MEM_DONATE' || event.receivers.length === 1),
    /**
     * `api_ffa_mem_send` per receiver, in order: the receiver's VM is the caller's (`to == from`,
     * lend to self) gives INVALID_PARAMETERS, checked before that receiver's
     * `ffa_memory_is_send_valid`. It compares with the caller, not with the descriptor's sender.
     */
    receiversExcludeCaller: ({ event }) => {
      if (!isSend(event)) return false;
      const multiple = event.receivers.length > 1;
      for (const r of event.receivers) {
        if (r.id === event.caller) return false;
        if (!spmcAllowsSendTo(event.type, event.senderSecure, r, multiple)) return true;
      }
      return true;
    },
    /**
     * `ffa_memory_is_send_valid` of the SPMC (`src/ffa/spmc/ffa_memory.c`; LEND/DONATE only to
     * SPs, ...): DENIED. Hafnium passes the caller's ID; the model uses the descriptor sender's
     * world, the same whenever `senderIsCaller` holds.
     */
    sendPermittedToReceivers: ({ event }) =>
      isSend(event) &&
      event.receivers.every((r) =>
        spmcAllowsSendTo(event.type, event.senderSecure, r, event.receivers.length > 1),
      ),
    /**
     * `ffa_memory_send_validate`: "The sender must match the caller": DENIED. Hafnium sees every
     * normal-world caller as one endpoint and denies it only a secure-partition sender ID; the
     * model, which has no caller-world fact, refuses any mismatch. With this check strict, the
     * receiver-is-sender check that follows in `ffa_memory_send_validate` (INVALID_PARAMETERS)
     * can no longer fail after `receiversExcludeCaller`, so it is not a separate guard.
     */
    senderIsCaller: ({ event }) => isSend(event) && event.sender === event.caller,
    /**
     * `ffa_memory_send_validate`: "No other flags are allowed/supported here" (any flag but
     * CLEAR, so TIME_SLICE): INVALID_PARAMETERS, after the sender check.
     */
    sendFlagsOnlyClear: ({ event }) => isSend(event) && (event.flags & ~FFA_MEMORY_REGION_FLAG_CLEAR) === 0,
    /** `ffa_memory_send_validate`: "Repeated receiver": INVALID_PARAMETERS. */
    receiversDistinct: ({ event }) =>
      isSend(event) && new Set(event.receivers.map((r) => r.id)).size === event.receivers.length,
    /**
     * `ffa_memory_send_validate`: SHARE and LEND must specify data access, DONATE must not:
     * INVALID_PARAMETERS.
     */
    receiverAccessSpecifiedAsRequired: ({ event }) =>
      isSend(event) &&
      event.receivers.every((r) =>
        event.type === 'FFA_MEM_DONATE' ? r.access === 'NOT_SPECIFIED' : r.access !== 'NOT_SPECIFIED',
      ),
    /** Routing: the descriptor fitted the TX buffer, so `ffa_memory_send` completes at once. */
    sentInOneFragment: ({ event }) => isSend(event) && event.fragments === 1,
    /** Routing: more fragments follow; `ffa_memory_send` returns FFA_MEM_FRAG_RX. */
    sentInFragments: ({ event }) => isSend(event) && event.fragments > 1,
    /* ---- completion: ffa_memory_send_complete ---- */
    /** `ffa_memory_check_overlap`: overlapping constituents: INVALID_PARAMETERS. */
    constituentsDoNotOverlap: completionCheck('constituentsDoNotOverlap'),
    /** `constituents_get_mode`: no constituents: INVALID_PARAMETERS. */
    hasConstituents: completionCheck('hasConstituents'),
    /**
     * `constituents_get_mode` (one uniform mode, else DENIED) and `ffa_send_check_transition`:
     * the sender must be Owner-EA (no INVALID, UNOWNED or SHARED bit), else DENIED. This is why
     * lending, sharing or donating memory already lent or shared fails (`lend_twice`).
     */
    senderOwnsPagesExclusively: completionCheck('senderOwnsPagesExclusively'),
    /** `ffa_send_check_transition`: CLEAR without W on the sender: DENIED. */
    clearNeedsWritableSender: completionCheck('clearNeedsWritableSender'),
    /** `ffa_send_check_transition`: a receiver's permissions exceed the sender's: DENIED. */
    grantsWithinSenderPermissions: completionCheck('grantsWithinSenderPermissions'),
    /** Routing: the send carries CLEAR, so completion zeroes the pages. */
    sendRequestsClear: (args) => hasFlag(descriptor(args).flags, FFA_MEMORY_REGION_FLAG_CLEAR),
    /* ---- fragments: ffa_memory_send_continue ---- */
    /** `api_ffa_mem_frag_tx` / `ffa_memory_send_continue`: bad fragment length: INVALID_PARAMETERS. */
    fragmentWellFormed: ({ event }) => event.type === 'FFA_MEM_FRAG_TX' && event.fragmentValid,
    /** `ffa_memory_send_continue_validate`: the caller is not the sender: INVALID_PARAMETERS. */
    fragmentFromSender: ({ context, event }) => callerOf(event) === context.sender,
    /** Routing: this fragment completes the descriptor. */
    lastFragment: ({ context }) => context.fragmentCount + 1 === context.totalFragments,
    /** Routing: more fragments follow. */
    moreFragments: ({ context }) => context.fragmentCount + 1 < context.totalFragments,
    /* ---- retrieve: ffa_partition_retrieve_request ---- */
    /**
     * `ffa_memory_retrieve_validate` format checks (length, tag, MBZ, NS): INVALID_PARAMETERS.
     * In Hafnium only the length check precedes `retrieveSenderMatches`; the tag, flag and NS
     * checks follow it and the type check. A pending deferred reclaim is checked before all of
     * them (`reclaimPending` refuses the retrieve).
     */
    retrieveRequestWellFormed: ({ event }) => event.type === 'FFA_MEM_RETRIEVE_REQ' && event.requestValid,
    /** `ffa_memory_retrieve_validate`: request sender != region sender: DENIED. */
    retrieveSenderMatches: ({ context, event }) =>
      event.type === 'FFA_MEM_RETRIEVE_REQ' && event.sender === context.sender,
    /** `ffa_memory_retrieve_validate`: a transaction type given and different: INVALID_PARAMETERS. */
    retrieveTypeMatches: ({ context, event }) =>
      event.type === 'FFA_MEM_RETRIEVE_REQ' &&
      (event.transactionType === null || event.transactionType === context.shareFunc),
    /** `ffa_memory_retrieve_validate`: caller not in the receiver list: INVALID_PARAMETERS. */
    retrieverIsReceiver: (args) => borrowerIndex(args) >= 0,
    /** `ffa_memory_retrieve_validate`: SHARE with CLEAR or CLEAR_RELINQUISH: INVALID_PARAMETERS. */
    noClearOnSharedRetrieve: ({ context, event }) =>
      event.type === 'FFA_MEM_RETRIEVE_REQ' &&
      !(
        context.shareFunc === 'FFA_MEM_SHARE' &&
        hasFlag(event.flags, FFA_MEMORY_REGION_FLAG_CLEAR | FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH)
      ),
    /** `ffa_memory_retrieve_validate`: CLEAR requested but the sender did not set it: DENIED. */
    retrieveClearMatchesSender: ({ context, event }) =>
      event.type === 'FFA_MEM_RETRIEVE_REQ' &&
      (!hasFlag(event.flags, FFA_MEMORY_REGION_FLAG_CLEAR) ||
        hasFlag(context.flags, FFA_MEMORY_REGION_FLAG_CLEAR)),
    /** `ffa_memory_retrieve_validate_memory_access_list`: more permissive than granted: DENIED. */
    retrieveAccessWithinGrant: (args) => {
      const { context, event } = args;
      const grant = context.receivers[borrowerIndex(args)];
      return event.type === 'FFA_MEM_RETRIEVE_REQ' && !(event.access === 'RW' && grant?.access === 'RO');
    },
    /** `ffa_memory_retrieve_validate_memory_access_list`: RO grant with a clear flag: DENIED. */
    retrieveClearNeedsWritableGrant: (args) => {
      const { context, event } = args;
      const grant = context.receivers[borrowerIndex(args)];
      return (
        event.type === 'FFA_MEM_RETRIEVE_REQ' &&
        !(
          grant?.access === 'RO' &&
          hasFlag(event.flags, FFA_MEMORY_REGION_FLAG_CLEAR | FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH)
        )
      );
    },
    /**
     * `ffa_retrieve_check_transition`: a current-world (SP) retriever must be !O-NA, so an SP
     * that already holds the mapping gets DENIED; a normal-world retriever is not checked
     * (MAP_ACTION_NONE).
     */
    retrieverDoesNotHoldIt: (args) => {
      const index = borrowerIndex(args);
      const receiver = args.context.receivers[index];
      return !receiver?.secure || args.context.retrievedFragmentCount[index] === 0;
    },
    /** Routing: a DONATE whose retrieval completes is freed (`ffa_memory_retrieve_complete`). */
    retrievalCompletesDonate: ({ context }) =>
      context.shareFunc === 'FFA_MEM_DONATE' && context.totalFragments === 1,
    /* ---- FRAG_RX: ffa_memory_retrieve_continue ---- */
    /** `ffa_memory_retrieve_continue`: the caller is not a borrower: INVALID_PARAMETERS. */
    fragRxFromReceiver: (args) => borrowerIndex(args) >= 0,
    /** `ffa_memory_retrieve_continue`: retrieval not started or already complete: INVALID_PARAMETERS. */
    retrievalInProgress: (args) => {
      const count = args.context.retrievedFragmentCount[borrowerIndex(args)] ?? 0;
      return count > 0 && count < args.context.totalFragments;
    },
    /** Routing: this FRAG_RX completes the retrieval of a DONATE, which frees the share state. */
    fragRxCompletesDonate: (args) =>
      args.context.shareFunc === 'FFA_MEM_DONATE' &&
      (args.context.retrievedFragmentCount[borrowerIndex(args)] ?? 0) + 1 === args.context.totalFragments,
    /* ---- relinquish: api_ffa_mem_relinquish, ffa_memory_relinquish ---- */
    /** `api_ffa_mem_relinquish`: TX unmapped, `endpoint_count != 1`, too long: INVALID_PARAMETERS. */
    relinquishRequestWellFormed: ({ event }) => event.type === 'FFA_MEM_RELINQUISH' && event.requestValid,
    /** `api_ffa_mem_relinquish`: `endpoints[0]` is not the caller: INVALID_PARAMETERS. */
    relinquishEndpointIsCaller: ({ event }) =>
      event.type === 'FFA_MEM_RELINQUISH' && event.endpoint === event.caller,
    /** `ffa_memory_relinquish`: "not a valid borrower": INVALID_PARAMETERS. */
    relinquisherIsReceiver: (args) => borrowerIndex(args) >= 0,
    /**
     * `ffa_memory_relinquish`: `retrieved_fragment_count != fragment_count` ("not yet fully
     * retrieved"), which covers memory never retrieved: INVALID_PARAMETERS.
     */
    relinquisherRetrievedAll: (args) =>
      (args.context.retrievedFragmentCount[borrowerIndex(args)] ?? 0) === args.context.totalFragments,
    /** `ffa_memory_relinquish`: a clear on SHARE memory: INVALID_PARAMETERS. */
    noClearOnSharedRelinquish: (args) =>
      !(relinquishWillClear(args) && args.context.shareFunc === 'FFA_MEM_SHARE'),
    /** `ffa_memory_relinquish`: a clear by a borrower granted RO: DENIED. */
    relinquishClearNeedsWritableGrant: (args) =>
      !(relinquishWillClear(args) && args.context.receivers[borrowerIndex(args)]?.access === 'RO'),
    /** Routing: CLEAR and no other borrower holds it, so the pages are zeroed now. */
    relinquishClears: (args) => relinquishWillClear(args),
    /** Routing: no other borrower holds the memory after this relinquish. */
    lastHolderRelinquishes: (args) => othersHoldNothing(args.context, borrowerIndex(args)),
    /* ---- reclaim: api_ffa_mem_reclaim, ffa_memory_reclaim ---- */
    /** `ffa_memory_reclaim`: the caller is not the region's sender: INVALID_PARAMETERS. */
    reclaimerIsSender: ({ context, event }) => callerOf(event) === context.sender,
    /**
     * `ffa_memory_reclaim`: a borrower with `retrieved_fragment_count != 0` ("not been
     * relinquished by all borrowers"): DENIED. No deferral for a live sender.
     */
    noBorrowerHolds: ({ context }) => context.retrievedFragmentCount.every((count) => count === 0),
    /** `ffa_retrieve_check_update` on reclaim: CLEAR without W in `sender_orig_mode`: DENIED. */
    reclaimClearNeedsWritableSender: ({ context, event }) =>
      event.type === 'FFA_MEM_RECLAIM' &&
      (!hasFlag(event.flags, FFA_MEM_RECLAIM_CLEAR) || context.senderOrigWritable),
    /** Routing: `FFA_MEM_RECLAIM_CLEAR` zeroes the pages on reclaim. */
    reclaimRequestsClear: ({ event }) =>
      event.type === 'FFA_MEM_RECLAIM' && hasFlag(event.flags, FFA_MEM_RECLAIM_CLEAR),
    /* ---- partition abort: ffa_vm_free_resources → ffa_memory_reclaim_relinquish_vm_regions ---- */
    /**
     * `ffa_vm_free_resources()` (`src/ffa/spmc/vm.c`) sweeps the share states (Hafnium v2.14 and
     * later, input `deferredReclaim`); before that an abort changes no share state: NO_EFFECT.
     */
    abortSweepsShareStates: ({ context }) => context.deferredReclaim,
    /**
     * `ffa_memory_reclaim_from_partition()`: only a share state whose `memory_region->sender`
     * is the aborting partition is reclaimed; for any other the call does nothing: NO_EFFECT.
     */
    abortingPartitionIsSender: ({ context, event }) => callerOf(event) === context.sender,
    /**
     * `ffa_memory_relinquish_from_partition()`: the aborting partition is a borrower (not the
     * sender) with a non-zero `retrieved_fragment_count` (a partial retrieval counts), so its
     * mapping is removed; otherwise the call changes nothing: NO_EFFECT.
     */
    abortingPartitionHoldsMemory: (args) =>
      callerOf(args.event) !== args.context.sender &&
      (args.context.retrievedFragmentCount[borrowerIndex(args)] ?? 0) > 0,
  },
  actions: {
    /** `allocate_share_state` + the stored descriptor; `sending_complete = false`. */
    recordSend: assign(({ event }) => {
      if (!isSend(event)) return {};
      return {
        shareFunc: event.type,
        sender: event.sender,
        senderSecure: event.senderSecure,
        receivers: event.receivers,
        pages: event.pages,
        flags: event.flags,
        fragmentCount: 1,
        totalFragments: event.fragments,
        retrievedFragmentCount: event.receivers.map(() => 0),
        clearRelinquishRequested: event.receivers.map(() => false),
        senderOrigWritable: event.senderWritable,
        memoryProtected: false,
        deferredReclaimPending: false,
      };
    }),
    /** Another fragment stored (`fragment_count + 1`). */
    recordFragment: assign(({ context }) => ({ fragmentCount: context.fragmentCount + 1 })),
    /**
     * `ffa_memory_send_complete` success: `sending_complete = true`, the sender's mode updated,
     * `memory_protected` recorded.
     */
    completeSend: assign(({ context, event }) => {
      const d = descriptor({ context, event });
      const facts = senderFacts(event);
      return {
        fragmentCount: context.totalFragments,
        senderOrigWritable: facts.senderWritable,
        memoryProtected: sendProtectsMemory(context.pasProtection, d.call, d.senderSecure, d.receivers),
      };
    }),
    emitSent: emit(({ context }) => ({
      type: 'FFA_MEM_SENT' as const,
      handle: context.handle,
      call: context.shareFunc!,
      sender: context.sender,
      receivers: context.receivers.map((r) => r.id),
      pages: context.pages,
      flags: context.flags,
      senderAccess: senderAccessAfterSend(context.shareFunc!),
      memoryProtected: context.memoryProtected,
    })),
    emitClearedAtSend: emit(({ context }) => ({
      type: 'MEMORY_CLEARED' as const,
      handle: context.handle,
      pages: context.pages,
      at: 'send' as const,
      by: 'ffa_clear_memory_constituents' as const,
    })),
    emitSendAborted: emit(({ context, event }) => ({
      type: 'FFA_MEM_SEND_ABORTED' as const,
      handle: context.handle,
      sender: context.sender,
      pages: context.pages,
      code: completionFailure({ context, event }) ?? 'FFA_RET_INVALID_PARAMETERS',
    })),
    /** `retrieved_fragment_count[i] = 1` (set, not incremented). */
    recordRetrieve: assign(({ context, event }) => {
      if (event.type !== 'FFA_MEM_RETRIEVE_REQ') return {};
      const index = receiverIndex(context, event.caller);
      return {
        retrievedFragmentCount: context.retrievedFragmentCount.map((c, i) => (i === index ? 1 : c)),
        clearRelinquishRequested: context.clearRelinquishRequested.map((c, i) =>
          i === index ? hasFlag(event.flags, FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH) : c,
        ),
      };
    }),
    emitRetrieved: emit(({ context, event }) => ({
      type: 'FFA_MEM_RETRIEVED' as const,
      handle: context.handle,
      call: context.shareFunc!,
      receiver: callerOf(event),
      pages: context.pages,
      flags: event.type === 'FFA_MEM_RETRIEVE_REQ' ? event.flags : 0,
      receiverAccess: receiverAccessAfterRetrieve(context.shareFunc!),
      memoryProtected: context.memoryProtected,
    })),
    /** `ffa_memory_retrieve_continue`: `retrieved_fragment_count[i] + 1`. */
    recordFragRx: assign(({ context, event }) => {
      const index = receiverIndex(context, callerOf(event));
      return {
        retrievedFragmentCount: context.retrievedFragmentCount.map((c, i) => (i === index ? c + 1 : c)),
      };
    }),
    /** `retrieved_fragment_count[i] = 0`. */
    recordRelinquish: assign(({ context, event }) => {
      const index = borrowerIndex({ context, event });
      return {
        retrievedFragmentCount: context.retrievedFragmentCount.map((c, i) => (i === index ? 0 : c)),
        clearRelinquishRequested: context.clearRelinquishRequested.map((c, i) => (i === index ? false : c)),
      };
    }),
    emitRelinquished: emit(({ context, event }) => ({
      type: 'FFA_MEM_RELINQUISHED' as const,
      handle: context.handle,
      receiver: event.type === 'FFA_MEM_RELINQUISH' ? event.endpoint : callerOf(event),
      pages: context.pages,
    })),
    emitClearedAtRelinquish: emit(({ context }) => ({
      type: 'MEMORY_CLEARED' as const,
      handle: context.handle,
      pages: context.pages,
      at: 'relinquish' as const,
      by: 'ffa_clear_memory_constituents' as const,
    })),
    emitClearedAtReclaim: emit(({ context }) => ({
      type: 'MEMORY_CLEARED' as const,
      handle: context.handle,
      pages: context.pages,
      at: 'reclaim' as const,
      by: 'ffa_clear_memory_constituents' as const,
    })),
    emitReclaimed: emit(({ context }) => ({
      type: 'FFA_MEM_RECLAIMED' as const,
      handle: context.handle,
      sender: context.sender,
      pages: context.pages,
      senderAccess: 'Owner-EA' as const,
      unprotected: context.memoryProtected,
      deferred: context.deferredReclaimPending,
    })),
    markDeferredReclaim: assign({ deferredReclaimPending: true }),
    /**
     * `ffa_memory_relinquish_from_partition()`: `ffa_relinquish_check_update(..., clear = false)`
     * on the aborting borrower, then `retrieved_fragment_count[i] = 0` whatever it returned.
     */
    relinquishForAbortingBorrower: assign(({ context, event }) => {
      const index = borrowerIndex({ context, event });
      return {
        retrievedFragmentCount: context.retrievedFragmentCount.map((c, i) => (i === index ? 0 : c)),
        clearRelinquishRequested: context.clearRelinquishRequested.map((c, i) => (i === index ? false : c)),
      };
    }),
    /** `share_state_free`: `share_func = 0`, region and fragments released. */
    freeShareState: assign(() => FREE),
  },
}).createMachine({
  id: 'ffaTransaction',
  description: 'One FF-A memory share state of Hafnium acting as SPMC: a handle slot from send to reclaim.',
  context: ({ input }) => ({
    handle: input.handle,
    pasProtection: input.pasProtection ?? false,
    deferredReclaim: input.deferredReclaim ?? true,
    clearRelinquishFromRetrieve: input.clearRelinquishFromRetrieve ?? false,
    ...FREE,
  }),
  initial: 'free',
  states: {
    free: {
      description: 'share_func == 0: the slot holds no transaction',
      on: {
        FFA_MEM_SHARE: sendTransitions(),
        FFA_MEM_LEND: sendTransitions(),
        FFA_MEM_DONATE: sendTransitions(),
      },
    },
    sending: {
      description: '!sending_complete: the sender is still transmitting fragments (FFA_MEM_FRAG_TX)',
      on: {
        /** `ffa_memory_send_continue`: store the fragment; the last one runs `ffa_memory_send_complete`. */
        FFA_MEM_FRAG_TX: [
          {
            guard: and([
              'fragmentWellFormed',
              'fragmentFromSender',
              'lastFragment',
              ...COMPLETION_GUARDS,
              'sendRequestsClear',
            ]),
            target: 'live.sent',
            actions: ['completeSend', 'emitSent', 'emitClearedAtSend'],
          },
          {
            guard: and(['fragmentWellFormed', 'fragmentFromSender', 'lastFragment', ...COMPLETION_GUARDS]),
            target: 'live.sent',
            actions: ['completeSend', 'emitSent'],
          },
          {
            guard: and(['fragmentWellFormed', 'fragmentFromSender', 'moreFragments']),
            actions: 'recordFragment',
          },
          {
            /** A completion check failed: "On any error in send_complete, the share state is freed". */
            guard: and([
              'fragmentWellFormed',
              'fragmentFromSender',
              'lastFragment',
              not(and([...COMPLETION_GUARDS])),
            ]),
            target: 'free',
            actions: ['emitSendAborted', 'freeShareState'],
          },
        ],
      },
    },
    live: {
      description: 'sending_complete: borrowers may retrieve, the sender may reclaim',
      initial: 'sent',
      states: {
        sent: {
          description: 'No borrower holds the memory: every retrieved_fragment_count is 0',
          on: {
            /** The sender aborts with nobody holding the memory: `reclaim_shared_state` succeeds. */
            FFA_VM_FREE_RESOURCES: {
              guard: and(['abortSweepsShareStates', 'abortingPartitionIsSender']),
              target: '#ffaTransaction.free',
              actions: ['emitReclaimed', 'freeShareState'],
            },
          },
        },
        retrieved: {
          description: 'At least one borrower has retrieved (part of) the memory and not relinquished it',
          on: {
            FFA_VM_FREE_RESOURCES: [
              {
                /** The sender aborts while borrowed: the reclaim is DENIED, `deferred_reclaim_pending` set. */
                guard: and(['abortSweepsShareStates', 'abortingPartitionIsSender']),
                target: '#ffaTransaction.reclaimPending',
                actions: 'markDeferredReclaim',
              },
              {
                /** The last holder aborts: relinquished on its behalf, no borrower holds it now. */
                guard: and([
                  'abortSweepsShareStates',
                  'abortingPartitionHoldsMemory',
                  'lastHolderRelinquishes',
                ]),
                target: 'sent',
                actions: ['relinquishForAbortingBorrower', 'emitRelinquished'],
              },
              {
                /** Another holder aborts: relinquished on its behalf. */
                guard: and(['abortSweepsShareStates', 'abortingPartitionHoldsMemory']),
                actions: ['relinquishForAbortingBorrower', 'emitRelinquished'],
              },
            ],
          },
        },
      },
      on: {
        /** `ffa_partition_retrieve_request` → `ffa_retrieve_check_update` (no zeroing on retrieve). */
        FFA_MEM_RETRIEVE_REQ: [
          {
            guard: and([...RETRIEVE_GUARDS, 'retrievalCompletesDonate']),
            target: '#ffaTransaction.free',
            actions: ['emitRetrieved', 'freeShareState'],
          },
          {
            guard: and([...RETRIEVE_GUARDS]),
            target: '.retrieved',
            actions: ['recordRetrieve', 'emitRetrieved'],
          },
        ],
        /** `ffa_memory_retrieve_continue`: the next fragment of the retrieve response. */
        FFA_MEM_FRAG_RX: [
          {
            guard: and(['fragRxFromReceiver', 'retrievalInProgress', 'fragRxCompletesDonate']),
            target: '#ffaTransaction.free',
            actions: 'freeShareState',
          },
          {
            guard: and(['fragRxFromReceiver', 'retrievalInProgress']),
            target: '.retrieved',
            actions: 'recordFragRx',
          },
        ],
        /** `ffa_memory_relinquish` → `ffa_relinquish_check_update`: the borrower is unmapped. */
        FFA_MEM_RELINQUISH: [
          {
            guard: and([...RELINQUISH_GUARDS, 'relinquishClears']),
            target: '.sent',
            actions: ['recordRelinquish', 'emitRelinquished', 'emitClearedAtRelinquish'],
          },
          {
            guard: and([...RELINQUISH_GUARDS, 'lastHolderRelinquishes']),
            target: '.sent',
            actions: ['recordRelinquish', 'emitRelinquished'],
          },
          {
            guard: and([...RELINQUISH_GUARDS]),
            target: '.retrieved',
            actions: ['recordRelinquish', 'emitRelinquished'],
          },
        ],
        /** `ffa_memory_reclaim`: restore `sender_orig_mode`, unprotect, `share_state_free`. */
        FFA_MEM_RECLAIM: [
          {
            guard: and([...RECLAIM_GUARDS, 'reclaimRequestsClear']),
            target: '#ffaTransaction.free',
            actions: ['emitClearedAtReclaim', 'emitReclaimed', 'freeShareState'],
          },
          {
            guard: and([...RECLAIM_GUARDS]),
            target: '#ffaTransaction.free',
            actions: ['emitReclaimed', 'freeShareState'],
          },
        ],
      },
    },
    reclaimPending: {
      description:
        'deferred_reclaim_pending: the sender aborted while borrowed; retrieves are DENIED, the last relinquish reclaims',
      on: {
        /** `ffa_memory_retrieve_continue` does not read the flag: a started retrieval goes on. */
        FFA_MEM_FRAG_RX: [
          {
            guard: and(['fragRxFromReceiver', 'retrievalInProgress', 'fragRxCompletesDonate']),
            target: 'free',
            actions: 'freeShareState',
          },
          {
            guard: and(['fragRxFromReceiver', 'retrievalInProgress']),
            actions: 'recordFragRx',
          },
        ],
        /**
         * A borrower aborts: relinquished on its behalf (`ffa_memory_relinquish_from_partition`),
         * which does not complete the deferred reclaim even for the last holder, so the share
         * state then stays pending with nobody holding it.
         */
        FFA_VM_FREE_RESOURCES: {
          guard: and(['abortSweepsShareStates', 'abortingPartitionHoldsMemory']),
          actions: ['relinquishForAbortingBorrower', 'emitRelinquished'],
        },
        FFA_MEM_RELINQUISH: [
          {
            guard: and([...RELINQUISH_GUARDS, 'relinquishClears']),
            target: 'free',
            actions: [
              'recordRelinquish',
              'emitRelinquished',
              'emitClearedAtRelinquish',
              'emitReclaimed',
              'freeShareState',
            ],
          },
          {
            guard: and([...RELINQUISH_GUARDS, 'lastHolderRelinquishes']),
            target: 'free',
            actions: ['recordRelinquish', 'emitRelinquished', 'emitReclaimed', 'freeShareState'],
          },
          {
            guard: and([...RELINQUISH_GUARDS]),
            actions: ['recordRelinquish', 'emitRelinquished'],
          },
        ],
      },
    },
  },
});

type TransactionGuard = keyof typeof ffaTransactionMachine.implementations.guards;

/**
 * Refusal codes. An event the state has no transition for: an unknown handle (`free`), an
 * incomplete send (`sending`) or a completed one (FRAG_TX in `live`) is INVALID_PARAMETERS, as
 * `share_state_get` / `sending_complete` checks return. Sends only ever reach a free slot.
 * Routing guards (which transition applies) are never the first failing check of a refusal;
 * their entries are there for completeness.
 */
export const ffaTransactionRefusals: RefusalTable<
  TransactionGuard,
  FfaTransactionContext,
  FfaTransactionEvent
> = {
  unhandled: {
    default: 'FFA_RET_INVALID_PARAMETERS',
    FFA_MEM_SHARE: 'NOT_ISSUED',
    FFA_MEM_LEND: 'NOT_ISSUED',
    FFA_MEM_DONATE: 'NOT_ISSUED',
    /**
     * `ffa_partition_retrieve_request`: `deferred_reclaim_pending` gives DENIED, checked after
     * `sending_complete` and before the request is validated.
     */
    FFA_MEM_RETRIEVE_REQ: (_context, _event, state) =>
      state === 'reclaimPending' ? 'FFA_RET_DENIED' : 'FFA_RET_INVALID_PARAMETERS',
    /**
     * The aborted sender makes no further calls: the model does not restart a partition
     * (`ACTION_RESTART`), after which a reclaim could free the handle.
     */
    FFA_MEM_RECLAIM: (_context, _event, state) =>
      state === 'reclaimPending' ? 'NOT_ISSUED' : 'FFA_RET_INVALID_PARAMETERS',
    /**
     * The sweep skips a free slot (`share_func == 0`) and, in `ffa_memory_relinquish_from_partition`,
     * a send not complete. For the sender of an incomplete send `ffa_memory_reclaim_from_partition`
     * still calls `reclaim_shared_state()` with no `sending_complete` check; that path is not
     * modelled, so the world never aborts a sender mid-send.
     */
    FFA_VM_FREE_RESOURCES: (context, event, state) =>
      state === 'sending' && callerOf(event) === context.sender ? 'NOT_ISSUED' : 'NO_EFFECT',
  },
  guards: {
    descriptorWellFormed: 'FFA_RET_INVALID_PARAMETERS',
    clearNotRequestedOnShare: 'FFA_RET_INVALID_PARAMETERS',
    sendFlagsReservedZero: 'FFA_RET_INVALID_PARAMETERS',
    hasReceiver: 'FFA_RET_INVALID_PARAMETERS',
    donateHasOneReceiver: 'FFA_RET_INVALID_PARAMETERS',
    receiversExcludeCaller: 'FFA_RET_INVALID_PARAMETERS',
    sendPermittedToReceivers: 'FFA_RET_DENIED',
    senderIsCaller: 'FFA_RET_DENIED',
    sendFlagsOnlyClear: 'FFA_RET_INVALID_PARAMETERS',
    receiversDistinct: 'FFA_RET_INVALID_PARAMETERS',
    receiverAccessSpecifiedAsRequired: 'FFA_RET_INVALID_PARAMETERS',
    sentInOneFragment: 'NOT_ISSUED',
    sentInFragments: 'NOT_ISSUED',
    constituentsDoNotOverlap: 'FFA_RET_INVALID_PARAMETERS',
    hasConstituents: 'FFA_RET_INVALID_PARAMETERS',
    senderOwnsPagesExclusively: 'FFA_RET_DENIED',
    clearNeedsWritableSender: 'FFA_RET_DENIED',
    grantsWithinSenderPermissions: 'FFA_RET_DENIED',
    sendRequestsClear: 'NOT_ISSUED',
    fragmentWellFormed: 'FFA_RET_INVALID_PARAMETERS',
    fragmentFromSender: 'FFA_RET_INVALID_PARAMETERS',
    lastFragment: 'NOT_ISSUED',
    moreFragments: 'NOT_ISSUED',
    retrieveRequestWellFormed: 'FFA_RET_INVALID_PARAMETERS',
    retrieveSenderMatches: 'FFA_RET_DENIED',
    retrieveTypeMatches: 'FFA_RET_INVALID_PARAMETERS',
    retrieverIsReceiver: 'FFA_RET_INVALID_PARAMETERS',
    noClearOnSharedRetrieve: 'FFA_RET_INVALID_PARAMETERS',
    retrieveClearMatchesSender: 'FFA_RET_DENIED',
    retrieveAccessWithinGrant: 'FFA_RET_DENIED',
    retrieveClearNeedsWritableGrant: 'FFA_RET_DENIED',
    retrieverDoesNotHoldIt: 'FFA_RET_DENIED',
    retrievalCompletesDonate: 'NOT_ISSUED',
    fragRxFromReceiver: 'FFA_RET_INVALID_PARAMETERS',
    retrievalInProgress: 'FFA_RET_INVALID_PARAMETERS',
    fragRxCompletesDonate: 'NOT_ISSUED',
    relinquishRequestWellFormed: 'FFA_RET_INVALID_PARAMETERS',
    relinquishEndpointIsCaller: 'FFA_RET_INVALID_PARAMETERS',
    relinquisherIsReceiver: 'FFA_RET_INVALID_PARAMETERS',
    relinquisherRetrievedAll: 'FFA_RET_INVALID_PARAMETERS',
    noClearOnSharedRelinquish: 'FFA_RET_INVALID_PARAMETERS',
    relinquishClearNeedsWritableGrant: 'FFA_RET_DENIED',
    relinquishClears: 'NOT_ISSUED',
    lastHolderRelinquishes: 'NOT_ISSUED',
    reclaimerIsSender: 'FFA_RET_INVALID_PARAMETERS',
    noBorrowerHolds: 'FFA_RET_DENIED',
    reclaimClearNeedsWritableSender: 'FFA_RET_DENIED',
    reclaimRequestsClear: 'NOT_ISSUED',
    abortSweepsShareStates: 'NO_EFFECT',
    abortingPartitionIsSender: 'NO_EFFECT',
    abortingPartitionHoldsMemory: 'NO_EFFECT',
  },
};

/** True iff the share-state slot holds no transaction (`share_func == 0`). */
export function slotIsFree(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'free';
}

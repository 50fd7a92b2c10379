/**
 * One Gunyah memory parcel: the buffer an owner VM lends, shares or donates through the
 * resource manager (RM), with its access list (the VMs that may accept it and the rights each
 * gets), which of those VMs accepted it, and whether the owner reclaimed it. One machine per
 * parcel, covering every page of the buffer, as the RM keeps one `memparcel_t` per handle.
 *
 * Sources (read for this model):
 * - `quic/gunyah-resource-manager` at 0accef9450051c27a21dff5a9399863ba34657af,
 *   `src/memparcel/memparcel.c`: `memparcel_construct()` (MEM_LEND, MEM_SHARE, MEM_DONATE: the
 *   ACL checks, the unmap from the owner's address space on a lend, `memextent_update_access()`
 *   to the owner's ACL rights on a share), `memparcel_do_accept()` (the accepting VM must be in
 *   the ACL, `RM_ERROR_VMID_INVALID`, and must not be the owner, `RM_ERROR_DENIED`; the memextent
 *   is mapped with that VM's ACL rights; a donation completes by `delete_memparcel()`),
 *   `memparcel_release()` (only an acceptor, `RM_ERROR_MEM_RELEASED` otherwise; the owner gets
 *   `RM_ERROR_DENIED`), `memparcel_do_reclaim()` (only the owner, `RM_ERROR_DENIED`; only in
 *   `MEMPARCEL_STATE_SHARING`, that is once every acceptor released, `RM_ERROR_MEM_INUSE`; the
 *   memextent is mapped back RWX into the owner), and `lookup_memparcel()` (a deleted handle is
 *   `RM_ERROR_HANDLE_INVALID`).
 *
 * Where the source and the usual description differ: in this open RM the region loop of
 * `memparcel_construct()` refuses normal memory owned by any VM but HLOS (`RM_ERROR_MEM_INVALID`),
 * although the same function (and `memparcel_do_reclaim()`) carries the branches that unmap a
 * lent region from a secondary VM owner and map it back on reclaim; the vendor RM on Qualcomm
 * SoCs accepts parcels from secondary VMs (mem-buf lends from them). The model follows those
 * branches: a secondary VM may own a parcel. Nothing in `memparcel.c` at this commit runs when
 * a VM is destroyed: a parcel goes only by reclaim or by a completed donation. The newest RM
 * (bf31a9ac9ec3, 12/2023) adds a reset stage, `vm_reset_handle_release_memparcels()` called from
 * `vm_reset_callback()` in src/vm_mgnt/vm_mgnt.c, that releases every parcel the reset VM
 * accepted (`memparcel_do_release()`) and tells the owner (MEM_RELEASED): what MEM_RELEASE does,
 * so an acceptor's reset is that step; it does not reclaim the parcels the reset VM owns.
 *
 * States:
 * - `none`: not created yet;
 * - `sharing`: `MEMPARCEL_STATE_SHARING`, created, no VM has it accepted;
 * - `shared`: `MEMPARCEL_STATE_SHARED`, `share_count` > 0 VMs have it accepted (mapped);
 * - `reclaimed`: the owner reclaimed it; the parcel is deleted and the owner maps it again;
 * - `donated`: a donation was accepted; the parcel is deleted and the acceptor owns the memory.
 *
 * Modelling choices: the ACL's rights are `r` or `rw` (the X bit is left out); sanitize flags,
 * labels, attributes, IO memory and MEM_NOTIFY are not modelled; a second MEM_ACCEPT by a VM that
 * has the parcel accepted is refused with RM_ERROR_DENIED, as `memparcel_do_accept()` at
 * bf31a9ac9ec3 does (`vm_info->mapped`; at 0accef9 it would map the parcel a second time).
 */
import { and, assign, setup } from 'xstate';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export type MemparcelKind = 'lend' | 'share' | 'donate';
export type MemparcelRights = 'r' | 'rw';

export interface MemparcelAclEntry {
  readonly vm: string;
  readonly rights: MemparcelRights;
}

export interface GunyahMemparcelInput {
  /** The memparcel handle (`mp_handles++`), for messages only. */
  readonly handle: number;
  /** The VM that creates the parcel (`owner_vmid`); `host` is HLOS, the primary VM. */
  readonly owner: string;
  /** MEM_LEND, MEM_SHARE or MEM_DONATE (`trans_type`). */
  readonly kind: MemparcelKind;
  /** The access list (`vm_list`): for a share it names the owner too. */
  readonly acl: readonly MemparcelAclEntry[];
}

export interface GunyahMemparcelContext extends GunyahMemparcelInput {
  /** The ACL's VMs that have it accepted (`vm_info->shared`), in ACL order. */
  readonly accepted: readonly string[];
}

export type GunyahMemparcelEvent =
  /** MEM_LEND / MEM_SHARE / MEM_DONATE from the owner (`memparcel_create()` → `memparcel_construct()`). */
  | { readonly type: 'MEM_CREATE' }
  /** MEM_ACCEPT by `vm`, mapping into itself (`memparcel_do_accept()`). */
  | { readonly type: 'MEM_ACCEPT'; readonly vm: string }
  /** MEM_RELEASE by `vm` (`memparcel_release()`). */
  | { readonly type: 'MEM_RELEASE'; readonly vm: string }
  /** MEM_RECLAIM by `vm` (`memparcel_do_reclaim()`). */
  | { readonly type: 'MEM_RECLAIM'; readonly vm: string };

const actorOf = (event: GunyahMemparcelEvent) => ('vm' in event ? event.vm : undefined);
const inAcl = (context: GunyahMemparcelContext, vm: string | undefined) =>
  context.acl.some((entry) => entry.vm === vm);

export const gunyahMemparcelMachine = setup({
  types: {
    context: {} as GunyahMemparcelContext,
    events: {} as GunyahMemparcelEvent,
    input: {} as GunyahMemparcelInput,
  },
  guards: {
    /**
     * `memparcel_do_accept()` in src/memparcel/memparcel.c: `lookup_vm_info()` of the mapping VM
     * finds no ACL entry (RM_ERROR_VMID_INVALID).
     */
    accepterInAcl: ({ context, event }) => inAcl(context, actorOf(event)),
    /**
     * `memparcel_do_accept()` in src/memparcel/memparcel.c: the owner cannot accept its own
     * parcel (RM_ERROR_DENIED), which matters for a share, whose ACL names the owner.
     */
    accepterNotOwner: ({ context, event }) => actorOf(event) !== context.owner,
    /**
     * `memparcel_do_accept()` in src/memparcel/memparcel.c (bf31a9ac9ec3): a VM that has the
     * parcel mapped already is refused (RM_ERROR_DENIED).
     */
    notYetAccepted: ({ context, event }) => !context.accepted.includes(actorOf(event) ?? ''),
    /**
     * `memparcel_release()` in src/memparcel/memparcel.c: a VM outside the ACL gets
     * RM_ERROR_HANDLE_INVALID, the owner RM_ERROR_DENIED, an ACL VM that has not accepted
     * RM_ERROR_MEM_RELEASED.
     */
    releaserAccepted: ({ context, event }) => context.accepted.includes(actorOf(event) ?? ''),
    /** `memparcel_do_reclaim()` in src/memparcel/memparcel.c: only the owner (RM_ERROR_DENIED). */
    reclaimerIsOwner: ({ context, event }) => actorOf(event) === context.owner,
    /** `memparcel_do_accept()` in src/memparcel/memparcel.c: a donation completes on accept. */
    isDonation: ({ context }) => context.kind === 'donate',
    /**
     * `memparcel_release()` in src/memparcel/memparcel.c: `share_count` drops to 0 and the
     * parcel goes back to MEMPARCEL_STATE_SHARING.
     */
    lastAcceptor: ({ context }) => context.accepted.length === 1,
  },
  actions: {
    /** `map_vm->shared = true; mp->share_count++`. */
    addAcceptor: assign(({ context, event }) => ({
      accepted: context.acl
        .map((e) => e.vm)
        .filter((vm) => vm === actorOf(event) || context.accepted.includes(vm)),
    })),
    /** `vm_info->shared = false; mp->share_count--`. */
    removeAcceptor: assign(({ context, event }) => ({
      accepted: context.accepted.filter((vm) => vm !== actorOf(event)),
    })),
    /** `delete_memparcel()` after the accept of a donation: the acceptor owns the memory. */
    moveOwnership: assign(({ event }) => ({ owner: actorOf(event) ?? '', accepted: [] })),
  },
}).createMachine({
  id: 'gunyahMemparcel',
  description:
    'One Gunyah memory parcel: lent, shared or donated by its owner to the VMs of its access list, accepted, released and reclaimed through the resource manager.',
  context: ({ input }) => ({ ...input, accepted: [] }),
  initial: 'none',
  states: {
    none: {
      description: 'Not created',
      on: {
        /** `memparcel_construct()`: the owner loses (lend, donate) or narrows (share) its mapping. */
        MEM_CREATE: { target: 'sharing' },
      },
    },
    sharing: {
      description: 'MEMPARCEL_STATE_SHARING: created, no VM has it accepted',
      on: {
        MEM_ACCEPT: [
          {
            guard: and(['accepterInAcl', 'accepterNotOwner', 'isDonation']),
            target: 'donated',
            actions: 'moveOwnership',
          },
          { guard: and(['accepterInAcl', 'accepterNotOwner']), target: 'shared', actions: 'addAcceptor' },
        ],
        /** `memparcel_do_reclaim()`: remap into the owner RWX and `delete_memparcel()`. */
        MEM_RECLAIM: { guard: 'reclaimerIsOwner', target: 'reclaimed' },
      },
    },
    shared: {
      description: 'MEMPARCEL_STATE_SHARED: mapped in the VMs that accepted it',
      on: {
        MEM_ACCEPT: {
          guard: and(['accepterInAcl', 'accepterNotOwner', 'notYetAccepted']),
          actions: 'addAcceptor',
        },
        MEM_RELEASE: [
          { guard: and(['releaserAccepted', 'lastAcceptor']), target: 'sharing', actions: 'removeAcceptor' },
          { guard: 'releaserAccepted', actions: 'removeAcceptor' },
        ],
      },
    },
    reclaimed: { description: 'Reclaimed: the parcel is deleted, the owner maps the memory again' },
    donated: { description: 'Donated: the parcel is deleted, the acceptor owns the memory' },
  },
});

type MemparcelGuard = keyof typeof gunyahMemparcelMachine.implementations.guards;

export const gunyahMemparcelRefusals: RefusalTable<
  MemparcelGuard,
  GunyahMemparcelContext,
  GunyahMemparcelEvent
> = {
  unhandled: {
    default: 'RM_ERROR_HANDLE_INVALID',
    /** `memparcel_release()` on a parcel nobody accepted: the caller's entry is not shared. */
    MEM_RELEASE: (context, event, state) =>
      state === 'sharing'
        ? !inAcl(context, actorOf(event))
          ? 'RM_ERROR_HANDLE_INVALID'
          : actorOf(event) === context.owner
            ? 'RM_ERROR_DENIED'
            : 'RM_ERROR_MEM_RELEASED'
        : 'RM_ERROR_HANDLE_INVALID',
    /** `memparcel_do_reclaim()`: the owner while SHARED gets RM_ERROR_MEM_INUSE. */
    MEM_RECLAIM: (context, event, state) =>
      state === 'shared'
        ? actorOf(event) === context.owner
          ? 'RM_ERROR_MEM_INUSE'
          : 'RM_ERROR_DENIED'
        : 'RM_ERROR_HANDLE_INVALID',
    MEM_CREATE: 'NOT_ISSUED',
  },
  guards: {
    accepterInAcl: 'RM_ERROR_VMID_INVALID',
    accepterNotOwner: 'RM_ERROR_DENIED',
    notYetAccepted: 'RM_ERROR_DENIED',
    releaserAccepted: 'RM_ERROR_MEM_RELEASED',
    reclaimerIsOwner: 'RM_ERROR_DENIED',
    isDonation: 'NOT_ISSUED',
    lastAcceptor: 'NOT_ISSUED',
  },
};

/** The parcel's rights for `vm` now: what its stage-2 maps through the parcel, if anything. */
export function memparcelAccess(
  snapshot: MachineSnapshot<GunyahMemparcelContext>,
  vm: string,
): 'owner' | MemparcelRights | undefined {
  const { context, value } = snapshot;
  if (value === 'none' || value === 'reclaimed') return vm === context.owner ? 'owner' : undefined;
  if (value === 'donated') return vm === context.owner ? 'owner' : undefined;
  const entry = context.acl.find((e) => e.vm === vm);
  // A share keeps the owner mapped with its ACL rights (`memextent_update_access()`); a lend or
  // a pending donation unmaps it (`gunyah_hyp_addrspace_unmap()`).
  if (vm === context.owner) return context.kind === 'share' ? entry?.rights : undefined;
  return context.accepted.includes(vm) ? entry?.rights : undefined;
}

/** True iff `vm` has the parcel accepted now. */
export function memparcelAcceptedBy(snapshot: MachineSnapshot<GunyahMemparcelContext>, vm: string): boolean {
  return snapshot.value === 'shared' && snapshot.context.accepted.includes(vm);
}

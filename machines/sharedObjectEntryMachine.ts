/**
 * One entry of QEMU's virtio shared-object table, keyed by a UUID: absent, a `TYPE_DMABUF`
 * entry (an fd a QEMU device added), or a `TYPE_VHOST_DEV` entry (a vhost-user back-end that
 * exports the object itself and answers for it).
 *
 * Sources:
 * - `qemu/qemu: hw/display/virtio-dmabuf.c` — the table (`virtio_add_resource()`,
 *   `virtio_add_dmabuf()`, `virtio_add_vhost_device()`, `virtio_remove_resource()`,
 *   `virtio_object_type()`, and the newer `virtio_dmabuf_vhost_cleanup()` called from
 *   `vhost_dev_cleanup()` in `hw/virtio/vhost.c`);
 * - `qemu/qemu: hw/virtio/vhost-user.c` (commit 019fbfa4) — the back-end channel handlers
 *   `vhost_user_backend_handle_shared_object_add/remove/lookup()` and
 *   `vhost_user_get_shared_object()`;
 * - `qemu/qemu: docs/interop/vhost-user.rst` — messages 6, 7, 8 and front-end message 41.
 *
 * Rules as the code has them:
 * - First writer wins: an add for a UUID already present fails and keeps the old entry.
 * - `SHARED_OBJECT_ADD` always registers a `TYPE_VHOST_DEV` entry owned by the sender;
 *   `TYPE_DMABUF` entries come only from QEMU devices (`virtio_add_dmabuf()`).
 * - `SHARED_OBJECT_REMOVE` removes only a `TYPE_VHOST_DEV` entry the sender owns; anything else
 *   returns 1 silently (the source's "Not allowed to remove non-owned entries" is a comment, not a
 *   log line). The sender learns of it only through REPLY_ACK, if it asked for a reply.
 * - `SHARED_OBJECT_LOOKUP` has no access control: any back-end that knows the UUID receives the
 *   fd — QEMU's own fd for `TYPE_DMABUF`, or, for `TYPE_VHOST_DEV`, the owner's fd, fetched with
 *   `VHOST_USER_GET_SHARED_OBJECT` on the owner's front-end channel. That is the real behaviour
 *   and this machine's default; `sharedObjectEntryWithAccessControlMachine` is the design fix the
 *   `sharedObjectTableAuthority` property asks for (an allow-list given at add time).
 * - `virtio_dmabuf_vhost_cleanup(dev)` removes every `TYPE_VHOST_DEV` entry owned by `dev` when
 *   `vhost_dev_cleanup()` runs (back-end crash or hot unplug); `TYPE_DMABUF` entries stay.
 *
 * Status-word history (a note, not a variant): the REPLY_ACK payload is `!!ret`. Before QEMU
 * commit eea5aeef84e1 (Oct 2024) the add/remove handlers returned the inverted status: 1 on
 * success, and the owner check returned 0 on refusal, so a back-end asking for a reply read a
 * refused remove as success. The model's codes are the current ones.
 *
 * Facts from the world (event fields): who sends each message (`backend`), the allow-list of an
 * add (variant only), and for a lookup of a `TYPE_VHOST_DEV` entry what the owner answers to
 * `VHOST_USER_GET_SHARED_OBJECT` (`ownerReply`, from the owner's vhost back-end machine: a dead
 * owner's channel cannot be written).
 *
 * Emitted: `SHARED_OBJECT_FD_HANDED { uuid, to, from, via }` when a lookup hands a dma-buf fd to
 * a back-end: `to` now holds the buffer; `from` is the owner back-end, or `qemu:<device>` for a
 * `TYPE_DMABUF` entry.
 *
 * Observation [inference from vhost-user.c]: the lookup handler attaches the fd with
 * `qemu_chr_fe_set_msgfds()` on the requester's front-end chardev but writes the reply on the
 * back-end channel, so the fd seems to travel with the next front-end message to that back-end
 * rather than with the reply. Either way the requester ends up holding it, as modelled.
 *
 * Not modelled: `virtio_free_resources()` (whole-table teardown), the NULL-dev add (unreachable
 * from vhost-user), the key stored as a pointer to the handler's stack copy of the UUID, and
 * the type-check/lookup TOCTOU between two separately locked calls.
 */
import { and, assign, emit, setup } from 'xstate';
import type { MachineFlaw } from './flaws.ts';
import type { ErrorCode, RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

/** A vhost-user back-end as the world names it (one `struct vhost_dev` with the back-end channel). */
export type BackendId = string;

/**
 * What the owner back-end answers to `VHOST_USER_GET_SHARED_OBJECT` (`vhost_user_get_shared_object()`):
 * the fd; a reply without fd (-EIO, "Failed to get dmabuf fd"); a reply of another type
 * (-EPROTO); or nothing, because its channel is closed (the write fails: -EIO).
 */
export type OwnerReply = 'fd' | 'noFd' | 'unexpectedType' | 'channelClosed';

export interface SharedObjectEntryInput {
  readonly uuid: string;
}

export interface SharedObjectEntryContext {
  readonly uuid: string;
  /** `TYPE_VHOST_DEV`: the back-end that sent `SHARED_OBJECT_ADD`; null otherwise. */
  readonly owner: BackendId | null;
  /** `TYPE_DMABUF`: the QEMU device that called `virtio_add_dmabuf()`; null otherwise. */
  readonly device: string | null;
  /** Access-control variant only: the back-ends the adder allowed to look the entry up. */
  readonly allowed: readonly BackendId[];
  /** Back-ends that received the fd through a lookup since the entry was added (sorted). */
  readonly handedTo: readonly BackendId[];
}

export type SharedObjectEntryEvent =
  /** `virtio_add_dmabuf(uuid, fd)` by a QEMU device; `fdValid` is `fd >= 0`. */
  | {
      readonly type: 'VIRTIO_ADD_DMABUF';
      readonly device: string;
      readonly fdValid: boolean;
      readonly allowed?: readonly BackendId[];
    }
  /** `VHOST_USER_BACKEND_SHARED_OBJECT_ADD` (6) from `backend`. */
  | {
      readonly type: 'SHARED_OBJECT_ADD';
      readonly backend: BackendId;
      readonly allowed?: readonly BackendId[];
    }
  /** `VHOST_USER_BACKEND_SHARED_OBJECT_REMOVE` (7) from `backend`. */
  | { readonly type: 'SHARED_OBJECT_REMOVE'; readonly backend: BackendId }
  /** `VHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP` (8) from `backend`; `ownerReply` for TYPE_VHOST_DEV. */
  | { readonly type: 'SHARED_OBJECT_LOOKUP'; readonly backend: BackendId; readonly ownerReply: OwnerReply }
  /** `virtio_remove_resource(uuid)` by QEMU itself (no type or owner check). */
  | { readonly type: 'VIRTIO_REMOVE_RESOURCE' }
  /** `virtio_dmabuf_vhost_cleanup(dev)` from `vhost_dev_cleanup()`, routed from a vhost back-end. */
  | { readonly type: 'VHOST_DEV_CLEANUP'; readonly backend: BackendId };

export interface SharedObjectFdHandedEvent {
  readonly type: 'SHARED_OBJECT_FD_HANDED';
  readonly uuid: string;
  /** The back-end that now holds a dma-buf fd for the object. */
  readonly to: BackendId;
  /** Where the fd came from: the owner back-end, or `qemu:<device>` for TYPE_DMABUF. */
  readonly from: string;
  readonly via: 'virtio_lookup_dmabuf' | 'VHOST_USER_GET_SHARED_OBJECT';
}

type Args = { context: SharedObjectEntryContext; event: SharedObjectEntryEvent };

function sender(event: SharedObjectEntryEvent): BackendId | null {
  return 'backend' in event ? event.backend : null;
}

function withHolder(holders: readonly BackendId[], holder: BackendId): readonly BackendId[] {
  return holders.includes(holder) ? holders : [...holders, holder].sort();
}

function allowList(event: SharedObjectEntryEvent): readonly BackendId[] {
  return 'allowed' in event && event.allowed ? [...event.allowed].sort() : [];
}

export const sharedObjectEntryMachine = setup({
  types: {
    context: {} as SharedObjectEntryContext,
    events: {} as SharedObjectEntryEvent,
    input: {} as SharedObjectEntryInput,
    emitted: {} as SharedObjectFdHandedEvent,
  },
  guards: {
    /** `virtio_add_dmabuf()` in virtio-dmabuf.c: a negative fd returns false before the table is touched. */
    dmabufFdIsValid: ({ event }) => event.type === 'VIRTIO_ADD_DMABUF' && event.fdValid,
    /**
     * `vhost_user_backend_handle_shared_object_remove()` in vhost-user.c: only a
     * `TYPE_VHOST_DEV` entry may be removed over vhost-user; the default branch returns 1.
     */
    entryIsVhostDevice: ({ context }) => context.owner !== null,
    /** Same handler: `dev != owner` returns 1 ("Not allowed to remove non-owned entries"). */
    requesterOwnsEntry: ({ context, event }) => context.owner !== null && context.owner === sender(event),
    /**
     * `vhost_user_backend_handle_shared_object_lookup()` in vhost-user.c checks nothing about the
     * requester: always true. `sharedObjectEntryWithAccessControlMachine` replaces it.
     */
    requesterMayLookUp: () => true,
    /** `vhost_user_get_shared_object()`: `vhost_user_write()` to the owner fails on a closed channel (-EIO). */
    ownerChannelWritable: ({ event }) =>
      event.type === 'SHARED_OBJECT_LOOKUP' && event.ownerReply !== 'channelClosed',
    /** `vhost_user_get_shared_object()`: a reply of another type gives -EPROTO ("Received unexpected msg type"). */
    ownerReplyIsGetSharedObject: ({ event }) =>
      event.type === 'SHARED_OBJECT_LOOKUP' && event.ownerReply !== 'unexpectedType',
    /** `vhost_user_get_shared_object()`: no fd in the reply gives -EIO ("Failed to get dmabuf fd"). */
    ownerReplyCarriesFd: ({ event }) => event.type === 'SHARED_OBJECT_LOOKUP' && event.ownerReply === 'fd',
    /**
     * `virtio_dmabuf_resource_is_owned()` in virtio-dmabuf.c, the predicate of
     * `virtio_dmabuf_vhost_cleanup(dev)`: `type == TYPE_VHOST_DEV && value.dev == dev`.
     */
    entryOwnedByDev: ({ context, event }) =>
      event.type === 'VHOST_DEV_CLEANUP' && context.owner !== null && context.owner === event.backend,
  },
  actions: {
    /** `virtio_add_resource()` inserts `{TYPE_DMABUF, fd}`. */
    addDmabuf: assign(({ event }) => ({
      owner: null,
      device: event.type === 'VIRTIO_ADD_DMABUF' ? event.device : null,
      allowed: allowList(event),
      handedTo: [],
    })),
    /** `virtio_add_vhost_device()` inserts `{TYPE_VHOST_DEV, dev}`: the sender owns the entry. */
    addVhostDevice: assign(({ event }) => ({
      owner: sender(event),
      device: null,
      allowed: allowList(event),
      handedTo: [],
    })),
    /** `g_hash_table_remove()`: the value is freed; a TYPE_DMABUF fd is not closed. */
    clearEntry: assign({ owner: null, device: null, allowed: [], handedTo: [] }),
    recordHolder: assign(({ context, event }: Args) => ({
      handedTo: withHolder(context.handedTo, sender(event) ?? ''),
    })),
    /** `virtio_lookup_dmabuf()`: QEMU's own fd goes back to the requester. */
    handDmabufFd: emit(({ context, event }: Args) => ({
      type: 'SHARED_OBJECT_FD_HANDED' as const,
      uuid: context.uuid,
      to: sender(event) ?? '',
      from: `qemu:${context.device ?? ''}`,
      via: 'virtio_lookup_dmabuf' as const,
    })),
    /** `vhost_user_get_shared_object(owner)`: the owner's fd is passed on to the requester. */
    handOwnerFd: emit(({ context, event }: Args) => ({
      type: 'SHARED_OBJECT_FD_HANDED' as const,
      uuid: context.uuid,
      to: sender(event) ?? '',
      from: context.owner ?? '',
      via: 'VHOST_USER_GET_SHARED_OBJECT' as const,
    })),
  },
}).createMachine({
  id: 'sharedObjectEntry',
  description:
    "One entry of QEMU's virtio shared-object table, keyed by a UUID: absent, a dma-buf entry, or a vhost-user back-end's entry.",
  context: ({ input }) => ({ uuid: input.uuid, owner: null, device: null, allowed: [], handedTo: [] }),
  initial: 'absent',
  states: {
    absent: {
      description: 'No entry for the UUID (virtio_object_type() is TYPE_INVALID)',
      on: {
        /** `virtio_add_dmabuf()` → `virtio_add_resource()`: inserted, returns true. */
        VIRTIO_ADD_DMABUF: { guard: 'dmabufFdIsValid', target: 'dmabuf', actions: 'addDmabuf' },
        /** `vhost_user_backend_handle_shared_object_add()` → `virtio_add_vhost_device()`: returns 0. */
        SHARED_OBJECT_ADD: { target: 'vhostDevice', actions: 'addVhostDevice' },
      },
    },
    dmabuf: {
      description: 'TYPE_DMABUF: a QEMU-held dma-buf fd added by a QEMU device',
      on: {
        /** The default branch of the remove handler refuses; the pre-#256 handler removed anything. */
        SHARED_OBJECT_REMOVE: {
          guard: and(['entryIsVhostDevice', 'requesterOwnsEntry']),
          target: 'absent',
          actions: 'clearEntry',
        },
        /** Lookup, TYPE_DMABUF: `virtio_lookup_dmabuf()`, fd sent with u64 = 0. */
        SHARED_OBJECT_LOOKUP: {
          guard: 'requesterMayLookUp',
          actions: ['recordHolder', 'handDmabufFd'],
        },
        /** `virtio_remove_resource()` by QEMU: no type or owner check. */
        VIRTIO_REMOVE_RESOURCE: { target: 'absent', actions: 'clearEntry' },
      },
    },
    vhostDevice: {
      description: 'TYPE_VHOST_DEV: a vhost-user back-end exports the object and answers for it',
      on: {
        /** Remove handler: owner check, then `!virtio_remove_resource()` (0 on success). */
        SHARED_OBJECT_REMOVE: {
          guard: and(['entryIsVhostDevice', 'requesterOwnsEntry']),
          target: 'absent',
          actions: 'clearEntry',
        },
        /** Lookup, TYPE_VHOST_DEV: proxied to the owner with `VHOST_USER_GET_SHARED_OBJECT` (41). */
        SHARED_OBJECT_LOOKUP: {
          guard: and([
            'requesterMayLookUp',
            'ownerChannelWritable',
            'ownerReplyIsGetSharedObject',
            'ownerReplyCarriesFd',
          ]),
          actions: ['recordHolder', 'handOwnerFd'],
        },
        VIRTIO_REMOVE_RESOURCE: { target: 'absent', actions: 'clearEntry' },
        /** `virtio_dmabuf_vhost_cleanup(dev)`: removed when `dev` owns the entry. */
        VHOST_DEV_CLEANUP: { guard: 'entryOwnedByDev', target: 'absent', actions: 'clearEntry' },
      },
    },
  },
});

/**
 * The design fix `sharedObjectTableAuthority` asks for (not in QEMU): the adder names the back-ends
 * that may look the entry up; the owner may always look up its own entry. A refused lookup is
 * answered like any failed lookup (u64 < 0, no fd).
 */
export const sharedObjectEntryWithAccessControlMachine = sharedObjectEntryMachine.provide({
  guards: {
    requesterMayLookUp: ({ context, event }) => {
      const requester = sender(event);
      return requester !== null && (requester === context.owner || context.allowed.includes(requester));
    },
  },
});

type EntryGuard = keyof typeof sharedObjectEntryMachine.implementations.guards;

/** An add that finds the UUID present: `virtio_add_resource()` returns false, old entry kept. */
function addWhenPresent(_context: SharedObjectEntryContext, event: SharedObjectEntryEvent): ErrorCode {
  if (event.type === 'VIRTIO_ADD_DMABUF' && !event.fdValid) return 'EINVAL';
  return 'QEMU_SHARED_OBJECT_EXISTS';
}

export const sharedObjectEntryRefusals: RefusalTable<
  EntryGuard,
  SharedObjectEntryContext,
  SharedObjectEntryEvent
> = {
  unhandled: {
    default: 'NOT_ISSUED',
    VIRTIO_ADD_DMABUF: addWhenPresent,
    SHARED_OBJECT_ADD: addWhenPresent,
    /** TYPE_INVALID falls into the handler's default branch: the same reply 1 as a non-owned entry. */
    SHARED_OBJECT_REMOVE: 'QEMU_NO_SUCH_OBJECT',
    /** TYPE_INVALID: u64 = -EINVAL, no fd. */
    SHARED_OBJECT_LOOKUP: 'EINVAL',
    /** `g_hash_table_remove()` finds nothing: `virtio_remove_resource()` returns false. */
    VIRTIO_REMOVE_RESOURCE: 'QEMU_NO_SUCH_OBJECT',
    /** The cleanup walk skips entries that are absent or TYPE_DMABUF. */
    VHOST_DEV_CLEANUP: 'NO_EFFECT',
  },
  guards: {
    /** `virtio_add_dmabuf()` returns false; no errno (the closest code). */
    dmabufFdIsValid: 'EINVAL',
    entryIsVhostDevice: 'QEMU_NOT_OWNER',
    requesterOwnsEntry: 'QEMU_NOT_OWNER',
    /** Variant only (QEMU has no such check): the proposed answer is u64 = -EACCES, no fd. */
    requesterMayLookUp: 'EACCES',
    ownerChannelWritable: 'EIO',
    ownerReplyIsGetSharedObject: 'EPROTO',
    ownerReplyCarriesFd: 'EIO',
    entryOwnedByDev: 'NO_EFFECT',
  },
};

type SharedObjectEntryProvide = Parameters<typeof sharedObjectEntryMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const sharedObjectEntryFlaws = {
  lookupWithoutAccessControl: {
    summary:
      "Any vhost-user back-end that knows a UUID gets the object's dma-buf fd: QEMU's " +
      'vhost_user_backend_handle_shared_object_lookup() (hw/virtio/vhost-user.c) checks no requester ' +
      'identity or grant. This is the real default; the switch turns the access-controlled variant back into it.',
    provide: { guards: { requesterMayLookUp: () => true } },
  },
  removeByNonOwner: {
    summary:
      'Any back-end can remove any shared-object entry, TYPE_DMABUF included, as the original 8.2-era ' +
      'vhost_user_backend_handle_shared_object_remove() did before the owner check of QEMU PR #256.',
    provide: { guards: { entryIsVhostDevice: () => true, requesterOwnsEntry: () => true } },
  },
  staleEntriesAfterBackendDeath: {
    summary:
      "A crashed or unplugged back-end's TYPE_VHOST_DEV entries stay in the table, pointing at a dead " +
      'vhost_dev and blocking the UUID, as before vhost_dev_cleanup() (hw/virtio/vhost.c) called ' +
      'virtio_dmabuf_vhost_cleanup().',
    provide: { guards: { entryOwnedByDev: () => false } },
  },
} as const satisfies Record<string, MachineFlaw<SharedObjectEntryProvide>>;

/** True iff the table has no entry under this UUID. */
export function entryIsAbsent(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'absent';
}

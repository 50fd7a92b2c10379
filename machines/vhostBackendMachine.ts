/**
 * A vhost-user back-end's life as QEMU (the front-end) sees it: connecting, connected with the
 * negotiated protocol features and, if `VHOST_USER_PROTOCOL_F_BACKEND_REQ` was negotiated, a
 * back-end channel on which it sends the shared-object messages; then dead (its socket closed:
 * a crash) or unplugged (the device was hot-unplugged). Both ends run `vhost_dev_cleanup()`,
 * which removes the back-end's shared objects.
 *
 * Sources:
 * - `qemu/qemu: hw/virtio/vhost-user.c` (commit 019fbfa4) — `vhost_user_backend_init()`
 *   (GET/SET_PROTOCOL_FEATURES, then `vhost_setup_backend_channel()` for `vq_index == 0`),
 *   `vhost_setup_backend_channel()` (nothing without `F_BACKEND_REQ`) and `backend_read()`;
 * - `qemu/qemu: hw/virtio/vhost.c` — `vhost_dev_cleanup()`, which calls
 *   `virtio_dmabuf_vhost_cleanup(hdev)` ("free virtio shared objects"; patch "hw/virtio: cleanup
 *   shared resources", 2024);
 * - `qemu/qemu: docs/interop/vhost-user.rst` — the shared-object messages "need"
 *   `VHOST_USER_PROTOCOL_F_SHARED_OBJECT`.
 *
 * Where the sources disagree: the spec makes the shared-object messages depend on
 * `F_SHARED_OBJECT`, but `backend_read()` dispatches them without checking any feature; the only
 * gate QEMU has is the back-end channel itself, which exists only with `F_BACKEND_REQ`. The
 * default machine is QEMU's code; `vhostBackendChecksSharedObjectMachine` enforces the spec.
 *
 * How the world uses it: a back-end's shared-object message is delivered to its back-end machine
 * (`BACKEND_SHARED_OBJECT_*`, the gate) and to the UUID's table entry (`SHARED_OBJECT_*`). For a
 * lookup of a `TYPE_VHOST_DEV` entry the world fills `ownerReply` from the owner's machine
 * (`channelClosed` unless the owner is `connected`).
 *
 * Emitted: `VHOST_DEV_CLEANUP { backend, reason }` when `vhost_dev_cleanup()` runs (socket closed
 * or device unplugged); the world routes it to every table entry as `VHOST_DEV_CLEANUP { backend }`
 * (optional deliveries: entries the back-end does not own answer NO_EFFECT).
 *
 * Not modelled: the other back-end messages (IOTLB, config change, host notifiers), front-end
 * messages other than protocol-feature negotiation, and init failures (-EPROTO aborts realize).
 */
import { and, assign, emit, setup } from 'xstate';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export interface VhostProtocolFeatures {
  /** `VHOST_USER_PROTOCOL_F_BACKEND_REQ`: QEMU sets up the back-end channel. */
  readonly backendReq: boolean;
  /** `VHOST_USER_PROTOCOL_F_REPLY_ACK`: a back-end can ask for the status of each message. */
  readonly replyAck: boolean;
  /** `VHOST_USER_PROTOCOL_F_SHARED_OBJECT`. */
  readonly sharedObject: boolean;
}

export interface VhostBackendInput {
  /** The back-end's name in the world (the `backend` of table events). */
  readonly backend: string;
}

export interface VhostBackendContext extends VhostProtocolFeatures {
  readonly backend: string;
}

export type VhostBackendEvent =
  /** `vhost_user_backend_init()`: GET_PROTOCOL_FEATURES & mask, then SET_PROTOCOL_FEATURES. */
  | ({ readonly type: 'VHOST_USER_SET_PROTOCOL_FEATURES' } & VhostProtocolFeatures)
  /** `backend_read()` receives VHOST_USER_BACKEND_SHARED_OBJECT_ADD (6). */
  | { readonly type: 'BACKEND_SHARED_OBJECT_ADD' }
  /** `backend_read()` receives VHOST_USER_BACKEND_SHARED_OBJECT_REMOVE (7). */
  | { readonly type: 'BACKEND_SHARED_OBJECT_REMOVE' }
  /** `backend_read()` receives VHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP (8). */
  | { readonly type: 'BACKEND_SHARED_OBJECT_LOOKUP' }
  /** The chardev reports `CHR_EVENT_CLOSED` (the back-end crashed or exited). */
  | { readonly type: 'CHR_EVENT_CLOSED' }
  /** The chardev reports `CHR_EVENT_OPENED` again (devices that reconnect, such as vhost-user-blk). */
  | { readonly type: 'CHR_EVENT_OPENED' }
  /** `device_del`: the device is unrealized (hot unplug). */
  | { readonly type: 'DEVICE_DEL' };

export interface VhostDevCleanupEvent {
  readonly type: 'VHOST_DEV_CLEANUP';
  readonly backend: string;
  readonly reason: 'socketClosed' | 'unplug';
}

const NO_FEATURES: VhostProtocolFeatures = { backendReq: false, replyAck: false, sharedObject: false };

export const vhostBackendMachine = setup({
  types: {
    context: {} as VhostBackendContext,
    events: {} as VhostBackendEvent,
    input: {} as VhostBackendInput,
    emitted: {} as VhostDevCleanupEvent,
  },
  guards: {
    /**
     * `vhost_setup_backend_channel()` in vhost-user.c returns early without
     * `VHOST_USER_PROTOCOL_F_BACKEND_REQ`: there is no channel to send back-end messages on.
     */
    backendChannelSetUp: ({ context }) => context.backendReq,
    /**
     * `backend_read()` in vhost-user.c dispatches the shared-object messages without checking
     * `VHOST_USER_PROTOCOL_F_SHARED_OBJECT`: always true in QEMU (see the spec variant).
     */
    sharedObjectMessagesAccepted: () => true,
  },
  actions: {
    negotiate: assign(({ event }) =>
      event.type === 'VHOST_USER_SET_PROTOCOL_FEATURES'
        ? { backendReq: event.backendReq, replyAck: event.replyAck, sharedObject: event.sharedObject }
        : {},
    ),
    /**
     * The message is read and dispatched to the table; the back-end's own state does not change.
     * The empty assign marks the transition as taken even for a driver that judges acceptance by
     * snapshot identity (XState returns the same snapshot for a transition without actions).
     */
    dispatchBackendMessage: assign(() => ({})),
    forgetFeatures: assign(() => NO_FEATURES),
    cleanupAfterClose: emit(({ context }) => ({
      type: 'VHOST_DEV_CLEANUP' as const,
      backend: context.backend,
      reason: 'socketClosed' as const,
    })),
    cleanupAfterUnplug: emit(({ context }) => ({
      type: 'VHOST_DEV_CLEANUP' as const,
      backend: context.backend,
      reason: 'unplug' as const,
    })),
  },
}).createMachine({
  id: 'vhostBackend',
  description:
    "A vhost-user back-end's life as QEMU sees it: connecting, connected with a back-end channel, then dead or unplugged.",
  context: ({ input }) => ({ backend: input.backend, ...NO_FEATURES }),
  initial: 'connecting',
  states: {
    connecting: {
      description: 'Socket connected; vhost_user_backend_init() negotiates features',
      on: {
        /** `vhost_user_backend_init()` → SET_PROTOCOL_FEATURES, back-end channel if F_BACKEND_REQ. */
        VHOST_USER_SET_PROTOCOL_FEATURES: { target: 'connected', actions: 'negotiate' },
        /** A crash during init: the device's disconnect path runs `vhost_dev_cleanup()`. */
        CHR_EVENT_CLOSED: { target: 'dead', actions: ['forgetFeatures', 'cleanupAfterClose'] },
        DEVICE_DEL: { target: 'unplugged', actions: ['forgetFeatures', 'cleanupAfterUnplug'] },
      },
    },
    connected: {
      description: 'Features negotiated; the back-end may send messages on its back-end channel',
      on: {
        BACKEND_SHARED_OBJECT_ADD: {
          guard: and(['backendChannelSetUp', 'sharedObjectMessagesAccepted']),
          actions: 'dispatchBackendMessage',
        },
        BACKEND_SHARED_OBJECT_REMOVE: {
          guard: and(['backendChannelSetUp', 'sharedObjectMessagesAccepted']),
          actions: 'dispatchBackendMessage',
        },
        BACKEND_SHARED_OBJECT_LOOKUP: {
          guard: and(['backendChannelSetUp', 'sharedObjectMessagesAccepted']),
          actions: 'dispatchBackendMessage',
        },
        /** Crash: `CHR_EVENT_CLOSED` → the device's disconnect → `vhost_dev_cleanup()`. */
        CHR_EVENT_CLOSED: { target: 'dead', actions: ['forgetFeatures', 'cleanupAfterClose'] },
        /** Hot unplug: unrealize → `vhost_dev_cleanup()`. */
        DEVICE_DEL: { target: 'unplugged', actions: ['forgetFeatures', 'cleanupAfterUnplug'] },
      },
    },
    dead: {
      description: 'Socket closed; vhost_dev_cleanup() ran; the back-end channel is gone',
      on: {
        /** Reconnect: a new back-end process negotiates again on the same `struct vhost_dev`. */
        CHR_EVENT_OPENED: { target: 'connecting' },
        /** Unplug after a crash: unrealize runs the (now idempotent) cleanup again. */
        DEVICE_DEL: { target: 'unplugged', actions: 'cleanupAfterUnplug' },
      },
    },
    unplugged: {
      description: 'The device is gone; its vhost_dev is freed',
      type: 'final',
    },
  },
});

/**
 * The spec's rule (`docs/interop/vhost-user.rst`): the shared-object messages need
 * `VHOST_USER_PROTOCOL_F_SHARED_OBJECT`. QEMU does not check it; this variant refuses them as
 * `backend_read()` refuses an unexpected message (-EINVAL, reply 1 with REPLY_ACK).
 */
export const vhostBackendChecksSharedObjectMachine = vhostBackendMachine.provide({
  guards: { sharedObjectMessagesAccepted: ({ context }) => context.sharedObject },
});

type BackendGuard = keyof typeof vhostBackendMachine.implementations.guards;

export const vhostBackendRefusals: RefusalTable<BackendGuard, VhostBackendContext, VhostBackendEvent> = {
  unhandled: {
    /** Before init, after a crash or after unplug there is no back-end channel to send on. */
    default: 'NOT_ISSUED',
  },
  guards: {
    backendChannelSetUp: 'NOT_ISSUED',
    sharedObjectMessagesAccepted: 'EINVAL',
  },
};

/** True iff the back-end is connected with its back-end channel (it can send requests). */
export function backendIsConnected(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'connected';
}

/**
 * Error codes a refused call returns, as the modelled source returns them, and the table that
 * maps each named check of a machine to the code its failure produces.
 *
 * A machine's guards are named after the check they mirror (`hypPageIsNoPage`,
 * `hypPageNotPinned`); a refused event is explained by the first named check that failed,
 * or by the machine's `unhandled` code when the current state has no transition for it at
 * all (in pKVM: the host-side `__host_check_page_state_range()` returning -EPERM).
 */

/** Linux errno names (returned negated by the kernel). */
export type Errno =
  | 'EPERM'
  | 'ENOENT'
  | 'EFAULT'
  | 'EBUSY'
  | 'EEXIST'
  | 'ENODEV'
  | 'EINVAL'
  | 'E2BIG'
  | 'ENOMEM'
  | 'EACCES'
  | 'EAGAIN'
  | 'EOVERFLOW'
  | 'EPROTO'
  | 'EIO'
  | 'ENOSPC'
  | 'EOPNOTSUPP'
  | 'EHWPOISON';

/**
 * The kernel would hit `BUG()` or `WARN_ON()` instead of returning an error (for example
 * `hyp_page_ref_dec()` on a zero refcount). The model refuses the call and says so.
 */
export type KernelBug = 'KERNEL_BUG';

/** The call returns success but changes nothing (for example MEM_RELINQUISH from a non-protected VM). */
export type NoEffect = 'NO_EFFECT';

/** FF-A status codes (Arm DEN0077, `FFA_RET_*`). */
export type FfaStatus =
  | 'FFA_RET_NOT_SUPPORTED'
  | 'FFA_RET_INVALID_PARAMETERS'
  | 'FFA_RET_NO_MEMORY'
  | 'FFA_RET_BUSY'
  | 'FFA_RET_DENIED'
  | 'FFA_RET_ABORTED';

/** Xen grant-table status codes (`GNTST_*`, xen/include/public/grant_table.h). */
export type XenGrantStatus =
  | 'GNTST_general_error'
  | 'GNTST_bad_gntref'
  | 'GNTST_bad_handle'
  | 'GNTST_permission_denied';

/** Arm CCA RMI status codes (`RMI_ERROR_*`, TF-RMM lib/smc/include/smc-rmi.h). */
export type RmiStatus = 'RMI_ERROR_INPUT' | 'RMI_ERROR_REALM' | 'RMI_ERROR_RTT';
/** Gunyah resource-manager errors (`rm_error_t`, gunyah-resource-manager `RM_ERROR_*`). */
export type GunyahRmError =
  | 'RM_ERROR_HANDLE_INVALID'
  | 'RM_ERROR_VMID_INVALID'
  | 'RM_ERROR_DENIED'
  | 'RM_ERROR_MEM_RELEASED'
  | 'RM_ERROR_MEM_INUSE'
  | 'RM_ERROR_ARGUMENT_INVALID';

/** Status words of other layers (TEE Internal Core API, Widevine CDM, virtio, QEMU). */
export type OtherStatus =
  /** TEE Internal Core API (`TEE_CheckMemoryAccessRights()` and friends). */
  | 'TEE_ERROR_ACCESS_DENIED'
  | 'TEE_ERROR_BAD_PARAMETERS'
  | 'TEE_ERROR_BAD_STATE'
  | 'TEE_ERROR_SECURITY'
  /** Widevine CDM / OEMCrypto. */
  | 'SECURE_BUFFER_REQUIRED'
  | 'OEMCrypto_ERROR_INSUFFICIENT_HDCP'
  /** A transaction's firmware filter (TZASC/TZC-400) rejects the access. */
  | 'TZASC_DENIED'
  /** QEMU's shared-object table (`hw/display/virtio-dmabuf.c`, `hw/virtio/vhost-user.c`). */
  | 'QEMU_SHARED_OBJECT_EXISTS'
  | 'QEMU_NOT_OWNER'
  | 'QEMU_NO_SUCH_OBJECT'
  /** Linux `gnttab_end_foreign_access_ref()` returns 0: the grant entry is still in use. */
  | 'XEN_GRANT_IN_USE';

/**
 * The modelled caller never makes this call in this state: a sequencing rule of the caller (the
 * host's teardown loop, say), not a refusal by the callee.
 */
export type NotIssued = 'NOT_ISSUED';

export type ErrorCode =
  | Errno
  | KernelBug
  | NoEffect
  | NotIssued
  | FfaStatus
  | XenGrantStatus
  | RmiStatus
  | GunyahRmError
  | OtherStatus;

/**
 * The code for an event the current state has no transition for. A function when the source
 * checks the other side first (a guest PTE before the host state, say), so the code depends on
 * that side's view.
 */
export type UnhandledCode<Context, Event> =
  | ErrorCode
  | ((context: Context, event: Event, state: string) => ErrorCode);

/**
 * How a machine explains a refusal: the code for an event its current state does not handle,
 * and the code each named check returns when it fails.
 */
export interface RefusalTable<GuardName extends string = string, Context = never, Event = never> {
  /** Code for an event with no transition in the current state (per event type, else `default`). */
  readonly unhandled: { readonly default: ErrorCode } & Readonly<
    Record<string, UnhandledCode<Context, Event>>
  >;
  readonly guards: Readonly<Record<GuardName, ErrorCode>>;
}

/** The error code of a refusal explained by the stepper. */
export function refusalCode<Context, Event extends { readonly type: string }>(
  table: RefusalTable<string, Context, Event>,
  refusal: { readonly reason: 'unhandled' | 'guard'; readonly failedGuard?: string; readonly state: string },
  context: Context,
  event: Event,
): ErrorCode {
  if (refusal.reason === 'unhandled' || refusal.failedGuard === undefined) {
    const code = table.unhandled[event.type] ?? table.unhandled.default;
    return typeof code === 'function' ? code(context, event, refusal.state) : code;
  }
  return (table.guards as Record<string, ErrorCode>)[refusal.failedGuard] ?? table.unhandled.default;
}

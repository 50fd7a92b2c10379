/**
 * Pure helpers for FF-A memory transactions as Hafnium's SPMC keeps them: the flag bits, the
 * access states each side ends up in, and the rule for when the SPMC moves lent memory to the
 * secure physical address space.
 *
 * Sources: `TF-Hafnium/hafnium: src/ffa_memory.c` (`ffa_send_check_transition`,
 * `ffa_retrieve_check_transition`, `ffa_mem_send_get_map_action`),
 * `inc/hf/ffa_memory_internal.h` (`struct ffa_memory_share_state`), Arm DEN0077 (flag bits).
 */

/** The three memory-send calls (32- and 64-bit function IDs are not told apart). */
export type FfaShareFunc = 'FFA_MEM_SHARE' | 'FFA_MEM_LEND' | 'FFA_MEM_DONATE';

/** `FFA_MEMORY_REGION_FLAG_CLEAR`: zero the memory before the borrower gets it (send, retrieve). */
export const FFA_MEMORY_REGION_FLAG_CLEAR = 0x1;
/** `FFA_MEMORY_REGION_FLAG_TIME_SLICE`: allowed by `api_memory_region_check_flags`, refused later. */
export const FFA_MEMORY_REGION_FLAG_TIME_SLICE = 0x2;
/** `FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH`: zero after the borrower relinquishes (retrieve request). */
export const FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH = 0x4;
/** `FFA_MEM_RECLAIM_CLEAR`: zero the memory on reclaim. */
export const FFA_MEM_RECLAIM_CLEAR = 0x1;

/** Data access permission in an endpoint memory access descriptor. */
export type FfaDataAccess = 'RO' | 'RW' | 'NOT_SPECIFIED';

/**
 * Access states named by Hafnium's V/O/X mode bits (`inc/hf/mm.h`): Owner or not, Exclusive,
 * Shared or No access.
 */
export type FfaAccessState = 'Owner-EA' | 'Owner-SA' | 'Owner-NA' | '!Owner-EA' | '!Owner-SA' | '!Owner-NA';

/** One borrower named in a transaction descriptor. */
export interface FfaReceiver {
  /** Endpoint name as the world spells it, for example `sp:decrypt`. */
  readonly id: string;
  /** The data access the sender grants this receiver. */
  readonly access: FfaDataAccess;
  /** The endpoint is a secure partition (current world of the SPMC), not a normal-world VM. */
  readonly secure: boolean;
}

export function hasFlag(flags: number, bit: number): boolean {
  return (flags & bit) !== 0;
}

/**
 * The sender's state once the send completes (`ffa_send_check_transition`): DONATE sets
 * INVALID|UNOWNED, LEND sets INVALID, SHARE sets SHARED.
 */
export function senderAccessAfterSend(call: FfaShareFunc): FfaAccessState {
  if (call === 'FFA_MEM_DONATE') return '!Owner-NA';
  if (call === 'FFA_MEM_LEND') return 'Owner-NA';
  return 'Owner-SA';
}

/**
 * A borrower's state after retrieve (`ffa_retrieve_check_transition`): DONATE adds nothing,
 * LEND adds UNOWNED (also with several borrowers: the code sets no SHARED bit), SHARE adds
 * UNOWNED|SHARED.
 */
export function receiverAccessAfterRetrieve(call: FfaShareFunc): FfaAccessState {
  if (call === 'FFA_MEM_DONATE') return 'Owner-EA';
  if (call === 'FFA_MEM_LEND') return '!Owner-EA';
  return '!Owner-SA';
}

/**
 * `ffa_mem_send_get_map_action()`: the SPMC asks `arch_memory_protect()` to move the pages to
 * the secure PAS only for a LEND or DONATE of normal memory from a normal-world sender whose
 * receivers are all secure partitions. `pasProtection` is false where the platform returns
 * NOT_SUPPORTED (no RME), which Hafnium treats as success without protection.
 */
export function sendProtectsMemory(
  pasProtection: boolean,
  call: FfaShareFunc,
  senderSecure: boolean,
  receivers: readonly FfaReceiver[],
): boolean {
  return (
    pasProtection &&
    call !== 'FFA_MEM_SHARE' &&
    !senderSecure &&
    receivers.length > 0 &&
    receivers.every((r) => r.secure)
  );
}

/**
 * `ffa_memory_is_send_valid()` of the SPMC (`src/ffa/spmc/ffa_memory.c`; `plat_ffa_is_memory_send_valid()`
 * in older Hafnium): LEND and DONATE only to secure partitions; SHARE from an SP to an SP, from a
 * VM to a single SP, or from a VM to several borrowers of any world. Hafnium passes the caller's
 * ID as the sender; the transaction machine passes the descriptor sender's world (see its
 * `sendPermittedToReceivers`).
 */
export function spmcAllowsSendTo(
  call: FfaShareFunc,
  senderSecure: boolean,
  receiver: FfaReceiver,
  multipleBorrowers: boolean,
): boolean {
  if (call !== 'FFA_MEM_SHARE') return receiver.secure;
  return (
    (senderSecure && receiver.secure) ||
    (!senderSecure && !multipleBorrowers && receiver.secure) ||
    (!senderSecure && multipleBorrowers)
  );
}

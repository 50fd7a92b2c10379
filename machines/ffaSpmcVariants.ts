/**
 * The FF-A memory managers (SPMCs) as variants of one share-state machine: Hafnium at S-EL2,
 * OP-TEE as S-EL1 SPMC and TF-A's EL3 SPMC run the same lifecycle (send, retrieve, relinquish,
 * reclaim) but answer some refusals with a different code, and protect lent memory by
 * different means. A variant is data: the refusal codes it changes and how it protects a lend.
 *
 * Sources read:
 * - Hafnium `TF-Hafnium/hafnium` v2.15.0 (676ab03c) and `main` (21bfbdc1): `src/ffa_memory.c`,
 *   `src/api.c` (the base table, `ffaTransactionRefusals`);
 * - TF-A `ARM-software/arm-trusted-firmware` `master` (6a164dda):
 *   `services/std_svc/spm/el3_spmc/spmc_shared_mem.c`;
 * - OP-TEE `OP-TEE/optee_os` `master` (d5001fe0): `core/arch/arm/kernel/thread_spmc.c`,
 *   `core/arch/arm/mm/mobj_ffa.c`, `core/mm/mobj.c`.
 */
import type { ErrorCode, FfaStatus, RefusalTable } from './refusals.ts';

/** The FF-A memory manager that keeps the share states. */
export type FfaSpmc = 'hafnium' | 'optee' | 'el3spmc';

/** One refusal whose code differs from Hafnium's, with the function and file it comes from. */
export interface SpmcRefusalOverride {
  readonly code: FfaStatus;
  /** `function() | file` in the variant's repository. */
  readonly source: string;
  /** What the variant checks instead of Hafnium's check. */
  readonly why: string;
}

/** A variant: its repository and the refusal codes it changes, by the machine's guard name. */
export interface SpmcVariant {
  readonly name: string;
  readonly repository: string;
  readonly overrides: Readonly<Record<string, SpmcRefusalOverride>>;
}

/**
 * The variants. Hafnium is the base: the transaction machine's own refusal table. A guard not
 * listed keeps Hafnium's code.
 */
export const SPMC_VARIANTS: Readonly<Record<FfaSpmc, SpmcVariant>> = {
  hafnium: { name: 'Hafnium at S-EL2', repository: 'TF-Hafnium/hafnium', overrides: {} },
  el3spmc: {
    name: 'TF-A EL3 SPMC',
    repository: 'ARM-software/arm-trusted-firmware',
    overrides: {
      senderOwnsPagesExclusively: {
        code: 'FFA_RET_INVALID_PARAMETERS',
        source: 'spmc_shmem_check_state_obj() | services/std_svc/spm/el3_spmc/spmc_shared_mem.c',
        why: 'no stage-2 of the sender at EL3: a range already in a complete transaction is refused as an overlap (overlapping_memory_regions())',
      },
      retrieveSenderMatches: {
        code: 'FFA_RET_INVALID_PARAMETERS',
        source: 'spmc_ffa_mem_retrieve_req() | services/std_svc/spm/el3_spmc/spmc_shared_mem.c',
        why: 'a retrieve naming another sender id is "wrong sender id"',
      },
      retrieveClearMatchesSender: {
        code: 'FFA_RET_INVALID_PARAMETERS',
        source: 'spmc_ffa_mem_retrieve_req() | services/std_svc/spm/el3_spmc/spmc_shared_mem.c',
        why: 'a retrieve flag other than the transaction type (CLEAR included) is "wrong mem transaction flags" or "invalid flags"',
      },
      reclaimClearNeedsWritableSender: {
        code: 'FFA_RET_INVALID_PARAMETERS',
        source: 'spmc_ffa_mem_reclaim() | services/std_svc/spm/el3_spmc/spmc_shared_mem.c',
        why: 'any reclaim flag is "unsupported flags"',
      },
      relinquishClearNeedsWritableGrant: {
        code: 'FFA_RET_INVALID_PARAMETERS',
        source: 'spmc_ffa_mem_relinquish() | services/std_svc/spm/el3_spmc/spmc_shared_mem.c',
        why: 'any relinquish flag is "unsupported flags"',
      },
    },
  },
  optee: {
    name: 'OP-TEE as S-EL1 SPMC',
    repository: 'OP-TEE/optee_os',
    overrides: {
      senderOwnsPagesExclusively: {
        code: 'FFA_RET_INVALID_PARAMETERS',
        source: 'add_mem_op() | core/arch/arm/kernel/thread_spmc.c',
        why: 'mobj_ffa_push_to_inactive() (core/arch/arm/mm/mobj_ffa.c) finds a registered mobj whose range overlaps (cmp_pa_overlap) and add_mem_op() answers INVALID_PARAMETERS',
      },
      reclaimClearNeedsWritableSender: {
        code: 'FFA_RET_INVALID_PARAMETERS',
        source: 'handle_mem_reclaim() | core/arch/arm/kernel/thread_spmc.c',
        why: 'a non-zero flags register (a3) is refused before the cookie is looked up',
      },
    },
  },
};

/** The refusal table of the share-state machine under `spmc`: Hafnium's with the variant's codes. */
export function spmcRefusals<Guard extends string, Context, Event>(
  base: RefusalTable<Guard, Context, Event>,
  spmc: FfaSpmc,
): RefusalTable<Guard, Context, Event> {
  const overrides = SPMC_VARIANTS[spmc].overrides;
  const guards: Record<string, ErrorCode> = { ...base.guards };
  for (const [guard, override] of Object.entries(overrides)) {
    if (guard in guards) guards[guard] = override.code;
  }
  return { unhandled: base.unhandled, guards: guards as Record<Guard, ErrorCode> };
}

/**
 * True iff a LEND or DONATE to the secure world is protected from the lender by the variant:
 * - Hafnium: `arch_memory_protect()` from `ffa_mem_send_get_map_action()` (`src/ffa_memory.c`)
 *   where the platform supports a PAS change (`protectsLentMemory`);
 * - EL3 SPMC: the platform's `plat_spmc_shmem_begin()` called from `spmc_ffa_fill_desc()`
 *   (`spmc_shared_mem.c`), again the platform's choice (`protectsLentMemory`);
 * - OP-TEE: `protect_mem()` (`core/arch/arm/mm/mobj_ffa.c`) calls `plat_set_protmem_range()`
 *   when `mobj_ffa_push_to_inactive()` registers a protected-memory mobj, that is a LEND whose
 *   tag names a protected use case (`add_mem_op()`, `mobj_ffa_sel1_spmc_new()`); the weak default
 *   in `core/mm/mobj.c` (CFG_INSECURE only) returns success and protects nothing (`protmemHook`).
 */
export function spmcProtectsLend(spmc: FfaSpmc, protectsLentMemory: boolean, protmemHook: boolean): boolean {
  return spmc === 'optee' ? protmemHook : protectsLentMemory;
}

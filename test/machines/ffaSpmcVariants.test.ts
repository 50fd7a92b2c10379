/**
 * The three FF-A memory managers against their sources, case by case where their answers
 * differ: Hafnium (`src/ffa_memory.c`), the TF-A EL3 SPMC
 * (`services/std_svc/spm/el3_spmc/spmc_shared_mem.c`) and OP-TEE as S-EL1 SPMC
 * (`core/arch/arm/kernel/thread_spmc.c`, `core/arch/arm/mm/mobj_ffa.c`).
 */
import { describe, expect, it } from 'vitest';
import { FFA_MEM_RECLAIM_CLEAR, FFA_MEMORY_REGION_FLAG_CLEAR } from '../../machines/ffaMemoryState.ts';
import {
  type FfaSpmc,
  SPMC_VARIANTS,
  spmcProtectsLend,
  spmcRefusals,
} from '../../machines/ffaSpmcVariants.ts';
import {
  type FfaTransactionContext,
  type FfaTransactionEmitted,
  type FfaTransactionEvent,
  ffaTransactionMachine,
  ffaTransactionRefusals,
} from '../../machines/ffaTransactionMachine.ts';
import { reclaimEvent, retrieveEvent, sendEvent } from '../support/ffaSpmcHarness.ts';
import { machineDriver } from '../support/machineDriver.ts';

function driver(spmc: FfaSpmc) {
  return machineDriver<FfaTransactionContext, FfaTransactionEvent, FfaTransactionEmitted>(
    ffaTransactionMachine,
    spmcRefusals(ffaTransactionRefusals, spmc),
    { input: { handle: 1 } },
  );
}

const MANAGERS: readonly FfaSpmc[] = ['hafnium', 'optee', 'el3spmc'];

/** The code each manager gives one call in a state reached by `setup`. */
function codes(
  setup: (t: ReturnType<typeof driver>) => ReturnType<ReturnType<typeof driver>['start']>,
  event: FfaTransactionEvent,
): Record<FfaSpmc, string> {
  const out = {} as Record<FfaSpmc, string>;
  for (const spmc of MANAGERS) {
    const t = driver(spmc);
    out[spmc] = t.code(setup(t), event);
  }
  return out;
}

describe('the same range sent twice', () => {
  // Root cause of the difference: Hafnium checks the sender's stage-2 mode
  // (ffa_send_check_transition(): not Owner-EA → DENIED); the EL3 SPMC has no stage-2 of the
  // sender and compares ranges with the complete transactions (spmc_shmem_check_state_obj() →
  // INVALID_PARAMETERS); OP-TEE's mobj_ffa_push_to_inactive() finds the overlap and add_mem_op()
  // answers INVALID_PARAMETERS.
  it('is DENIED by Hafnium and INVALID_PARAMETERS in the EL3 SPMC and OP-TEE', () => {
    const second = sendEvent('FFA_MEM_SHARE', { senderExclusiveOwner: false });
    expect(codes((t) => t.start(), second)).toEqual({
      hafnium: 'FFA_RET_DENIED',
      optee: 'FFA_RET_INVALID_PARAMETERS',
      el3spmc: 'FFA_RET_INVALID_PARAMETERS',
    });
  });

  it('a first send is accepted by every manager', () => {
    expect(codes((t) => t.start(), sendEvent('FFA_MEM_LEND'))).toEqual({
      hafnium: 'ACCEPTED',
      optee: 'ACCEPTED',
      el3spmc: 'ACCEPTED',
    });
  });
});

describe('retrieve', () => {
  const lent = (t: ReturnType<typeof driver>) => t.accept(t.start(), sendEvent('FFA_MEM_LEND'));

  it('naming another sender: DENIED by Hafnium, "wrong sender id" INVALID_PARAMETERS in the EL3 SPMC', () => {
    expect(codes(lent, retrieveEvent('sp1', { sender: 'vm1' }))).toEqual({
      hafnium: 'FFA_RET_DENIED',
      optee: 'FFA_RET_DENIED',
      el3spmc: 'FFA_RET_INVALID_PARAMETERS',
    });
  });

  it('asking CLEAR the send did not: DENIED by Hafnium, "wrong mem transaction flags" in the EL3 SPMC', () => {
    expect(codes(lent, retrieveEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }))).toEqual({
      hafnium: 'FFA_RET_DENIED',
      optee: 'FFA_RET_DENIED',
      el3spmc: 'FFA_RET_INVALID_PARAMETERS',
    });
  });
});

describe('reclaim', () => {
  it('while borrowed is DENIED everywhere (Hafnium retrieved_fragment_count, EL3 in_use, OP-TEE busy)', () => {
    const borrowed = (t: ReturnType<typeof driver>) =>
      t.accept(t.accept(t.start(), sendEvent('FFA_MEM_LEND')), retrieveEvent('sp1'));
    expect(codes(borrowed, reclaimEvent())).toEqual({
      hafnium: 'FFA_RET_DENIED',
      optee: 'FFA_RET_DENIED',
      el3spmc: 'FFA_RET_DENIED',
    });
  });

  it('with CLEAR from a read-only sender: DENIED by Hafnium, "unsupported flags" elsewhere', () => {
    const readOnly = (t: ReturnType<typeof driver>) =>
      t.accept(
        t.start(),
        sendEvent('FFA_MEM_LEND', {
          senderWritable: false,
          receivers: [{ id: 'sp1', secure: true, access: 'RO' }],
        }),
      );
    expect(codes(readOnly, reclaimEvent('host', FFA_MEM_RECLAIM_CLEAR))).toEqual({
      hafnium: 'FFA_RET_DENIED',
      optee: 'FFA_RET_INVALID_PARAMETERS',
      el3spmc: 'FFA_RET_INVALID_PARAMETERS',
    });
  });
});

describe('the variant table', () => {
  it('overrides only guards the machine has, each with a source function and file', () => {
    const guards = Object.keys(ffaTransactionRefusals.guards);
    for (const variant of Object.values(SPMC_VARIANTS)) {
      for (const [guard, override] of Object.entries(variant.overrides)) {
        expect(guards).toContain(guard);
        expect(override.source).toMatch(/^\w+\(\) \| [\w/]+\.c$/);
      }
    }
  });

  it('keeps Hafnium exactly as the base table', () => {
    expect(spmcRefusals(ffaTransactionRefusals, 'hafnium')).toEqual(ffaTransactionRefusals);
  });

  it("protects a lend by the platform's PAS change, or on OP-TEE by plat_set_protmem_range()", () => {
    expect(spmcProtectsLend('hafnium', true, false)).toBe(true);
    expect(spmcProtectsLend('el3spmc', true, false)).toBe(true);
    expect(spmcProtectsLend('optee', true, false)).toBe(false);
    expect(spmcProtectsLend('optee', false, true)).toBe(true);
    expect(spmcProtectsLend('hafnium', false, true)).toBe(false);
  });
});

/**
 * One Hafnium share state against `src/ffa_memory.c` / `src/api.c` and the scenarios of
 * `test/vmapi/primary_with_secondaries/memory_sharing.c`. The sender is the host (normal world,
 * endpoint 0 behind the pKVM proxy) and the borrowers are secure partitions unless a case says
 * otherwise, since the modelled instance is the SPMC.
 */
import { describe, expect, it } from 'vitest';
import {
  FFA_MEM_RECLAIM_CLEAR,
  FFA_MEMORY_REGION_FLAG_CLEAR,
  FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH,
  FFA_MEMORY_REGION_FLAG_TIME_SLICE,
} from '../../machines/ffaMemoryState.ts';
import {
  type FfaTransactionEmitted,
  type FfaTransactionEvent,
  ffaTransactionMachine,
  slotIsFree,
} from '../../machines/ffaTransactionMachine.ts';
import {
  reclaimEvent,
  relinquishEvent,
  retrieveEvent,
  SpmcHarness,
  sendEvent,
  sp,
  transaction,
} from '../support/ffaSpmcHarness.ts';
import { compareDrivers } from '../support/machineDriver.ts';
import { expectTrueExactlyIn } from './statePredicates.ts';

const t = transaction;
const start = t.start();
const lent = t.accept(start, sendEvent('FFA_MEM_LEND'));
const borrowed = t.accept(lent, retrieveEvent('sp1'));

function types(emitted: readonly FfaTransactionEmitted[]): string[] {
  return emitted.map((e) => e.type);
}

describe('lifecycle: free → sent → retrieved → sent → free', () => {
  it('LEND: sender Owner-NA, borrower !Owner-EA, back to Owner-EA on reclaim', () => {
    const sent = t.acceptEmitting(start, sendEvent('FFA_MEM_LEND', { pages: [3, 4] }));
    expect(sent.snap.value).toBe('live.sent');
    expect(sent.emitted).toEqual([
      {
        type: 'FFA_MEM_SENT',
        handle: 0,
        call: 'FFA_MEM_LEND',
        sender: 'host',
        receivers: ['sp1'],
        pages: [3, 4],
        flags: 0,
        senderAccess: 'Owner-NA',
        memoryProtected: false,
      },
    ]);
    const retrieved = t.acceptEmitting(sent.snap, retrieveEvent('sp1'));
    expect(retrieved.snap.value).toBe('live.retrieved');
    expect(retrieved.snap.context.retrievedFragmentCount).toEqual([1]);
    expect(retrieved.emitted).toMatchObject([
      { type: 'FFA_MEM_RETRIEVED', receiver: 'sp1', pages: [3, 4], receiverAccess: '!Owner-EA' },
    ]);
    const relinquished = t.acceptEmitting(retrieved.snap, relinquishEvent('sp1'));
    expect(relinquished.snap.value).toBe('live.sent');
    expect(relinquished.emitted).toEqual([
      { type: 'FFA_MEM_RELINQUISHED', handle: 0, receiver: 'sp1', pages: [3, 4] },
    ]);
    const reclaimed = t.acceptEmitting(relinquished.snap, reclaimEvent());
    expect(reclaimed.snap.value).toBe('free');
    expect(reclaimed.snap.context.shareFunc).toBeNull();
    expect(reclaimed.emitted).toEqual([
      {
        type: 'FFA_MEM_RECLAIMED',
        handle: 0,
        sender: 'host',
        pages: [3, 4],
        senderAccess: 'Owner-EA',
        unprotected: false,
        deferred: false,
      },
    ]);
  });

  it('SHARE: sender Owner-SA, borrower !Owner-SA', () => {
    const sent = t.acceptEmitting(start, sendEvent('FFA_MEM_SHARE'));
    expect(sent.emitted[0]).toMatchObject({ senderAccess: 'Owner-SA' });
    const retrieved = t.acceptEmitting(sent.snap, retrieveEvent('sp1'));
    expect(retrieved.emitted[0]).toMatchObject({ receiverAccess: '!Owner-SA' });
  });

  it('DONATE: sender !Owner-NA, the retrieve frees the share state and the borrower owns the pages', () => {
    const sent = t.acceptEmitting(start, sendEvent('FFA_MEM_DONATE'));
    expect(sent.emitted[0]).toMatchObject({ senderAccess: '!Owner-NA' });
    const retrieved = t.acceptEmitting(sent.snap, retrieveEvent('sp1', { access: 'NOT_SPECIFIED' }));
    expect(retrieved.snap.value).toBe('free');
    expect(retrieved.emitted).toMatchObject([
      { type: 'FFA_MEM_RETRIEVED', call: 'FFA_MEM_DONATE', receiverAccess: 'Owner-EA' },
    ]);
    // The handle no longer exists: reclaim and relinquish are unknown-handle errors.
    expect(
      t.refusalDifferences(retrieved.snap, [
        [reclaimEvent(), 'FFA_RET_INVALID_PARAMETERS'],
        [relinquishEvent('sp1'), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
  });

  it('donate_reclaim / lend_reclaim / share_reclaim: reclaim straight after send succeeds', () => {
    for (const call of ['FFA_MEM_DONATE', 'FFA_MEM_LEND', 'FFA_MEM_SHARE'] as const) {
      const sent = t.accept(start, sendEvent(call));
      expect(t.accept(sent, reclaimEvent()).value).toBe('free');
    }
  });

  it('two borrowers: the state stays retrieved until the last one relinquishes', () => {
    const two = t.accept(start, sendEvent('FFA_MEM_LEND', { receivers: ['sp1', 'sp2'] }));
    const both = t.accept(t.accept(two, retrieveEvent('sp1')), retrieveEvent('sp2'));
    const one = t.accept(both, relinquishEvent('sp1'));
    expect(one.value).toBe('live.retrieved');
    expect(t.refusalDifferences(one, [[reclaimEvent(), 'FFA_RET_DENIED']])).toEqual([]);
    expect(t.accept(one, relinquishEvent('sp2')).value).toBe('live.sent');
  });
});

describe('send checks, in api_ffa_mem_send → ffa_memory_send_validate → send_complete order', () => {
  it('refuses each malformed send with Hafnium’s code', () => {
    expect(
      t.refusalDifferences(start, [
        [sendEvent('FFA_MEM_LEND', { descriptorValid: false }), 'FFA_RET_INVALID_PARAMETERS'],
        [sendEvent('FFA_MEM_SHARE', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }), 'FFA_RET_INVALID_PARAMETERS'],
        [
          sendEvent('FFA_MEM_LEND', { flags: FFA_MEMORY_REGION_FLAG_TIME_SLICE }),
          'FFA_RET_INVALID_PARAMETERS',
        ],
        [sendEvent('FFA_MEM_LEND', { flags: 0xff }), 'FFA_RET_INVALID_PARAMETERS'],
        [sendEvent('FFA_MEM_LEND', { receivers: [] }), 'FFA_RET_INVALID_PARAMETERS'],
        [sendEvent('FFA_MEM_DONATE', { receivers: ['sp1', 'sp2'] }), 'FFA_RET_INVALID_PARAMETERS'],
        [sendEvent('FFA_MEM_LEND', { receivers: ['sp1', 'host'] }), 'FFA_RET_INVALID_PARAMETERS'],
        [
          sendEvent('FFA_MEM_LEND', { receivers: [{ id: 'vm1', secure: false, access: 'RW' }] }),
          'FFA_RET_DENIED',
        ],
        [sendEvent('FFA_MEM_LEND', { caller: 'vm1' }), 'FFA_RET_DENIED'],
        [sendEvent('FFA_MEM_LEND', { receivers: ['sp1', 'sp1'] }), 'FFA_RET_INVALID_PARAMETERS'],
        [
          sendEvent('FFA_MEM_LEND', { receivers: [sp('sp1', 'FFA_MEM_LEND', 'NOT_SPECIFIED')] }),
          'FFA_RET_INVALID_PARAMETERS',
        ],
        [
          sendEvent('FFA_MEM_DONATE', { receivers: [sp('sp1', 'FFA_MEM_DONATE', 'RW')] }),
          'FFA_RET_INVALID_PARAMETERS',
        ],
        [sendEvent('FFA_MEM_LEND', { pages: [2, 2] }), 'FFA_RET_INVALID_PARAMETERS'],
        [sendEvent('FFA_MEM_LEND', { pages: [] }), 'FFA_RET_INVALID_PARAMETERS'],
        [sendEvent('FFA_MEM_LEND', { senderExclusiveOwner: false }), 'FFA_RET_DENIED'],
        [
          sendEvent('FFA_MEM_LEND', { flags: FFA_MEMORY_REGION_FLAG_CLEAR, senderWritable: false }),
          'FFA_RET_DENIED',
        ],
        [sendEvent('FFA_MEM_LEND', { senderWritable: false }), 'FFA_RET_DENIED'],
      ]),
    ).toEqual([]);
  });

  it('lend to self is refused per receiver before the SPMC’s receiver-world check', () => {
    // The first receiver fails plat_ffa_is_memory_send_valid (DENIED) before the second is examined.
    const nwdFirst = sendEvent('FFA_MEM_LEND', {
      receivers: [{ id: 'vm1', secure: false, access: 'RW' }, 'host'],
    });
    expect(t.code(start, nwdFirst)).toBe('FFA_RET_DENIED');
  });

  it('follows plat_ffa_is_memory_send_valid: VM→SP share, SP→SP share, VM multi-borrower share to a VM', () => {
    const vm = { id: 'vm1', secure: false, access: 'RW' } as const;
    expect(t.code(start, sendEvent('FFA_MEM_SHARE', { receivers: ['sp1'] }))).toBe('ACCEPTED');
    expect(t.code(start, sendEvent('FFA_MEM_SHARE', { receivers: [vm] }))).toBe('FFA_RET_DENIED');
    expect(t.code(start, sendEvent('FFA_MEM_SHARE', { receivers: ['sp1', vm] }))).toBe('ACCEPTED');
    const spSender = { sender: 'sp0', senderSecure: true };
    expect(t.code(start, sendEvent('FFA_MEM_SHARE', { ...spSender, receivers: ['sp1'] }))).toBe('ACCEPTED');
    expect(t.code(start, sendEvent('FFA_MEM_SHARE', { ...spSender, receivers: ['sp1', vm] }))).toBe(
      'FFA_RET_DENIED',
    );
    expect(t.code(start, sendEvent('FFA_MEM_LEND', { receivers: ['sp1', vm] }))).toBe('FFA_RET_DENIED');
  });

  it('refuses what the slot cannot take: a send to a busy slot is never issued', () => {
    expect(t.refusalDifferences(lent, [[sendEvent('FFA_MEM_LEND'), 'NOT_ISSUED']])).toEqual([]);
  });
});

describe('send check order for forged descriptors (Hafnium v2.15.0 / main 21bfbdc1)', () => {
  // Each descriptor fails two checks; the code is the one of the check Hafnium makes first.
  const forged = { caller: 'sp0', sender: 'sp9', senderSecure: true } as const;
  const vm = { id: 'vm1', secure: false, access: 'RW' } as const;

  it('TIME_SLICE with a forged sender is DENIED: the sender check precedes the flag check', () => {
    // Root cause: TIME_SLICE passes api_memory_region_check_flags() and is refused only by
    // ffa_memory_send_validate(), after "The sender must match the caller"; the model
    // refused every non-CLEAR flag before any receiver or sender check.
    const event = sendEvent('FFA_MEM_LEND', { ...forged, flags: FFA_MEMORY_REGION_FLAG_TIME_SLICE });
    expect(t.call(start, event)).toMatchObject({
      ok: false,
      code: 'FFA_RET_DENIED',
      failedGuard: 'senderIsCaller',
    });
    // A normal-world caller naming a secure-partition sender is denied the same way.
    const fromHost = sendEvent('FFA_MEM_LEND', {
      caller: 'host',
      sender: 'sp9',
      senderSecure: true,
      flags: FFA_MEMORY_REGION_FLAG_TIME_SLICE,
    });
    expect(t.code(start, fromHost)).toBe('FFA_RET_DENIED');
  });

  it('TIME_SLICE lent to a normal-world VM is DENIED: the receiver check precedes the flag check', () => {
    // Root cause as above: ffa_memory_is_send_valid() runs in api_ffa_mem_send(), before
    // ffa_memory_send_validate() sees the flag.
    const event = sendEvent('FFA_MEM_LEND', { receivers: [vm], flags: FFA_MEMORY_REGION_FLAG_TIME_SLICE });
    expect(t.call(start, event)).toMatchObject({
      ok: false,
      code: 'FFA_RET_DENIED',
      failedGuard: 'sendPermittedToReceivers',
    });
    // Reserved bits 31:2 are still refused first, by api_memory_region_check_flags().
    expect(t.call(start, sendEvent('FFA_MEM_LEND', { ...forged, flags: 0x8 }))).toMatchObject({
      ok: false,
      code: 'FFA_RET_INVALID_PARAMETERS',
      failedGuard: 'sendFlagsReservedZero',
    });
  });

  it('a receiver equal to a forged sender is DENIED: api_ffa_mem_send compares receivers with the caller', () => {
    // Root cause: the model's lend-to-self check compared each receiver with the descriptor's
    // sender; api_ffa_mem_send() refuses `to == from` (the caller's VM), and the receiver-is-
    // sender check of ffa_memory_send_validate() comes after its sender check.
    const event = sendEvent('FFA_MEM_LEND', { ...forged, receivers: ['sp9'] });
    expect(t.call(start, event)).toMatchObject({
      ok: false,
      code: 'FFA_RET_DENIED',
      failedGuard: 'senderIsCaller',
    });
  });

  it('the caller as a receiver under a forged sender is INVALID_PARAMETERS: to == from comes first', () => {
    // Root cause as above, the other way round: the model let the caller through as a receiver
    // and refused the forged sender (DENIED) instead.
    const event = sendEvent('FFA_MEM_LEND', { ...forged, receivers: ['sp1', 'sp0'] });
    expect(t.call(start, event)).toMatchObject({
      ok: false,
      code: 'FFA_RET_INVALID_PARAMETERS',
      failedGuard: 'receiversExcludeCaller',
    });
  });
});

describe('fragmented send (FFA_MEM_FRAG_TX)', () => {
  const sending = t.accept(start, sendEvent('FFA_MEM_LEND', { fragments: 3 }));
  const fragment = (
    extra: Partial<{ senderExclusiveOwner: boolean; caller: string; fragmentValid: boolean }> = {},
  ) =>
    ({
      type: 'FFA_MEM_FRAG_TX',
      caller: 'host',
      fragmentValid: true,
      senderExclusiveOwner: true,
      senderWritable: true,
      ...extra,
    }) as const;

  it('stays sending until the last fragment, then completes', () => {
    expect(sending.value).toBe('sending');
    const second = t.acceptEmitting(sending, fragment());
    expect(second.snap.value).toBe('sending');
    expect(second.emitted).toEqual([]);
    const last = t.acceptEmitting(second.snap, fragment());
    expect(last.snap.value).toBe('live.sent');
    expect(types(last.emitted)).toEqual(['FFA_MEM_SENT']);
  });

  it('refuses everything but FRAG_TX from the sender while sending (!sending_complete)', () => {
    expect(
      t.refusalDifferences(sending, [
        [retrieveEvent('sp1'), 'FFA_RET_INVALID_PARAMETERS'],
        [relinquishEvent('sp1'), 'FFA_RET_INVALID_PARAMETERS'],
        [reclaimEvent(), 'FFA_RET_INVALID_PARAMETERS'],
        [fragment({ caller: 'vm1' }), 'FFA_RET_INVALID_PARAMETERS'],
        [fragment({ fragmentValid: false }), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
  });

  it('frees the share state when the last fragment fails a completion check', () => {
    const second = t.accept(sending, fragment());
    const aborted = t.acceptEmitting(second, fragment({ senderExclusiveOwner: false }));
    expect(aborted.snap.value).toBe('free');
    expect(aborted.emitted).toEqual([
      { type: 'FFA_MEM_SEND_ABORTED', handle: 0, sender: 'host', pages: [0, 1], code: 'FFA_RET_DENIED' },
    ]);
  });

  it('refuses FRAG_TX on an unknown handle and on a completed send', () => {
    expect(t.refusalDifferences(start, [[fragment(), 'FFA_RET_INVALID_PARAMETERS']])).toEqual([]);
    expect(t.refusalDifferences(lent, [[fragment(), 'FFA_RET_INVALID_PARAMETERS']])).toEqual([]);
  });
});

describe('fragmented retrieve (FFA_MEM_FRAG_RX)', () => {
  const sendInTwo = (call: 'FFA_MEM_LEND' | 'FFA_MEM_DONATE') => {
    const sending = t.accept(start, sendEvent(call, { fragments: 2 }));
    return t.accept(sending, {
      type: 'FFA_MEM_FRAG_TX',
      caller: 'host',
      fragmentValid: true,
      senderExclusiveOwner: true,
      senderWritable: true,
    });
  };
  const fragRx = (caller = 'sp1') => ({ type: 'FFA_MEM_FRAG_RX', caller }) as const;

  it('counts fragments; relinquish needs all of them; reclaim is DENIED part-way', () => {
    const started = t.accept(sendInTwo('FFA_MEM_LEND'), retrieveEvent('sp1'));
    expect(started.context.retrievedFragmentCount).toEqual([1]);
    expect(
      t.refusalDifferences(started, [
        [relinquishEvent('sp1'), 'FFA_RET_INVALID_PARAMETERS'],
        [reclaimEvent(), 'FFA_RET_DENIED'],
        [fragRx('sp2'), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
    const complete = t.accept(started, fragRx());
    expect(complete.context.retrievedFragmentCount).toEqual([2]);
    expect(t.refusalDifferences(complete, [[fragRx(), 'FFA_RET_INVALID_PARAMETERS']])).toEqual([]);
    expect(t.accept(complete, relinquishEvent('sp1')).value).toBe('live.sent');
  });

  it('frees a DONATE at the last FRAG_RX, not at the retrieve request', () => {
    const started = t.accept(sendInTwo('FFA_MEM_DONATE'), retrieveEvent('sp1', { access: 'NOT_SPECIFIED' }));
    expect(started.value).toBe('live.retrieved');
    expect(t.accept(started, fragRx()).value).toBe('free');
  });

  it('refuses FRAG_RX before any retrieve', () => {
    expect(
      t.refusalDifferences(sendInTwo('FFA_MEM_LEND'), [[fragRx(), 'FFA_RET_INVALID_PARAMETERS']]),
    ).toEqual([]);
  });
});

describe('retrieve checks (ffa_partition_retrieve_request)', () => {
  it('refuses each bad request with Hafnium’s code', () => {
    expect(
      t.refusalDifferences(lent, [
        [
          { ...retrieveEvent('sp1'), requestValid: false } as FfaTransactionEvent,
          'FFA_RET_INVALID_PARAMETERS',
        ],
        [retrieveEvent('sp1', { sender: 'vm1' }), 'FFA_RET_DENIED'],
        [retrieveEvent('sp1', { transactionType: 'FFA_MEM_SHARE' }), 'FFA_RET_INVALID_PARAMETERS'],
        [retrieveEvent('sp9'), 'FFA_RET_INVALID_PARAMETERS'],
        [retrieveEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }), 'FFA_RET_DENIED'],
      ]),
    ).toEqual([]);
    expect(t.refusalDifferences(borrowed, [[retrieveEvent('sp1'), 'FFA_RET_DENIED']])).toEqual([]);
  });

  it('refuses a clear on SHARE (INVALID) and on an RO grant (DENIED), and RW on an RO grant (DENIED)', () => {
    const shared = t.accept(start, sendEvent('FFA_MEM_SHARE'));
    expect(
      t.refusalDifferences(shared, [
        [
          retrieveEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH }),
          'FFA_RET_INVALID_PARAMETERS',
        ],
        [retrieveEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
    const ro = t.accept(start, sendEvent('FFA_MEM_LEND', { receivers: [sp('sp1', 'FFA_MEM_LEND', 'RO')] }));
    expect(
      t.refusalDifferences(ro, [
        [retrieveEvent('sp1', { access: 'RW' }), 'FFA_RET_DENIED'],
        [
          retrieveEvent('sp1', { access: 'RO', flags: FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH }),
          'FFA_RET_DENIED',
        ],
      ]),
    ).toEqual([]);
    expect(t.code(ro, retrieveEvent('sp1', { access: 'RO' }))).toBe('ACCEPTED');
  });

  it('lets a normal-world borrower retrieve again (no page-table check at the SPMC)', () => {
    const vm = { id: 'vm1', secure: false, access: 'RW' } as const;
    const shared = t.accept(start, sendEvent('FFA_MEM_SHARE', { receivers: ['sp1', vm] }));
    const once = t.accept(shared, retrieveEvent('vm1'));
    expect(t.code(once, retrieveEvent('vm1'))).toBe('ACCEPTED');
  });
});

describe('relinquish checks (ffa_memory_relinquish)', () => {
  it('refuses a bad request, a spoofed endpoint, a stranger and a borrower that holds nothing', () => {
    expect(
      t.refusalDifferences(borrowed, [
        [{ ...relinquishEvent('sp1'), requestValid: false }, 'FFA_RET_INVALID_PARAMETERS'],
        [relinquishEvent('host', { endpoint: 'sp1' }), 'FFA_RET_INVALID_PARAMETERS'],
        [relinquishEvent('sp9'), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
    const two = t.accept(start, sendEvent('FFA_MEM_LEND', { receivers: ['sp1', 'sp2'] }));
    expect(
      t.refusalDifferences(t.accept(two, retrieveEvent('sp1')), [
        [relinquishEvent('sp2'), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
  });
});

describe('CLEAR (0x1) and CLEAR_RELINQUISH (0x4)', () => {
  const cleared = (emitted: readonly FfaTransactionEmitted[]) =>
    emitted.filter((e) => e.type === 'MEMORY_CLEARED').map((e) => (e.type === 'MEMORY_CLEARED' ? e.at : ''));

  it('lend_clear: LEND/DONATE with CLEAR zero the pages at send, after the sender mapping changes', () => {
    for (const call of ['FFA_MEM_LEND', 'FFA_MEM_DONATE'] as const) {
      const sent = t.acceptEmitting(
        start,
        sendEvent(call, { flags: FFA_MEMORY_REGION_FLAG_CLEAR, pages: [7] }),
      );
      expect(sent.emitted).toEqual([
        expect.objectContaining({ type: 'FFA_MEM_SENT' }),
        { type: 'MEMORY_CLEARED', handle: 0, pages: [7], at: 'send', by: 'ffa_clear_memory_constituents' },
      ]);
      // Reclaim without any retrieve: nothing more is zeroed.
      expect(cleared(t.acceptEmitting(sent.snap, reclaimEvent()).emitted)).toEqual([]);
    }
  });

  it('share_clear: CLEAR on SHARE is refused', () => {
    expect(
      t.refusalDifferences(start, [
        [sendEvent('FFA_MEM_SHARE', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
  });

  it('retrieve with CLEAR is allowed when the sender set CLEAR, and zeroes nothing itself', () => {
    const sent = t.accept(start, sendEvent('FFA_MEM_LEND', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }));
    expect(
      cleared(t.acceptEmitting(sent, retrieveEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR })).emitted),
    ).toEqual([]);
  });

  it('relinquish with CLEAR zeroes only when the caller is the last holder', () => {
    const two = t.accept(start, sendEvent('FFA_MEM_LEND', { receivers: ['sp1', 'sp2'] }));
    const both = t.accept(t.accept(two, retrieveEvent('sp1')), retrieveEvent('sp2'));
    const first = t.acceptEmitting(both, relinquishEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }));
    expect(cleared(first.emitted)).toEqual([]);
    const last = t.acceptEmitting(
      first.snap,
      relinquishEvent('sp2', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }),
    );
    expect(cleared(last.emitted)).toEqual(['relinquish']);
    expect(last.snap.value).toBe('live.sent');
  });

  it('refuses a last-holder clear on SHARE (INVALID) and from an RO borrower (DENIED)', () => {
    const shared = t.accept(t.accept(start, sendEvent('FFA_MEM_SHARE')), retrieveEvent('sp1'));
    expect(
      t.refusalDifferences(shared, [
        [relinquishEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
    const ro = t.accept(start, sendEvent('FFA_MEM_LEND', { receivers: [sp('sp1', 'FFA_MEM_LEND', 'RO')] }));
    const held = t.accept(ro, retrieveEvent('sp1', { access: 'RO' }));
    expect(
      t.refusalDifferences(held, [
        [relinquishEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }), 'FFA_RET_DENIED'],
      ]),
    ).toEqual([]);
  });

  it('share_relinquish_clear: a non-last SHARE borrower’s CLEAR is accepted and clears nothing', () => {
    const two = t.accept(start, sendEvent('FFA_MEM_SHARE', { receivers: ['sp1', 'sp2'] }));
    const both = t.accept(t.accept(two, retrieveEvent('sp1')), retrieveEvent('sp2'));
    const first = t.acceptEmitting(both, relinquishEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }));
    expect(cleared(first.emitted)).toEqual([]);
  });

  it('CLEAR_RELINQUISH in the retrieve request alone does not zero (H-MEM reads only the relinquish flag)', () => {
    const held = t.accept(lent, retrieveEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH }));
    expect(cleared(t.acceptEmitting(held, relinquishEvent('sp1')).emitted)).toEqual([]);
  });

  it('variant clearRelinquishFromRetrieve: the last relinquish zeroes when a borrower asked at retrieve', () => {
    const variant = t.start({ handle: 0, clearRelinquishFromRetrieve: true });
    const sent = t.accept(variant, sendEvent('FFA_MEM_LEND'));
    const held = t.accept(sent, retrieveEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR_RELINQUISH }));
    expect(cleared(t.acceptEmitting(held, relinquishEvent('sp1')).emitted)).toEqual(['relinquish']);
    // Without the request, nothing is zeroed.
    expect(
      cleared(t.acceptEmitting(t.accept(sent, retrieveEvent('sp1')), relinquishEvent('sp1')).emitted),
    ).toEqual([]);
  });

  it('reclaim with FFA_MEM_RECLAIM_CLEAR zeroes the pages; without W in the original mode it is DENIED', () => {
    expect(cleared(t.acceptEmitting(lent, reclaimEvent('host', FFA_MEM_RECLAIM_CLEAR)).emitted)).toEqual([
      'reclaim',
    ]);
    const readOnly = t.accept(
      start,
      sendEvent('FFA_MEM_LEND', { senderWritable: false, receivers: [sp('sp1', 'FFA_MEM_LEND', 'RO')] }),
    );
    expect(
      t.refusalDifferences(readOnly, [[reclaimEvent('host', FFA_MEM_RECLAIM_CLEAR), 'FFA_RET_DENIED']]),
    ).toEqual([]);
  });
});

describe('reclaim checks (ffa_memory_reclaim)', () => {
  it('refuses a caller that is not the sender, and a reclaim while borrowed', () => {
    expect(t.refusalDifferences(lent, [[reclaimEvent('sp1'), 'FFA_RET_INVALID_PARAMETERS']])).toEqual([]);
    expect(t.refusalDifferences(borrowed, [[reclaimEvent(), 'FFA_RET_DENIED']])).toEqual([]);
  });
});

describe('PAS protection (memory_protected, arch_memory_protect)', () => {
  const rme = t.start({ handle: 0, pasProtection: true });

  it('protects a normal-world LEND or DONATE to secure partitions only', () => {
    expect(t.accept(rme, sendEvent('FFA_MEM_LEND')).context.memoryProtected).toBe(true);
    expect(t.accept(rme, sendEvent('FFA_MEM_DONATE')).context.memoryProtected).toBe(true);
    expect(t.accept(rme, sendEvent('FFA_MEM_SHARE')).context.memoryProtected).toBe(false);
    const spSender = sendEvent('FFA_MEM_LEND', { sender: 'sp0', senderSecure: true });
    expect(t.accept(rme, spSender).context.memoryProtected).toBe(false);
    expect(t.accept(start, sendEvent('FFA_MEM_LEND')).context.memoryProtected).toBe(false);
  });

  it('reports protection to the borrower and unprotects on reclaim', () => {
    const sent = t.acceptEmitting(rme, sendEvent('FFA_MEM_LEND'));
    expect(sent.emitted[0]).toMatchObject({ memoryProtected: true });
    const held = t.acceptEmitting(sent.snap, retrieveEvent('sp1'));
    expect(held.emitted[0]).toMatchObject({ memoryProtected: true });
    const back = t.accept(held.snap, relinquishEvent('sp1'));
    expect(t.acceptEmitting(back, reclaimEvent()).emitted).toMatchObject([
      { type: 'FFA_MEM_RECLAIMED', unprotected: true },
    ]);
  });
});

describe('Hafnium memory_sharing.c scenarios', () => {
  it('lend_twice: lending memory already lent fails with DENIED, for the same and other borrowers', () => {
    const spmc = new SpmcHarness();
    const { handle } = spmc.send('FFA_MEM_LEND', { receivers: ['sp1'], pages: [0, 1] });
    expect(spmc.code(handle, retrieveEvent('sp1'))).toBe('ACCEPTED');
    expect(spmc.sendCode('FFA_MEM_LEND', { receivers: ['sp1'], pages: [0, 1] })).toBe('FFA_RET_DENIED');
    expect(spmc.sendCode('FFA_MEM_LEND', { receivers: ['sp2'], pages: [1] })).toBe('FFA_RET_DENIED');
    expect(spmc.sendCode('FFA_MEM_DONATE', { receivers: ['sp1'], pages: [0] })).toBe('FFA_RET_DENIED');
    // check_cannot_relinquish_memory: the lender relinquishing on the borrower's behalf.
    expect(spmc.code(handle, relinquishEvent('host', { endpoint: 'sp1' }))).toBe(
      'FFA_RET_INVALID_PARAMETERS',
    );
  });

  it('share_twice: sharing memory already shared fails with DENIED', () => {
    const spmc = new SpmcHarness();
    const { handle } = spmc.send('FFA_MEM_SHARE', { receivers: ['sp1'] });
    expect(spmc.code(handle, retrieveEvent('sp1'))).toBe('ACCEPTED');
    expect(spmc.sendCode('FFA_MEM_SHARE', { receivers: ['sp1'] })).toBe('FFA_RET_DENIED');
    expect(spmc.sendCode('FFA_MEM_SHARE', { receivers: ['sp2'] })).toBe('FFA_RET_DENIED');
    expect(spmc.sendCode('FFA_MEM_LEND', { receivers: ['sp2'] })).toBe('FFA_RET_DENIED');
  });

  it('donate_twice: after a donation the old owner can neither send nor relinquish the pages', () => {
    const spmc = new SpmcHarness();
    const { handle } = spmc.send('FFA_MEM_DONATE', { receivers: ['sp1'] });
    expect(spmc.code(handle, retrieveEvent('sp1', { access: 'NOT_SPECIFIED' }))).toBe('ACCEPTED');
    expect(spmc.owner(0)).toBe('sp1');
    for (const call of ['FFA_MEM_DONATE', 'FFA_MEM_LEND', 'FFA_MEM_SHARE'] as const) {
      expect(spmc.sendCode(call, { receivers: ['sp2'] })).toBe('FFA_RET_DENIED');
    }
    expect(spmc.code(handle, relinquishEvent('host'))).toBe('FFA_RET_INVALID_PARAMETERS');
    // The new owner may pass the pages on.
    const onward = spmc.send('FFA_MEM_DONATE', {
      sender: 'sp1',
      senderSecure: true,
      receivers: ['sp2'],
    });
    expect(onward.result.ok).toBe(true);
  });

  it('lend_to_self: INVALID_PARAMETERS', () => {
    const spmc = new SpmcHarness();
    expect(spmc.sendCode('FFA_MEM_LEND', { receivers: [{ id: 'host', secure: false, access: 'RW' }] })).toBe(
      'FFA_RET_INVALID_PARAMETERS',
    );
    expect(spmc.sendCode('FFA_MEM_SHARE', { receivers: [{ id: 'host', secure: false, access: 'RW' }] })).toBe(
      'FFA_RET_INVALID_PARAMETERS',
    );
  });

  it('relend_after_return: lend, retrieve, relinquish, reclaim, then lend and reclaim again', () => {
    const spmc = new SpmcHarness();
    const first = spmc.send('FFA_MEM_LEND', { receivers: ['sp1'] });
    expect(spmc.code(first.handle, retrieveEvent('sp1'))).toBe('ACCEPTED');
    expect(spmc.code(first.handle, relinquishEvent('sp1'))).toBe('ACCEPTED');
    expect(spmc.code(first.handle, reclaimEvent())).toBe('ACCEPTED');
    const second = spmc.send('FFA_MEM_LEND', { receivers: ['sp1'] });
    expect(second.result.ok).toBe(true);
    expect(spmc.code(second.handle, reclaimEvent())).toBe('ACCEPTED');
  });

  it('reclaim before relinquish is refused with DENIED', () => {
    const spmc = new SpmcHarness();
    const { handle } = spmc.send('FFA_MEM_LEND', { receivers: ['sp1'] });
    expect(spmc.code(handle, retrieveEvent('sp1'))).toBe('ACCEPTED');
    expect(spmc.code(handle, reclaimEvent())).toBe('FFA_RET_DENIED');
    expect(spmc.slots[handle]!.value).toBe('live.retrieved');
  });

  it('relinquish of memory never retrieved is refused with INVALID_PARAMETERS', () => {
    const spmc = new SpmcHarness();
    const { handle } = spmc.send('FFA_MEM_LEND', { receivers: ['sp1'] });
    expect(spmc.code(handle, relinquishEvent('sp1'))).toBe('FFA_RET_INVALID_PARAMETERS');
  });

  it('lend_elsewhere_after_return: after reclaim the pages can be lent to another borrower', () => {
    const spmc = new SpmcHarness();
    const { handle } = spmc.send('FFA_MEM_LEND', { receivers: ['sp1'] });
    spmc.code(handle, retrieveEvent('sp1'));
    spmc.code(handle, relinquishEvent('sp1'));
    spmc.code(handle, reclaimEvent());
    expect(spmc.sendCode('FFA_MEM_LEND', { receivers: ['sp2'] })).toBe('ACCEPTED');
  });
});

describe('partition abort (ffa_vm_free_resources → ffa_memory_reclaim_relinquish_vm_regions)', () => {
  const abort = (partition: string) => ({ type: 'FFA_VM_FREE_RESOURCES', partition }) as const;
  const owner = { sender: 'sp0', senderSecure: true };
  const fromOwner = { sender: 'sp0' };
  const ownerLends = (extra: Parameters<typeof sendEvent>[1] = {}) =>
    t.accept(start, sendEvent('FFA_MEM_LEND', { ...owner, receivers: ['sp1', 'sp2'], ...extra }));
  const bothHold = (sent = ownerLends()) =>
    t.accept(t.accept(sent, retrieveEvent('sp1', fromOwner)), retrieveEvent('sp2', fromOwner));

  it('reclaims at once for an aborting sender when nobody holds the memory', () => {
    const sent = ownerLends();
    expect(t.acceptEmitting(sent, abort('sp0')).emitted).toEqual([
      {
        type: 'FFA_MEM_RECLAIMED',
        handle: 0,
        sender: 'sp0',
        pages: [0, 1],
        senderAccess: 'Owner-EA',
        unprotected: false,
        deferred: false,
      },
    ]);
  });

  it('defers the reclaim while borrowed; the last relinquish reclaims for the owner', () => {
    const pending = t.accept(bothHold(), abort('sp0'));
    expect(pending.value).toBe('reclaimPending');
    expect(pending.context.deferredReclaimPending).toBe(true);
    const one = t.acceptEmitting(pending, relinquishEvent('sp1'));
    expect(one.snap.value).toBe('reclaimPending');
    expect(types(one.emitted)).toEqual(['FFA_MEM_RELINQUISHED']);
    const last = t.acceptEmitting(one.snap, relinquishEvent('sp2', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }));
    expect(last.snap.value).toBe('free');
    // reclaim_shared_state(..., flags 0): only the relinquish's own CLEAR zeroes the pages.
    expect(last.emitted).toMatchObject([
      { type: 'FFA_MEM_RELINQUISHED', receiver: 'sp2' },
      { type: 'MEMORY_CLEARED', at: 'relinquish' },
      { type: 'FFA_MEM_RECLAIMED', sender: 'sp0', deferred: true },
    ]);
  });

  it('answers a retrieve DENIED while the reclaim is pending, before validating the request', () => {
    const holder = t.accept(ownerLends(), retrieveEvent('sp1', fromOwner));
    const pending = t.accept(holder, abort('sp0'));
    expect(
      t.refusalDifferences(pending, [
        // sp2 never retrieved: outside the pending state this is a valid request.
        [retrieveEvent('sp2', fromOwner), 'FFA_RET_DENIED'],
        // A stranger and a wrong sender would be INVALID_PARAMETERS / DENIED by validation.
        [retrieveEvent('sp9', fromOwner), 'FFA_RET_DENIED'],
        [retrieveEvent('sp2', { sender: 'host' }), 'FFA_RET_DENIED'],
        [reclaimEvent('sp0'), 'NOT_ISSUED'],
      ]),
    ).toEqual([]);
    expect(
      t.code(t.accept(ownerLends(), retrieveEvent('sp1', fromOwner)), retrieveEvent('sp2', fromOwner)),
    ).toBe('ACCEPTED');
  });

  it('relinquishes an aborting borrower on its behalf, without clearing', () => {
    const held = bothHold(ownerLends({ flags: FFA_MEMORY_REGION_FLAG_CLEAR }));
    const first = t.acceptEmitting(held, abort('sp1'));
    expect(first.snap.value).toBe('live.retrieved');
    expect(first.snap.context.retrievedFragmentCount).toEqual([0, 1]);
    expect(first.emitted).toEqual([
      { type: 'FFA_MEM_RELINQUISHED', handle: 0, receiver: 'sp1', pages: [0, 1] },
    ]);
    const last = t.acceptEmitting(first.snap, abort('sp2'));
    expect(last.snap.value).toBe('live.sent');
    expect(types(last.emitted)).toEqual(['FFA_MEM_RELINQUISHED']);
    // The sender can reclaim again now.
    expect(t.code(last.snap, reclaimEvent('sp0'))).toBe('ACCEPTED');
  });

  it('stays pending with nobody holding the memory when the last holder aborts', () => {
    const pending = t.accept(t.accept(ownerLends(), retrieveEvent('sp1', fromOwner)), abort('sp0'));
    const orphan = t.acceptEmitting(pending, abort('sp1'));
    expect(types(orphan.emitted)).toEqual(['FFA_MEM_RELINQUISHED']);
    expect(orphan.snap.value).toBe('reclaimPending');
    expect(orphan.snap.context.retrievedFragmentCount).toEqual([0, 0]);
    expect(
      t.refusalDifferences(orphan.snap, [
        [retrieveEvent('sp1', fromOwner), 'FFA_RET_DENIED'],
        [relinquishEvent('sp1'), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
  });

  it('lets a started retrieval continue while pending (ffa_memory_retrieve_continue)', () => {
    const sending = t.accept(start, sendEvent('FFA_MEM_LEND', { ...owner, fragments: 2 }));
    const sent = t.accept(sending, {
      type: 'FFA_MEM_FRAG_TX',
      caller: 'sp0',
      fragmentValid: true,
      senderExclusiveOwner: true,
      senderWritable: true,
    });
    const pending = t.accept(t.accept(sent, retrieveEvent('sp1', fromOwner)), abort('sp0'));
    expect(t.refusalDifferences(pending, [[relinquishEvent('sp1'), 'FFA_RET_INVALID_PARAMETERS']])).toEqual(
      [],
    );
    const complete = t.accept(pending, { type: 'FFA_MEM_FRAG_RX', caller: 'sp1' });
    expect(complete.value).toBe('reclaimPending');
    expect(t.acceptEmitting(complete, relinquishEvent('sp1')).snap.value).toBe('free');
  });

  it('changes nothing for an uninvolved partition, a free slot, or Hafnium before v2.14', () => {
    expect(t.refusalDifferences(start, [[abort('sp0'), 'NO_EFFECT']])).toEqual([]);
    expect(
      t.refusalDifferences(ownerLends(), [
        [abort('sp9'), 'NO_EFFECT'],
        [abort('sp1'), 'NO_EFFECT'],
      ]),
    ).toEqual([]);
    expect(t.refusalDifferences(bothHold(), [[abort('sp9'), 'NO_EFFECT']])).toEqual([]);
    const old = t.start({ handle: 0, deferredReclaim: false });
    const borrowedOld = t.accept(
      t.accept(old, sendEvent('FFA_MEM_LEND', { ...owner, receivers: ['sp1'] })),
      retrieveEvent('sp1', fromOwner),
    );
    expect(
      t.refusalDifferences(borrowedOld, [
        [abort('sp0'), 'NO_EFFECT'],
        [abort('sp1'), 'NO_EFFECT'],
      ]),
    ).toEqual([]);
  });

  it('does not model the abort of a sender whose send is incomplete', () => {
    const sending = t.accept(start, sendEvent('FFA_MEM_LEND', { ...owner, fragments: 2 }));
    expect(
      t.refusalDifferences(sending, [
        [abort('sp0'), 'NOT_ISSUED'],
        [abort('sp1'), 'NO_EFFECT'],
      ]),
    ).toEqual([]);
  });
});

describe('compiled and interpreted drivers agree', () => {
  it('on a scripted sequence with refusals, fragments, clears and reclaim', () => {
    const frag = {
      type: 'FFA_MEM_FRAG_TX',
      caller: 'host',
      fragmentValid: true,
      senderExclusiveOwner: true,
      senderWritable: true,
    } as const;
    const script: FfaTransactionEvent[] = [
      retrieveEvent('sp1'),
      sendEvent('FFA_MEM_SHARE', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }),
      sendEvent('FFA_MEM_LEND', {
        receivers: ['sp1', 'sp2'],
        fragments: 2,
        flags: FFA_MEMORY_REGION_FLAG_CLEAR,
      }),
      retrieveEvent('sp1'),
      frag,
      retrieveEvent('sp1'),
      { type: 'FFA_MEM_FRAG_RX', caller: 'sp1' },
      retrieveEvent('sp2'),
      { type: 'FFA_MEM_FRAG_RX', caller: 'sp2' },
      reclaimEvent(),
      relinquishEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }),
      relinquishEvent('sp2', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }),
      reclaimEvent('host', FFA_MEM_RECLAIM_CLEAR),
      sendEvent('FFA_MEM_DONATE'),
      retrieveEvent('sp1', { access: 'NOT_SPECIFIED' }),
      sendEvent('FFA_MEM_LEND', { fragments: 2 }),
      { ...frag, senderExclusiveOwner: false },
    ];
    const run = compareDrivers(ffaTransactionMachine, { handle: 2, pasProtection: true }, script);
    expect(run.disagreements).toEqual([]);
    expect(run.accepted).toBe(13);
    const deferred: FfaTransactionEvent[] = [
      sendEvent('FFA_MEM_LEND', { sender: 'sp0', senderSecure: true, receivers: ['sp1', 'sp2'] }),
      retrieveEvent('sp1', { sender: 'sp0' }),
      retrieveEvent('sp2', { sender: 'sp0' }),
      { type: 'FFA_VM_FREE_RESOURCES', partition: 'sp0' },
      retrieveEvent('sp2', { sender: 'sp0' }),
      { type: 'FFA_VM_FREE_RESOURCES', partition: 'sp2' },
      relinquishEvent('sp1', { flags: FFA_MEMORY_REGION_FLAG_CLEAR }),
    ];
    const deferredRun = compareDrivers(ffaTransactionMachine, { handle: 0 }, deferred);
    expect(deferredRun.disagreements).toEqual([]);
    expect(deferredRun.accepted).toBe(6);
  });
});

describe('snapshot predicates', () => {
  it('each is true in exactly the states it names', () => {
    expectTrueExactlyIn(ffaTransactionMachine, slotIsFree, ['free']);
  });
});

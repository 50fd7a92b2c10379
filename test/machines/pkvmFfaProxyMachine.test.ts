/**
 * The pKVM FF-A proxy against `arch/arm64/kvm/hyp/nvhe/ffa.c` (mainline @ a4a508df, and the
 * Android copy with `kvm_ffa_unmap_on_lend`): version gate, mailbox lifecycle, the descriptor
 * checks of `__do_ffa_mem_xfer` in order, the page transitions each call asks of mem_protect.c,
 * and the calls it refuses.
 */
import { describe, expect, it } from 'vitest';
import {
  type PkvmFfaProxyContext,
  type PkvmFfaProxyEmitted,
  type PkvmFfaProxyEvent,
  type PkvmFfaProxyInput,
  PROXY_UNSUPPORTED_CALLS,
  type ProxyXferEvent,
  pkvmFfaProxyFlaws,
  pkvmFfaProxyMachine,
  pkvmFfaProxyRefusals,
} from '../../machines/pkvmFfaProxyMachine.ts';
import { fragmentLengthFor, hostMemDescriptor, MAILBOX_BYTES } from '../../machines/pkvmFfaProxyState.ts';
import { androidPkvmPageMachine, pkvmPageMachine } from '../../machines/pkvmPageMachine.ts';
import type { PkvmPageContext } from '../../machines/pkvmPageState.ts';
import { compileMachine, type MachineSnapshot } from '../../src/engine/stepper.ts';
import { compareDrivers, machineDriver } from '../support/machineDriver.ts';

const proxy = machineDriver<PkvmFfaProxyContext, PkvmFfaProxyEvent, PkvmFfaProxyEmitted>(
  pkvmFfaProxyMachine,
  pkvmFfaProxyRefusals,
  { input: {} satisfies PkvmFfaProxyInput },
);

const version = (minor = 2, extra: Partial<{ major: number; firmwareAcceptsVersion: boolean }> = {}) =>
  ({ type: 'FFA_VERSION', major: 1, minor, firmwareAcceptsVersion: true, ...extra }) as const;
const rxtxMap = (
  extra: Partial<{ pageCount: number; pageAligned: boolean; mailboxShareable: boolean }> = {},
) =>
  ({
    type: 'FFA_FN64_RXTX_MAP',
    tx: 10,
    rx: 11,
    pageCount: 1,
    pageAligned: true,
    mailboxShareable: true,
    ...extra,
  }) as const;
function xfer(
  type: 'FFA_MEM_SHARE' | 'FFA_MEM_LEND',
  pages: readonly number[] = [0, 1],
  extra: Partial<ProxyXferEvent> = {},
): ProxyXferEvent {
  return {
    type,
    ...hostMemDescriptor(pages.length),
    receiver: 'sp1',
    flags: 0,
    pages,
    rangesShareable: true,
    handle: 0,
    ...extra,
  };
}
const fragTx = (
  pages: readonly number[],
  extra: Partial<{
    handle: number;
    rangesShareable: boolean;
    spmdAccepts: boolean;
    fragmentLength: number;
  }> = {},
) =>
  ({
    type: 'FFA_MEM_FRAG_TX',
    handle: 0,
    fragmentLength: fragmentLengthFor(pages.length),
    pages,
    rangesShareable: true,
    spmdAccepts: true,
    ...extra,
  }) as const;
const reclaim = (handle = 0, pages: readonly number[] = [0, 1]) =>
  ({ type: 'FFA_MEM_RECLAIM', handle, flags: 0, pages }) as const;

const unset = proxy.start();
const negotiated = proxy.accept(unset, version());
const mapped = proxy.accept(negotiated, rxtxMap());
const android = proxy.start({ unmapOnLend: true });
const androidMapped = proxy.accept(proxy.accept(android, version()), rxtxMap());

function pageCalls(emitted: readonly PkvmFfaProxyEmitted[]): [string, readonly number[]][] {
  return emitted.flatMap((e) =>
    e.type === 'PKVM_PAGE_TRANSITION' ? [[e.call, e.pages] as [string, readonly number[]]] : [],
  );
}

describe('version negotiation (do_ffa_version)', () => {
  it('refuses every call but FFA_VERSION before negotiation with INVALID_PARAMETERS', () => {
    expect(
      proxy.refusalDifferences(unset, [
        [rxtxMap(), 'FFA_RET_INVALID_PARAMETERS'],
        [xfer('FFA_MEM_SHARE'), 'FFA_RET_INVALID_PARAMETERS'],
        [xfer('FFA_MEM_LEND'), 'FFA_RET_INVALID_PARAMETERS'],
        [reclaim(), 'FFA_RET_INVALID_PARAMETERS'],
        [fragTx([2]), 'FFA_RET_INVALID_PARAMETERS'],
        [{ type: 'FFA_RXTX_UNMAP', id: 0 }, 'FFA_RET_INVALID_PARAMETERS'],
        ...PROXY_UNSUPPORTED_CALLS.map((type) => [{ type }, 'FFA_RET_INVALID_PARAMETERS'] as const),
      ]),
    ).toEqual([]);
  });

  it('refuses a major other than 1, a downgrade the SPMD refuses, and a failed post-init', () => {
    expect(
      proxy.refusalDifferences(unset, [
        [version(0, { major: 2 }), 'FFA_RET_NOT_SUPPORTED'],
        [version(1, { firmwareAcceptsVersion: false }), 'FFA_RET_NOT_SUPPORTED'],
      ]),
    ).toEqual([]);
    expect(
      proxy.refusalDifferences(proxy.start({ postInitOk: false }), [[version(), 'FFA_RET_NOT_SUPPORTED']]),
    ).toEqual([]);
  });

  it('negotiates, lowering hyp_ffa_version on an accepted downgrade', () => {
    expect(negotiated.value).toBe('versionNegotiated.mailboxUnmapped');
    expect(negotiated.context.hypVersionMinor).toBe(2);
    expect(proxy.accept(unset, version(3)).context.hypVersionMinor).toBe(2);
    const downgraded = proxy.accept(unset, version(0));
    expect(downgraded.context.hypVersionMinor).toBe(0);
  });

  it('afterwards answers the agreed version, or NOT_SUPPORTED for a lower minor', () => {
    const again = proxy.acceptEmitting(negotiated, version(2));
    expect(again.snap).toEqual(negotiated);
    expect(proxy.refusalDifferences(negotiated, [[version(1), 'FFA_RET_NOT_SUPPORTED']])).toEqual([]);
  });
});

describe('calls refused by ffa_call_supported()', () => {
  it('refuses DONATE, RETRIEVE_REQ/RESP, RELINQUISH, FRAG_RX, OP_PAUSE/RESUME and 32-bit RXTX_MAP', () => {
    for (const snap of [negotiated, mapped]) {
      expect(
        proxy.refusalDifferences(
          snap,
          PROXY_UNSUPPORTED_CALLS.map((type) => [{ type }, 'FFA_RET_NOT_SUPPORTED'] as const),
        ),
      ).toEqual([]);
    }
  });
});

describe('mailbox (do_ffa_rxtx_map / do_ffa_rxtx_unmap)', () => {
  it('maps: shares both pages with hyp, then pins them', () => {
    const result = proxy.acceptEmitting(negotiated, rxtxMap());
    expect(result.snap.value).toBe('versionNegotiated.mailboxMapped');
    expect(result.snap.context.mailbox).toEqual({ tx: 10, rx: 11 });
    expect(pageCalls(result.emitted)).toEqual([
      ['HOST_SHARE_HYP', [10, 11]],
      ['HYP_PIN_SHARED_MEM', [10, 11]],
    ]);
  });

  it('refuses a wrong page count, unaligned buffers and pages it cannot share (INVALID_PARAMETERS)', () => {
    expect(
      proxy.refusalDifferences(negotiated, [
        [rxtxMap({ pageCount: 2 }), 'FFA_RET_INVALID_PARAMETERS'],
        [rxtxMap({ pageAligned: false }), 'FFA_RET_INVALID_PARAMETERS'],
        [rxtxMap({ mailboxShareable: false }), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
  });

  it('refuses a second map with DENIED, after the page-count and alignment checks', () => {
    expect(
      proxy.refusalDifferences(mapped, [
        [rxtxMap(), 'FFA_RET_DENIED'],
        [rxtxMap({ pageCount: 0 }), 'FFA_RET_INVALID_PARAMETERS'],
        [rxtxMap({ pageAligned: false }), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
  });

  it('unmaps: unpin and unshare TX, then RX; refuses a wrong id and an unmapped mailbox', () => {
    const result = proxy.acceptEmitting(mapped, { type: 'FFA_RXTX_UNMAP', id: 0 });
    expect(result.snap.value).toBe('versionNegotiated.mailboxUnmapped');
    expect(result.snap.context.mailbox).toBeNull();
    expect(pageCalls(result.emitted)).toEqual([
      ['HYP_UNPIN_SHARED_MEM', [10]],
      ['HOST_UNSHARE_HYP', [10]],
      ['HYP_UNPIN_SHARED_MEM', [11]],
      ['HOST_UNSHARE_HYP', [11]],
    ]);
    expect(
      proxy.refusalDifferences(mapped, [[{ type: 'FFA_RXTX_UNMAP', id: 1 }, 'FFA_RET_INVALID_PARAMETERS']]),
    ).toEqual([]);
    expect(
      proxy.refusalDifferences(negotiated, [
        [{ type: 'FFA_RXTX_UNMAP', id: 0 }, 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
  });

  it('refuses memory sends and fragments without a TX mailbox (INVALID_PARAMETERS)', () => {
    expect(
      proxy.refusalDifferences(negotiated, [
        [xfer('FFA_MEM_SHARE'), 'FFA_RET_INVALID_PARAMETERS'],
        [xfer('FFA_MEM_LEND'), 'FFA_RET_INVALID_PARAMETERS'],
        [fragTx([2]), 'FFA_RET_INVALID_PARAMETERS'],
      ]),
    ).toEqual([]);
  });
});

describe('__do_ffa_mem_xfer checks, in order', () => {
  const good = hostMemDescriptor(2);
  it('refuses each malformed descriptor with the kernel’s code', () => {
    expect(
      proxy.refusalDifferences(mapped, [
        [xfer('FFA_MEM_SHARE', [0, 1], { addressMbz: 0x8000 }), 'FFA_RET_INVALID_PARAMETERS'],
        [xfer('FFA_MEM_SHARE', [0, 1], { pageCountMbz: 1 }), 'FFA_RET_INVALID_PARAMETERS'],
        [xfer('FFA_MEM_SHARE', [0, 1], { fragmentLength: good.length + 16 }), 'FFA_RET_INVALID_PARAMETERS'],
        [
          xfer('FFA_MEM_SHARE', [0, 1], { length: 2 * MAILBOX_BYTES, fragmentLength: MAILBOX_BYTES + 16 }),
          'FFA_RET_INVALID_PARAMETERS',
        ],
        [xfer('FFA_MEM_SHARE', [0, 1], { fragmentLength: 48 }), 'FFA_RET_INVALID_PARAMETERS'],
        [xfer('FFA_MEM_SHARE', [0, 1], { length: 64 * MAILBOX_BYTES }), 'FFA_RET_NO_MEMORY'],
        [xfer('FFA_MEM_SHARE', [0, 1], { compositeOffset: 0 }), 'FFA_RET_INVALID_PARAMETERS'],
        [xfer('FFA_MEM_LEND', [0, 1], { epCount: 2 }), 'FFA_RET_INVALID_PARAMETERS'],
        [xfer('FFA_MEM_LEND', [0, 1], { senderId: 0x8001 }), 'FFA_RET_INVALID_PARAMETERS'],
        [xfer('FFA_MEM_LEND', [0, 1], { compositeOffset: 0xffff_fff8 }), 'FFA_RET_INVALID_PARAMETERS'],
        [
          xfer('FFA_MEM_LEND', [0, 1], { compositeOffset: good.fragmentLength }),
          'FFA_RET_INVALID_PARAMETERS',
        ],
        [xfer('FFA_MEM_LEND', [0, 1], { compositeOffset: 72 }), 'FFA_RET_INVALID_PARAMETERS'],
        [xfer('FFA_MEM_LEND', [0, 1], { rangesShareable: false }), 'FFA_RET_DENIED'],
      ]),
    ).toEqual([]);
  });

  it('checks the descriptor size before the header (NO_MEMORY wins over a bad ep_count)', () => {
    expect(
      proxy.refusalDifferences(mapped, [
        [xfer('FFA_MEM_SHARE', [0, 1], { length: 64 * MAILBOX_BYTES, epCount: 3 }), 'FFA_RET_NO_MEMORY'],
      ]),
    ).toEqual([]);
  });
});

describe('memory sends: the page transitions asked of mem_protect.c', () => {
  it('SHARE shares each range with FF-A (__pkvm_host_share_ffa), then forwards', () => {
    const result = proxy.acceptEmitting(mapped, xfer('FFA_MEM_SHARE', [4, 5]));
    expect(result.snap).toEqual(mapped);
    expect(result.emitted).toEqual([
      { type: 'PKVM_PAGE_TRANSITION', call: 'HOST_SHARE_FFA', pages: [4, 5] },
      {
        type: 'FFA_FORWARD',
        call: 'FFA_MEM_SHARE',
        handle: 0,
        sender: 'host',
        receiver: 'sp1',
        flags: 0,
        pages: [4, 5],
        length: hostMemDescriptor(2).length,
        fragmentLength: hostMemDescriptor(2).fragmentLength,
      },
    ]);
  });

  it('mainline: LEND also calls __pkvm_host_share_ffa, the host keeps its mapping', () => {
    expect(pageCalls(proxy.acceptEmitting(mapped, xfer('FFA_MEM_LEND', [4])).emitted)).toEqual([
      ['HOST_SHARE_FFA', [4]],
    ]);
  });

  it('unmapOnLend (Android): LEND calls __pkvm_host_donate_ffa and records the handle as lent', () => {
    const lent = proxy.acceptEmitting(androidMapped, xfer('FFA_MEM_LEND', [4], { handle: 7 }));
    expect(pageCalls(lent.emitted)).toEqual([['HOST_DONATE_FFA', [4]]]);
    expect(lent.snap.context.transfers).toEqual([{ handle: 7, lend: true }]);
    const shared = proxy.acceptEmitting(androidMapped, xfer('FFA_MEM_SHARE', [5], { handle: 8 }));
    expect(pageCalls(shared.emitted)).toEqual([['HOST_SHARE_FFA', [5]]]);
    expect(shared.snap.context.transfers).toEqual([{ handle: 8, lend: false }]);
  });

  it('Android: a full handle table fails the call after the ranges were given away (not rolled back)', () => {
    const small = proxy.accept(
      proxy.accept(proxy.start({ unmapOnLend: true, maxHandles: 1 }), version()),
      rxtxMap(),
    );
    const first = proxy.accept(small, xfer('FFA_MEM_LEND', [4], { handle: 0 }));
    const failed = proxy.acceptEmitting(first, xfer('FFA_MEM_LEND', [5], { handle: 1 }));
    expect(failed.emitted).toEqual([
      { type: 'PKVM_PAGE_TRANSITION', call: 'HOST_DONATE_FFA', pages: [5] },
      {
        type: 'FFA_PROXY_CALL_FAILED',
        call: 'FFA_MEM_LEND',
        code: 'FFA_RET_NO_MEMORY',
        handle: 1,
        pages: [5],
      },
    ]);
    expect(failed.snap.context.transfers).toEqual([{ handle: 0, lend: true }]);
  });
});

describe('fragments (do_ffa_mem_frag_tx)', () => {
  it('refuses oversized or ragged fragments, and unshareable ranges with DENIED', () => {
    expect(
      proxy.refusalDifferences(mapped, [
        [fragTx([2], { fragmentLength: MAILBOX_BYTES + 16 }), 'FFA_RET_INVALID_PARAMETERS'],
        [fragTx([2], { fragmentLength: 24 }), 'FFA_RET_INVALID_PARAMETERS'],
        [fragTx([2], { rangesShareable: false }), 'FFA_RET_DENIED'],
      ]),
    ).toEqual([]);
  });

  it('shares the fragment’s ranges when the SPMD accepts it; forwards alone when it does not', () => {
    expect(proxy.acceptEmitting(mapped, fragTx([2, 3])).emitted.map((e) => e.type)).toEqual([
      'PKVM_PAGE_TRANSITION',
      'FFA_FORWARD',
    ]);
    expect(
      proxy.acceptEmitting(mapped, fragTx([2, 3], { spmdAccepts: false })).emitted.map((e) => e.type),
    ).toEqual(['FFA_FORWARD']);
  });

  it('Android: refuses an unknown handle; donates the fragments of a lent handle', () => {
    expect(
      proxy.refusalDifferences(androidMapped, [[fragTx([2], { handle: 3 }), 'FFA_RET_INVALID_PARAMETERS']]),
    ).toEqual([]);
    const lent = proxy.accept(
      androidMapped,
      xfer('FFA_MEM_LEND', [0, 1], { ...hostMemDescriptor(3, 2), handle: 3 }),
    );
    expect(pageCalls(proxy.acceptEmitting(lent, fragTx([2], { handle: 3 })).emitted)).toEqual([
      ['HOST_DONATE_FFA', [2]],
    ]);
  });
});

describe('reclaim (do_ffa_mem_reclaim)', () => {
  it('forwards and unshares the SPMC’s constituents; needs no mailbox', () => {
    const result = proxy.acceptEmitting(negotiated, reclaim(0, [4, 5]));
    expect(result.emitted).toMatchObject([
      { type: 'FFA_FORWARD', call: 'FFA_MEM_RECLAIM', handle: 0 },
      { type: 'PKVM_PAGE_TRANSITION', call: 'HOST_UNSHARE_FFA', pages: [4, 5] },
    ]);
  });

  it('Android: reclaims a lent handle with __pkvm_host_reclaim_ffa and frees its slot', () => {
    const lent = proxy.accept(androidMapped, xfer('FFA_MEM_LEND', [4], { handle: 7 }));
    const result = proxy.acceptEmitting(lent, reclaim(7, [4]));
    expect(pageCalls(result.emitted)).toEqual([['HOST_RECLAIM_FFA', [4]]]);
    expect(result.snap.context.transfers).toEqual([]);
    expect(proxy.refusalDifferences(result.snap, [[reclaim(7, [4]), 'FFA_RET_INVALID_PARAMETERS']])).toEqual(
      [],
    );
  });
});

describe('composition with the page machines (the contract PKVM_PAGE_TRANSITION carries)', () => {
  function applyToPage(machine: typeof pkvmPageMachine, emitted: readonly PkvmFfaProxyEmitted[]) {
    const page = compileMachine<PkvmPageContext>(machine);
    let snap: MachineSnapshot<PkvmPageContext> = page.initial({ pfn: 4, guestCount: 0 });
    for (const e of emitted) {
      if (e.type !== 'PKVM_PAGE_TRANSITION' || !e.pages.includes(4)) continue;
      const next = page.step(snap, { type: e.call });
      if (!next) throw new Error(`${e.call} refused by the page in ${snap.value}`);
      snap = next;
    }
    return snap;
  }

  it('mainline LEND leaves the host page SHARED_OWNED (still mapped); Android unmaps it (NOPAGE)', () => {
    const mainline = applyToPage(
      pkvmPageMachine,
      proxy.acceptEmitting(mapped, xfer('FFA_MEM_LEND', [4])).emitted,
    );
    expect(mainline.value).toBe('SHARED_OWNED');
    const androidLend = proxy.acceptEmitting(androidMapped, xfer('FFA_MEM_LEND', [4], { handle: 0 }));
    const androidPage = applyToPage(androidPkvmPageMachine, androidLend.emitted);
    expect(androidPage.value).toBe('NOPAGE.ownedByFfa');
    const back = proxy.acceptEmitting(androidLend.snap, reclaim(0, [4]));
    expect(applyToPage(androidPkvmPageMachine, [...androidLend.emitted, ...back.emitted]).value).toBe(
      'OWNED',
    );
  });
});

describe('flaw: lendTreatedAsShare', () => {
  const flawedMachine = pkvmFfaProxyMachine.provide(pkvmFfaProxyFlaws.lendTreatedAsShare.provide);
  const flawed = machineDriver<PkvmFfaProxyContext, PkvmFfaProxyEvent, PkvmFfaProxyEmitted>(
    flawedMachine,
    pkvmFfaProxyRefusals,
  );
  const session: PkvmFfaProxyEvent[] = [
    version(),
    rxtxMap(),
    xfer('FFA_MEM_LEND', [0, 1], { ...hostMemDescriptor(3, 2), handle: 1 }),
    fragTx([2], { handle: 1 }),
    xfer('FFA_MEM_LEND', [4], { handle: 2 }),
    fragTx([6], { handle: 9 }),
    reclaim(1, [0, 1, 2]),
    reclaim(5, [9]),
  ];

  it('makes a proxy set up for unmap-on-lend step exactly as the mainline one', () => {
    const mainline = compareDrivers(pkvmFfaProxyMachine, { maxHandles: 1 }, session);
    const switched = compareDrivers(flawedMachine, { unmapOnLend: true, maxHandles: 1 }, session);
    const android = compareDrivers(pkvmFfaProxyMachine, { unmapOnLend: true, maxHandles: 1 }, session);
    expect([mainline, switched, android].map((run) => run.disagreements)).toEqual([[], [], []]);
    expect(switched.steps).toEqual(mainline.steps);
    expect(android.steps).not.toEqual(mainline.steps);
  });

  it('keeps the host mapping of lent pages and tracks no handle', () => {
    const ready = flawed.run([version(), rxtxMap()], { unmapOnLend: true });
    const lent = flawed.acceptEmitting(ready, xfer('FFA_MEM_LEND', [4], { handle: 7 }));
    expect(pageCalls(lent.emitted)).toEqual([['HOST_SHARE_FFA', [4]]]);
    expect(lent.snap.context.transfers).toEqual([]);
    expect(pageCalls(flawed.acceptEmitting(lent.snap, reclaim(7, [4])).emitted)).toEqual([
      ['HOST_UNSHARE_FFA', [4]],
    ]);
  });
});

describe('compiled and interpreted drivers agree', () => {
  it('on a scripted mainline and Android session', () => {
    const script: PkvmFfaProxyEvent[] = [
      xfer('FFA_MEM_SHARE'),
      version(3, { major: 2 }),
      version(1),
      version(0),
      rxtxMap({ pageCount: 2 }),
      rxtxMap(),
      rxtxMap(),
      xfer('FFA_MEM_LEND', [0, 1], { ...hostMemDescriptor(3, 2), handle: 1 }),
      fragTx([2], { handle: 1 }),
      fragTx([3], { handle: 1, spmdAccepts: false }),
      { type: 'FFA_MEM_DONATE' },
      reclaim(1, [0, 1, 2]),
      { type: 'FFA_RXTX_UNMAP', id: 0 },
      reclaim(5, [9]),
    ];
    const mainline = compareDrivers(pkvmFfaProxyMachine, {}, script);
    const android = compareDrivers(pkvmFfaProxyMachine, { unmapOnLend: true, maxHandles: 1 }, script);
    expect([mainline.disagreements, android.disagreements]).toEqual([[], []]);
    expect([mainline.accepted, android.accepted]).toEqual([8, 7]);
  });
});

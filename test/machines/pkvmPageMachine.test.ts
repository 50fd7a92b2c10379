/**
 * The pKVM page machine against mainline `pkvm_ownership_selftest()` (mem_protect.c): every
 * step of the selftest, with the error code each refused call must return, plus the paths the
 * selftest does not cover (handler checks, dying reclaim, force reclaim, Android-only calls).
 *
 * Differences from the selftest, all from modelling one IPA per (page, VM): the selftest shares
 * the page at two IPAs of one non-protected VM, here at one IPA in each of two non-protected
 * VMs (0 and 1); donations go to protected VMs 2 and 3, because the hypercall handlers only
 * donate to pVMs and only share with np-VMs.
 */
import { describe, expect, it } from 'vitest';
import {
  android15PkvmPageMachine,
  android15PkvmPageRefusals,
  androidPkvmPageMachine,
  androidPkvmPageRefusals,
  type PkvmPageEvent,
  pkvmPageMachine,
} from '../../machines/pkvmPageMachine.ts';
import {
  type GuestPageState,
  hostBorrowsFromGuest,
  hostPageState,
  ownsPage,
  pageIsOwnedByFfa,
  pageIsOwnedByGuest,
  pageIsOwnedByHyp,
} from '../../machines/pkvmPageState.ts';
import { np, type PageSnap, pageDriver, pvm } from '../support/pkvmPage.ts';
import { expectTrueExactlyIn, leafStates } from './statePredicates.ts';

const page = pageDriver();

const e = (type: PkvmPageEvent['type'], facts: object = {}) => ({ type, ...facts }) as PkvmPageEvent;

/** The host-only calls the selftest tries after almost every step. */
const hostCalls = {
  donateHyp: e('HOST_DONATE_HYP'),
  shareHyp: e('HOST_SHARE_HYP'),
  unshareHyp: e('HOST_UNSHARE_HYP'),
  shareFfa: e('HOST_SHARE_FFA'),
  unshareFfa: e('HOST_UNSHARE_FFA'),
  hypDonateHost: e('HYP_DONATE_HOST'),
  pin: e('HYP_PIN_SHARED_MEM'),
  shareGuest0: e('HOST_SHARE_GUEST', np(0)),
  donateGuest2: e('HOST_DONATE_GUEST', pvm(2)),
  unshareGuest0: e('HOST_UNSHARE_GUEST', np(0)),
};

describe('pkvm_ownership_selftest() sequence', () => {
  let snap: PageSnap = page.start();

  it('1. page donated to hyp: host NOPAGE, hyp OWNED; every host transition refused', () => {
    snap = page.accept(snap, hostCalls.donateHyp);
    expect(snap.value).toBe('NOPAGE.ownedByHyp');
    expect(snap.context.hyp).toBe('OWNED');
    expect(
      page.refusalDifferences(snap, [
        [hostCalls.donateHyp, 'EPERM'],
        [hostCalls.shareHyp, 'EPERM'],
        [hostCalls.unshareHyp, 'EPERM'],
        [hostCalls.shareFfa, 'EPERM'],
        [hostCalls.unshareFfa, 'EPERM'],
        [hostCalls.pin, 'EPERM'],
        [hostCalls.shareGuest0, 'EPERM'],
        [hostCalls.donateGuest2, 'EPERM'],
        [hostCalls.unshareGuest0, 'ENOENT'],
      ]),
    ).toEqual([]);
  });

  it('2. __pkvm_hyp_donate_host: host OWNED, hyp NOPAGE', () => {
    snap = page.accept(snap, hostCalls.hypDonateHost);
    expect(snap.value).toBe('OWNED');
    expect(snap.context.hyp).toBe('NOPAGE');
    expect(
      page.refusalDifferences(snap, [
        [hostCalls.hypDonateHost, 'EPERM'],
        [hostCalls.unshareHyp, 'EPERM'],
        [hostCalls.unshareFfa, 'EPERM'],
        [hostCalls.pin, 'EPERM'],
        [hostCalls.unshareGuest0, 'ENOENT'],
      ]),
    ).toEqual([]);
  });

  it('3. __pkvm_host_share_hyp: host SHARED_OWNED, hyp SHARED_BORROWED', () => {
    snap = page.accept(snap, hostCalls.shareHyp);
    expect(snap.value).toBe('SHARED_OWNED');
    expect(snap.context.hyp).toBe('SHARED_BORROWED');
    expect(
      page.refusalDifferences(snap, [
        [hostCalls.shareHyp, 'EPERM'],
        [hostCalls.donateHyp, 'EPERM'],
        [hostCalls.shareFfa, 'EPERM'],
        [hostCalls.hypDonateHost, 'EPERM'],
        [hostCalls.shareGuest0, 'EPERM'],
        [hostCalls.donateGuest2, 'EPERM'],
        [hostCalls.unshareGuest0, 'ENOENT'],
      ]),
    ).toEqual([]);
  });

  it('4. pinned twice, unpinned once: unshare gives -EBUSY', () => {
    snap = page.accept(snap, hostCalls.pin);
    snap = page.accept(snap, hostCalls.pin);
    snap = page.accept(snap, e('HYP_UNPIN_SHARED_MEM'));
    expect(snap.context.hypPinCount).toBe(1);
    expect(
      page.refusalDifferences(snap, [
        [hostCalls.unshareHyp, 'EBUSY'],
        [hostCalls.shareHyp, 'EPERM'],
        [hostCalls.donateHyp, 'EPERM'],
        [hostCalls.shareFfa, 'EPERM'],
        [hostCalls.hypDonateHost, 'EPERM'],
        [hostCalls.shareGuest0, 'EPERM'],
        [hostCalls.donateGuest2, 'EPERM'],
        [hostCalls.unshareGuest0, 'ENOENT'],
      ]),
    ).toEqual([]);
  });

  it('5. last unpin, then __pkvm_host_unshare_hyp: host OWNED again', () => {
    snap = page.accept(snap, e('HYP_UNPIN_SHARED_MEM'));
    snap = page.accept(snap, hostCalls.unshareHyp);
    expect(snap.value).toBe('OWNED');
    expect(snap.context.hyp).toBe('NOPAGE');
  });

  it('6. __pkvm_host_share_ffa: host SHARED_OWNED, hyp untouched', () => {
    snap = page.accept(snap, hostCalls.shareFfa);
    expect(snap.value).toBe('SHARED_OWNED');
    expect(snap.context.hyp).toBe('NOPAGE');
    expect(
      page.refusalDifferences(snap, [
        [hostCalls.shareFfa, 'EPERM'],
        [hostCalls.donateHyp, 'EPERM'],
        [hostCalls.shareHyp, 'EPERM'],
        [hostCalls.unshareHyp, 'EPERM'],
        [hostCalls.hypDonateHost, 'EPERM'],
        [hostCalls.shareGuest0, 'EPERM'],
        [hostCalls.donateGuest2, 'EPERM'],
        [hostCalls.pin, 'EPERM'],
        [hostCalls.unshareGuest0, 'ENOENT'],
      ]),
    ).toEqual([]);
  });

  it('7. __pkvm_host_unshare_ffa: host OWNED; a second unshare gives -EPERM', () => {
    snap = page.accept(snap, hostCalls.unshareFfa);
    expect(snap.value).toBe('OWNED');
    expect(page.refusalDifferences(snap, [[hostCalls.unshareFfa, 'EPERM']])).toEqual([]);
  });

  it('8. __pkvm_host_share_guest: host SHARED_OWNED, guest SHARED_BORROWED, count 1', () => {
    snap = page.accept(snap, hostCalls.shareGuest0);
    expect(snap.value).toBe('SHARED_OWNED');
    expect(snap.context.guests[0]).toBe('SHARED_BORROWED');
    expect(snap.context.hostShareGuestCount).toBe(1);
    expect(
      page.refusalDifferences(snap, [
        [hostCalls.shareGuest0, 'EPERM'],
        [hostCalls.shareFfa, 'EPERM'],
        [hostCalls.donateHyp, 'EPERM'],
        [hostCalls.shareHyp, 'EPERM'],
        [hostCalls.unshareHyp, 'EPERM'],
        [hostCalls.hypDonateHost, 'EPERM'],
        [hostCalls.donateGuest2, 'EPERM'],
        [hostCalls.pin, 'EPERM'],
      ]),
    ).toEqual([]);
  });

  it('9. a second np-guest share: host_share_guest_count 2', () => {
    snap = page.accept(snap, e('HOST_SHARE_GUEST', np(1)));
    expect(snap.context.hostShareGuestCount).toBe(2);
  });

  it('10. __pkvm_host_unshare_guest twice: the host owns the page again at count 0', () => {
    snap = page.accept(snap, hostCalls.unshareGuest0);
    expect(snap.value).toBe('SHARED_OWNED');
    expect(snap.context.guests[0]).toBe('NOPAGE');
    snap = page.accept(snap, e('HOST_UNSHARE_GUEST', np(1)));
    expect(snap.value).toBe('OWNED');
    expect(snap.context.hostShareGuestCount).toBe(0);
  });

  it('11. __pkvm_host_donate_guest: host NOPAGE annotated with the guest, guest OWNED', () => {
    snap = page.accept(snap, hostCalls.donateGuest2);
    expect(snap.value).toBe('NOPAGE.ownedByGuest');
    expect(snap.context.guests[2]).toBe('OWNED');
    expect(snap.context.guestOwner).toBe(2);
    expect(
      page.refusalDifferences(snap, [
        [hostCalls.donateGuest2, 'EPERM'],
        [e('HOST_DONATE_GUEST', pvm(3)), 'EPERM'],
        [hostCalls.shareGuest0, 'EPERM'],
        [e('HOST_SHARE_GUEST', np(1)), 'EPERM'],
        [hostCalls.shareFfa, 'EPERM'],
        [hostCalls.donateHyp, 'EPERM'],
        [hostCalls.shareHyp, 'EPERM'],
        [hostCalls.unshareHyp, 'EPERM'],
        [hostCalls.hypDonateHost, 'EPERM'],
      ]),
    ).toEqual([]);
  });

  it('12. __pkvm_guest_share_host (MEM_SHARE): host SHARED_BORROWED, guest SHARED_OWNED', () => {
    snap = page.accept(snap, e('GUEST_SHARE_HOST', pvm(2)));
    expect(snap.value).toBe('SHARED_BORROWED');
    expect(snap.context.guests[2]).toBe('SHARED_OWNED');
    expect(
      page.refusalDifferences(snap, [
        [e('GUEST_SHARE_HOST', pvm(2)), 'EPERM'],
        [hostCalls.donateGuest2, 'EPERM'],
        [hostCalls.shareGuest0, 'EPERM'],
        [hostCalls.shareFfa, 'EPERM'],
        [hostCalls.donateHyp, 'EPERM'],
        [hostCalls.shareHyp, 'EPERM'],
        [hostCalls.hypDonateHost, 'EPERM'],
      ]),
    ).toEqual([]);
  });

  it('13. __pkvm_guest_unshare_host (MEM_UNSHARE): host NOPAGE annotated again', () => {
    snap = page.accept(snap, e('GUEST_UNSHARE_HOST', pvm(2)));
    expect(snap.value).toBe('NOPAGE.ownedByGuest');
    expect(snap.context.guestOwner).toBe(2);
    expect(page.refusalDifferences(snap, [[e('GUEST_UNSHARE_HOST', pvm(2)), 'EPERM']])).toEqual([]);
  });

  it('14. __pkvm_host_force_reclaim_page_guest: zeroed, guest POISON, host OWNED', () => {
    const result = page.call(snap, e('FORCE_RECLAIM_GUEST_PAGE'));
    expect(result.ok && result.emitted).toEqual([{ type: 'PAGE_POISONED', by: 'hyp_poison_page' }]);
    if (!result.ok) return;
    snap = result.snap;
    expect(snap.value).toBe('OWNED');
    expect(snap.context.guests[2]).toBe('POISON');
    expect(snap.context.guestOwner).toBe(-1);
    expect(
      page.refusalDifferences(snap, [
        [hostCalls.donateGuest2, 'EPERM'],
        [e('GUEST_SHARE_HOST', pvm(2)), 'EHWPOISON'],
        [e('GUEST_UNSHARE_HOST', pvm(2)), 'EHWPOISON'],
      ]),
    ).toEqual([]);
  });

  it('15. donation to another guest, reclaimed when it dies: zeroed on the way back', () => {
    snap = page.accept(snap, e('HOST_DONATE_GUEST', pvm(3)));
    const result = page.call(
      snap,
      e('RECLAIM_DYING_GUEST_PAGE', pvm(3, { vmDying: true, vcpuLoaded: false })),
    );
    expect(result.ok && result.emitted).toEqual([{ type: 'PAGE_POISONED', by: 'hyp_poison_page' }]);
    if (!result.ok) return;
    snap = result.snap;
    expect(snap.value).toBe('OWNED');
    expect(snap.context.guests[3]).toBe('NOPAGE');
    expect(page.refusalDifferences(snap, [[hostCalls.donateGuest2, 'EPERM']])).toEqual([]);
  });

  it('16. donated back to hyp', () => {
    snap = page.accept(snap, hostCalls.donateHyp);
    expect(snap.value).toBe('NOPAGE.ownedByHyp');
  });
});

describe('hypercall handler checks (nvhe/hyp-main.c)', () => {
  const owned = page.start();
  it('donates only to a loaded protected vCPU and shares only with a loaded non-protected one', () => {
    expect(
      page.refusalDifferences(owned, [
        [e('HOST_DONATE_GUEST', np(0)), 'EINVAL'],
        [e('HOST_DONATE_GUEST', pvm(2, { vcpuLoaded: false })), 'EINVAL'],
        [e('HOST_SHARE_GUEST', pvm(2)), 'EINVAL'],
        [e('HOST_SHARE_GUEST', np(0, { vcpuLoaded: false })), 'EINVAL'],
        [e('HOST_UNSHARE_GUEST', pvm(2)), 'EINVAL'],
      ]),
    ).toEqual([]);
  });
  it('refuses a share_guest to a page already shared with a guest when the count is exhausted', () => {
    const shared = page.accept(owned, e('HOST_SHARE_GUEST', np(0)));
    const saturated = { ...shared, context: { ...shared.context, hostShareGuestCount: 0xffff_ffff } };
    expect(page.refusalDifferences(saturated, [[e('HOST_SHARE_GUEST', np(1)), 'EBUSY']])).toEqual([]);
  });
  it('refuses an unshare_guest whose count is already 0 (WARN, -EINVAL)', () => {
    const shared = page.accept(owned, e('HOST_SHARE_GUEST', np(0)));
    const drifted = { ...shared, context: { ...shared.context, hostShareGuestCount: 0 } };
    expect(page.refusalDifferences(drifted, [[e('HOST_UNSHARE_GUEST', np(0)), 'EINVAL']])).toEqual([]);
  });
});

describe('reclaim of a dying guest page (__pkvm_reclaim_dying_guest_page)', () => {
  const donated = page.accept(page.start(), e('HOST_DONATE_GUEST', pvm(2)));
  it('is refused with -EINVAL while the VM is not dying', () => {
    expect(page.refusalDifferences(donated, [[e('RECLAIM_DYING_GUEST_PAGE', pvm(2)), 'EINVAL']])).toEqual([]);
  });
  it('returns a page the guest shared with the host without zeroing it', () => {
    const shared = page.accept(donated, e('GUEST_SHARE_HOST', pvm(2)));
    const result = page.call(shared, e('RECLAIM_DYING_GUEST_PAGE', pvm(2, { vmDying: true })));
    expect(result.ok && result.emitted).toEqual([]);
    expect(result.ok && result.snap.value).toBe('OWNED');
  });
  it('refuses a page another guest owns: that guest PTE is unmapped (-ENOENT)', () => {
    expect(
      page.refusalDifferences(donated, [
        [e('RECLAIM_DYING_GUEST_PAGE', pvm(3, { vmDying: true })), 'ENOENT'],
      ]),
    ).toEqual([]);
  });
  it('refuses an np-VM page (guest SHARED_BORROWED): those are unshared instead (-EPERM)', () => {
    const shared = page.accept(page.start(), e('HOST_SHARE_GUEST', np(0)));
    expect(
      page.refusalDifferences(shared, [[e('RECLAIM_DYING_GUEST_PAGE', np(0, { vmDying: true })), 'EPERM']]),
    ).toEqual([]);
  });
  it('succeeds with no effect on a page already force-reclaimed: -EHWPOISON is returned as 0', () => {
    // Root cause: the model returned get_valid_guest_pte()'s -EHWPOISON, which
    // __pkvm_host_reclaim_page_guest() turns into 0 so the host drops its GUP pin.
    const poisoned = page.accept(donated, e('FORCE_RECLAIM_GUEST_PAGE'));
    expect(poisoned.context.guests[2]).toBe('POISON');
    expect(
      page.refusalDifferences(poisoned, [
        [e('RECLAIM_DYING_GUEST_PAGE', pvm(2, { vmDying: true })), 'NO_EFFECT'],
        [e('RECLAIM_DYING_GUEST_PAGE', pvm(2)), 'EINVAL'],
        [e('GUEST_SHARE_HOST', pvm(2)), 'EHWPOISON'],
      ]),
    ).toEqual([]);
    // Donated again to another guest: the poisoned view of the dying guest still gives 0.
    const again = page.accept(poisoned, e('HOST_DONATE_GUEST', pvm(3)));
    expect(
      page.refusalDifferences(again, [
        [e('RECLAIM_DYING_GUEST_PAGE', pvm(2, { vmDying: true })), 'NO_EFFECT'],
      ]),
    ).toEqual([]);
  });
  it('refuses a pVM page shared with FF-A: mainline only WARN_ON()s there (KERNEL_BUG)', () => {
    // Root cause: the model refused with the guest-state -EPERM; mainline's SHARED_OWNED case
    // WARNs that the host is not SHARED_BORROWED and would hand the page over unzeroed.
    const lent = page.accept(donated, e('GUEST_SHARE_FFA', pvm(2)));
    expect(
      page.refusalDifferences(lent, [
        [e('RECLAIM_DYING_GUEST_PAGE', pvm(2, { vmDying: true })), 'KERNEL_BUG'],
      ]),
    ).toEqual([]);
  });
});

describe('force reclaim refusals (host_stage2_get_guest_info)', () => {
  it('gives -EAGAIN when the host can already access the page, -EPERM for a hyp page, -EFAULT for MMIO', () => {
    expect(page.refusalDifferences(page.start(), [[e('FORCE_RECLAIM_GUEST_PAGE'), 'EAGAIN']])).toEqual([]);
    expect(
      page.refusalDifferences(page.accept(page.start(), e('HOST_DONATE_HYP')), [
        [e('FORCE_RECLAIM_GUEST_PAGE'), 'EPERM'],
      ]),
    ).toEqual([]);
    expect(
      page.refusalDifferences(page.start({ memoryType: 'mmio' }), [
        [e('FORCE_RECLAIM_GUEST_PAGE'), 'EFAULT'],
      ]),
    ).toEqual([]);
  });
  it('gives -EAGAIN when the guest has shared the page back with the host', () => {
    const donated = page.accept(page.start(), e('HOST_DONATE_GUEST', pvm(2)));
    const shared = page.accept(donated, e('GUEST_SHARE_HOST', pvm(2)));
    expect(page.refusalDifferences(shared, [[e('FORCE_RECLAIM_GUEST_PAGE'), 'EAGAIN']])).toEqual([]);
  });
});

describe('check_range_allowed_memory()', () => {
  it('keeps MMIO and no-map pages with the host (-EPERM)', () => {
    for (const memoryType of ['mmio', 'nomap'] as const) {
      expect(
        page.refusalDifferences(page.start({ memoryType }), [
          [e('HOST_SHARE_HYP'), 'EPERM'],
          [e('HOST_DONATE_HYP'), 'EPERM'],
          [e('HOST_SHARE_FFA'), 'EPERM'],
          [e('HOST_DONATE_GUEST', pvm(2)), 'EPERM'],
          [e('HOST_SHARE_GUEST', np(0)), 'EPERM'],
        ]),
      ).toEqual([]);
    }
  });
});

describe('hyp pins', () => {
  it('refuses to unpin an unpinned page: hyp_page_ref_dec() would BUG()', () => {
    const shared = page.accept(page.start(), e('HOST_SHARE_HYP'));
    expect(page.refusalDifferences(shared, [[e('HYP_UNPIN_SHARED_MEM'), 'KERNEL_BUG']])).toEqual([]);
  });
});

describe('Android Common Kernel variant', () => {
  const android = pageDriver(androidPkvmPageMachine, androidPkvmPageRefusals);

  it('lends with unmap-on-lend: host NOPAGE owned by FF-A, IOMMU identity mapping left in place', () => {
    const lent = android.accept(android.start(), e('HOST_DONATE_FFA'));
    expect(lent.value).toBe('NOPAGE.ownedByFfa');
    expect(lent.context.iommuIdmapMapped).toBe(true);
    const back = android.accept(lent, e('HOST_RECLAIM_FFA'));
    expect(back.value).toBe('OWNED');
  });

  it('refuses to reclaim a dying pVM page shared with FF-A with -EBUSY (__pkvm_host_reclaim_page)', () => {
    // Root cause: the model gave the guest-state -EPERM; android16-6.12 checks the host is
    // SHARED_BORROWED for a guest SHARED_OWNED page and returns -EBUSY ("Presumably a page
    // shared via FF-A, will be handled separately").
    const donated = android.accept(android.start(), e('HOST_DONATE_GUEST', pvm(2)));
    const lent = android.accept(donated, e('GUEST_SHARE_FFA', pvm(2)));
    expect(
      android.refusalDifferences(lent, [[e('RECLAIM_DYING_GUEST_PAGE', pvm(2, { vmDying: true })), 'EBUSY']]),
    ).toEqual([]);
    // Unshared from FF-A, the page is reclaimed (and zeroed) as any other guest-owned page.
    const back = android.accept(lent, e('GUEST_UNSHARE_FFA', pvm(2)));
    const reclaimed = android.call(back, e('RECLAIM_DYING_GUEST_PAGE', pvm(2, { vmDying: true })));
    expect(reclaimed.ok && reclaimed.snap.value).toBe('OWNED');
    expect(reclaimed.ok && reclaimed.emitted).toEqual([{ type: 'PAGE_POISONED', by: 'hyp_poison_page' }]);
  });

  it('lets no-map carveouts go to FF-A (HOST_CHECK_ALLOW_NO_MAP) but not MMIO (-EINVAL)', () => {
    expect(android.accept(android.start({ memoryType: 'nomap' }), e('HOST_SHARE_FFA')).value).toBe(
      'SHARED_OWNED',
    );
    expect(android.accept(android.start({ memoryType: 'nomap' }), e('HOST_DONATE_FFA')).value).toBe(
      'NOPAGE.ownedByFfa',
    );
    expect(
      android.refusalDifferences(android.start({ memoryType: 'mmio' }), [
        [e('HOST_SHARE_FFA'), 'EINVAL'],
        [e('HOST_DONATE_FFA'), 'EINVAL'],
      ]),
    ).toEqual([]);
  });

  it('refuses to give away a DMA-mapped page with -EINVAL (HOST_CHECK_NULL_REFCNT)', () => {
    const mapped = android.accept(android.start(), e('HOST_USE_DMA'));
    expect(mapped.context.dmaRefcount).toBe(1);
    expect(
      android.refusalDifferences(mapped, [
        [e('HOST_SHARE_HYP'), 'EINVAL'],
        [e('HOST_DONATE_HYP'), 'EINVAL'],
        [e('HOST_SHARE_FFA'), 'EINVAL'],
        [e('HOST_DONATE_FFA'), 'EINVAL'],
        [e('HOST_DONATE_GUEST', pvm(2)), 'EINVAL'],
        [e('HOST_SHARE_GUEST', np(0)), 'EINVAL'],
      ]),
    ).toEqual([]);
    const unmapped = android.accept(mapped, e('HOST_UNUSE_DMA'));
    expect(android.accept(unmapped, e('HOST_DONATE_GUEST', pvm(2))).value).toBe('NOPAGE.ownedByGuest');
  });

  it('maps only host-OWNED pages for DMA (__pkvm_host_use_dma: -EPERM)', () => {
    const shared = android.accept(android.start(), e('HOST_SHARE_HYP'));
    expect(
      android.refusalDifferences(shared, [
        [e('HOST_USE_DMA'), 'EPERM'],
        [e('HOST_UNUSE_DMA'), 'EPERM'],
      ]),
    ).toEqual([]);
    expect(android.refusalDifferences(android.start(), [[e('HOST_UNUSE_DMA'), 'KERNEL_BUG']])).toEqual([]);
  });

  it('relinquishes a pVM page (MEM_RELINQUISH): zeroed, host OWNED; an np-VM call has no effect', () => {
    const donated = android.accept(android.start(), e('HOST_DONATE_GUEST', pvm(2)));
    const result = android.call(donated, e('GUEST_RELINQUISH_TO_HOST', pvm(2)));
    expect(result.ok && result.emitted).toEqual([{ type: 'PAGE_POISONED', by: 'hyp_poison_page' }]);
    expect(result.ok && result.snap.value).toBe('OWNED');
    expect(
      android.refusalDifferences(donated, [[e('GUEST_RELINQUISH_TO_HOST', np(0)), 'NO_EFFECT']]),
    ).toEqual([]);
    const shared = android.accept(donated, e('GUEST_SHARE_HOST', pvm(2)));
    expect(android.refusalDifferences(shared, [[e('GUEST_RELINQUISH_TO_HOST', pvm(2)), 'EPERM']])).toEqual(
      [],
    );
  });

  it('keeps the identity IOMMU domain in step with the host stage-2', () => {
    const start = android.start();
    expect(start.context.iommuIdmapMapped).toBe(true);
    const toGuest = android.accept(start, e('HOST_DONATE_GUEST', pvm(2)));
    expect(toGuest.context.iommuIdmapMapped).toBe(false);
    const sharedBack = android.accept(toGuest, e('GUEST_SHARE_HOST', pvm(2)));
    expect(sharedBack.context.iommuIdmapMapped).toBe(true);
    const toHyp = android.accept(start, e('HOST_DONATE_HYP'));
    expect(toHyp.context.iommuIdmapMapped).toBe(false);
    expect(android.accept(toHyp, e('HYP_DONATE_HOST')).context.iommuIdmapMapped).toBe(true);
  });
});

describe('Android Common Kernel android15-6.6 variant', () => {
  const android15 = pageDriver(android15PkvmPageMachine, android15PkvmPageRefusals);

  it('keeps no-map carveouts and MMIO from FF-A with -EPERM (no HOST_CHECK_ALLOW_NO_MAP)', () => {
    // Root cause: the Android variant accepted a no-map page for __pkvm_host_share_ffa() in
    // every ACK; in android15-6.6 ___host_check_page_state_range() refuses MEMBLOCK_NOMAP
    // (-EPERM) and an MMIO page fails __host_set_page_state_range() (-EPERM).
    for (const memoryType of ['nomap', 'mmio'] as const) {
      expect(
        android15.refusalDifferences(android15.start({ memoryType }), [[e('HOST_SHARE_FFA'), 'EPERM']]),
      ).toEqual([]);
    }
    expect(android15.accept(android15.start(), e('HOST_SHARE_FFA')).value).toBe('SHARED_OWNED');
  });

  it('refuses to share a DMA-mapped page with FF-A (-EINVAL, is_range_refcounted)', () => {
    const mapped = android15.accept(android15.start(), e('HOST_USE_DMA'));
    expect(android15.refusalDifferences(mapped, [[e('HOST_SHARE_FFA'), 'EINVAL']])).toEqual([]);
  });

  it('answers a dying reclaim of a guest page shared with FF-A as mainline does (KERNEL_BUG)', () => {
    // The 6.6 tree has no __pkvm_guest_share_ffa_page(), so no world on this variant reaches
    // the state; only android16-6.12's __pkvm_host_reclaim_page() returns -EBUSY for it.
    const donated = android15.accept(android15.start(), e('HOST_DONATE_GUEST', pvm(2)));
    const lent = android15.accept(donated, e('GUEST_SHARE_FFA', pvm(2)));
    expect(
      android15.refusalDifferences(lent, [
        [e('RECLAIM_DYING_GUEST_PAGE', pvm(2, { vmDying: true })), 'KERNEL_BUG'],
      ]),
    ).toEqual([]);
  });
});

describe('snapshot predicates (pkvmPageState.ts)', () => {
  it('each is true in exactly the states it names', () => {
    expectTrueExactlyIn(pkvmPageMachine, hostBorrowsFromGuest, ['SHARED_BORROWED']);
    expectTrueExactlyIn(pkvmPageMachine, pageIsOwnedByHyp, ['NOPAGE.ownedByHyp']);
    expectTrueExactlyIn(pkvmPageMachine, pageIsOwnedByGuest, ['NOPAGE.ownedByGuest']);
    expectTrueExactlyIn(pkvmPageMachine, pageIsOwnedByFfa, ['NOPAGE.ownedByFfa']);
  });

  it("hostPageState is the host's enum pkvm_page_state of every state", () => {
    const states = leafStates(pkvmPageMachine);
    expect(Object.fromEntries(states.map((value) => [value, hostPageState({ value, context: {} })]))).toEqual(
      {
        OWNED: 'OWNED',
        SHARED_OWNED: 'SHARED_OWNED',
        SHARED_BORROWED: 'SHARED_BORROWED',
        'NOPAGE.ownedByHyp': 'NOPAGE',
        'NOPAGE.ownedByGuest': 'NOPAGE',
        'NOPAGE.ownedByFfa': 'NOPAGE',
      },
    );
  });

  it('ownsPage is true of the owner views only', () => {
    const views: GuestPageState[] = ['OWNED', 'SHARED_OWNED', 'SHARED_BORROWED', 'NOPAGE', 'POISON'];
    expect(views.filter(ownsPage)).toEqual(['OWNED', 'SHARED_OWNED']);
  });
});

/**
 * Each pKVM invariant (I1 to I9) on a hand-built page snapshot that breaks it, with the
 * message a reader would see, and on the initial world where all of them hold.
 */
import { describe, expect, it } from 'vitest';
import { initialPageContext, type PkvmPageContext } from '../../machines/pkvmPageState.ts';
import {
  type ComponentInfo,
  formatViolation,
  type Invariant,
  type WorldModel,
} from '../../properties/model.ts';
import { dmaMappedPageStaysHostOwned } from '../../properties/pkvm/dmaMappedPageStaysHostOwned.ts';
import { guestSharesMatchCount } from '../../properties/pkvm/guestSharesMatchCount.ts';
import { hostBorrowsFromOneProtectedGuest } from '../../properties/pkvm/hostBorrowsFromOneProtectedGuest.ts';
import { hostOwnedPageIsExclusive } from '../../properties/pkvm/hostOwnedPageIsExclusive.ts';
import { pkvmInvariants } from '../../properties/pkvm/index.ts';
import { lostPageIsAnnotated } from '../../properties/pkvm/lostPageIsAnnotated.ts';
import { onlyAllowedMemoryChangesHands } from '../../properties/pkvm/onlyAllowedMemoryChangesHands.ts';
import { pageHasSingleOwner } from '../../properties/pkvm/pageHasSingleOwner.ts';
import { pinnedPageStaysShared } from '../../properties/pkvm/pinnedPageStaysShared.ts';
import { sharedPageHasOneBorrower } from '../../properties/pkvm/sharedPageHasOneBorrower.ts';
import { InvariantChecker } from '../../src/check/invariantChecker.ts';
import { ownershipWorld } from '../support/pkvmWorlds.ts';

const model: WorldModel = {
  components: [],
  guestNames: ['infotainment', 'cluster', 'decrypt'],
  guestProtected: [false, false, true],
  byKind: {},
  kernel: 'upstream',
};
const info: ComponentInfo = { index: 0, id: 'page:7', kind: 'pkvmPage', label: 'page 7' };

function page(value: string, changes: Partial<PkvmPageContext> = {}) {
  return { value, context: { ...initialPageContext({ pfn: 7, guestCount: 3 }), ...changes } };
}

function check(invariant: Invariant, snapshot: ReturnType<typeof page>, on: WorldModel = model): string[] {
  return invariant.component!.check(snapshot, info, on).map(formatViolation);
}

describe('pKVM invariants on hand-built violating pages', () => {
  it('I1 pageHasSingleOwner: host and hyp both own the page', () => {
    expect(check(pageHasSingleOwner, page('OWNED', { hyp: 'OWNED' }))).toEqual([
      'page 7: expected exactly one owner; actual owners host and hyp (host OWNED, hyp OWNED)',
    ]);
    expect(check(pageHasSingleOwner, page('NOPAGE.ownedByGuest', { guestOwner: 2 }))).toEqual([
      'page 7: expected exactly one owner; actual no owner (host NOPAGE (owner guest decrypt), hyp NOPAGE)',
    ]);
  });

  it('I2 hostOwnedPageIsExclusive: a guest still maps a host-OWNED page', () => {
    expect(
      check(hostOwnedPageIsExclusive, page('OWNED', { guests: ['SHARED_BORROWED', 'NOPAGE', 'NOPAGE'] })),
    ).toEqual([
      'page 7: expected host OWNED with no other party holding the page; actual guest infotainment SHARED_BORROWED (host OWNED, hyp NOPAGE, guest infotainment SHARED_BORROWED)',
    ]);
  });

  it('I3 sharedPageHasOneBorrower: shared with nobody, or with hyp and FF-A at once', () => {
    expect(check(sharedPageHasOneBorrower, page('SHARED_OWNED'))).toEqual([
      'page 7: expected exactly one borrower (hyp or FF-A); actual no borrower (host SHARED_OWNED, hyp NOPAGE)',
    ]);
    expect(
      check(sharedPageHasOneBorrower, page('SHARED_OWNED', { hyp: 'SHARED_BORROWED', sharedWithFfa: true })),
    ).toHaveLength(1);
  });

  it('I4 guestSharesMatchCount: count and borrowing guests disagree, or a pVM borrows', () => {
    expect(
      check(
        guestSharesMatchCount,
        page('SHARED_OWNED', { hostShareGuestCount: 2, guests: ['SHARED_BORROWED', 'NOPAGE', 'NOPAGE'] }),
      ),
    ).toEqual([
      'page 7: expected host_share_guest_count = number of non-protected guests mapping it SHARED_BORROWED; actual count 2 but 1 guest(s) borrow it (host SHARED_OWNED, hyp NOPAGE, guest infotainment SHARED_BORROWED, host_share_guest_count 2)',
    ]);
    expect(
      check(
        guestSharesMatchCount,
        page('SHARED_OWNED', { hostShareGuestCount: 1, guests: ['NOPAGE', 'NOPAGE', 'SHARED_BORROWED'] }),
      )[0],
    ).toContain('protected guest decrypt borrows it');
  });

  it('I5 hostBorrowsFromOneProtectedGuest: the host borrows a page no guest lent', () => {
    expect(check(hostBorrowsFromOneProtectedGuest, page('SHARED_BORROWED'))).toEqual([
      'page 7: expected one protected guest SHARED_OWNED, hyp NOPAGE; actual host SHARED_BORROWED, hyp NOPAGE',
    ]);
    expect(
      check(
        hostBorrowsFromOneProtectedGuest,
        page('SHARED_BORROWED', { guests: ['SHARED_OWNED', 'NOPAGE', 'NOPAGE'] }),
      ),
    ).toHaveLength(1);
    expect(
      check(
        hostBorrowsFromOneProtectedGuest,
        page('SHARED_BORROWED', { guests: ['NOPAGE', 'NOPAGE', 'SHARED_OWNED'] }),
      ),
    ).toEqual([]);
  });

  it('I6 lostPageIsAnnotated: the annotation names a guest that no longer owns the page', () => {
    expect(
      check(
        lostPageIsAnnotated,
        page('NOPAGE.ownedByGuest', { guestOwner: 2, guests: ['NOPAGE', 'NOPAGE', 'POISON'] }),
      ),
    ).toEqual([
      'page 7: expected the annotated guest not poisoned; actual host NOPAGE (owner guest decrypt), hyp NOPAGE, guest decrypt POISON',
    ]);
    expect(check(lostPageIsAnnotated, page('NOPAGE.ownedByHyp'))).toEqual([
      'page 7: expected hyp OWNED; actual host NOPAGE (owner hyp), hyp NOPAGE',
    ]);
  });

  it('I7 pinnedPageStaysShared: a pinned page was unshared from hyp', () => {
    expect(check(pinnedPageStaysShared, page('OWNED', { hypPinCount: 1 }))).toEqual([
      'page 7: expected host SHARED_OWNED and hyp SHARED_BORROWED while pinned 1 time(s); actual host OWNED, hyp NOPAGE, 1 hyp pin(s)',
    ]);
  });

  it('I8 dmaMappedPageStaysHostOwned: a DMA-mapped page went to a guest', () => {
    expect(
      check(
        dmaMappedPageStaysHostOwned,
        page('NOPAGE.ownedByGuest', { dmaRefcount: 1, guestOwner: 2, guests: ['NOPAGE', 'NOPAGE', 'OWNED'] }),
      ),
    ).toEqual([
      'page 7: expected host OWNED while 1 DMA mapping(s) exist; actual host NOPAGE (owner guest decrypt), hyp NOPAGE, guest decrypt OWNED, 1 DMA mapping(s)',
    ]);
  });

  it('I9 onlyAllowedMemoryChangesHands: MMIO donated to hyp; no-map lent over FF-A is fine on Android only', () => {
    expect(
      check(onlyAllowedMemoryChangesHands, page('NOPAGE.ownedByHyp', { memoryType: 'mmio', hyp: 'OWNED' })),
    ).toEqual([
      'page 7: expected a mmio page to stay with the host; actual host NOPAGE (owner hyp), hyp OWNED',
    ]);
    const lent = page('NOPAGE.ownedByFfa', { memoryType: 'nomap' });
    expect(check(onlyAllowedMemoryChangesHands, lent)).toHaveLength(1);
    expect(check(onlyAllowedMemoryChangesHands, lent, { ...model, kernel: 'android' })).toEqual([]);
  });

  it('all nine hold on the initial world', () => {
    for (const kernel of ['upstream', 'android'] as const) {
      const world = ownershipWorld(kernel);
      expect(new InvariantChecker(world, pkvmInvariants).violations(world.initial)).toEqual([]);
    }
  });
});

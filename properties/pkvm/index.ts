/** The pKVM well-formedness invariants I1 to I9 (reference pkvm-ffa §1.2), in check order. */
import type { Invariant } from '../model.ts';
import { dmaMappedPageStaysHostOwned } from './dmaMappedPageStaysHostOwned.ts';
import { guestSharesMatchCount } from './guestSharesMatchCount.ts';
import { hostBorrowsFromOneProtectedGuest } from './hostBorrowsFromOneProtectedGuest.ts';
import { hostOwnedPageIsExclusive } from './hostOwnedPageIsExclusive.ts';
import { lostPageIsAnnotated } from './lostPageIsAnnotated.ts';
import { onlyAllowedMemoryChangesHands } from './onlyAllowedMemoryChangesHands.ts';
import { pageHasSingleOwner } from './pageHasSingleOwner.ts';
import { pinnedPageStaysShared } from './pinnedPageStaysShared.ts';
import { sharedPageHasOneBorrower } from './sharedPageHasOneBorrower.ts';

export const pkvmInvariants: readonly Invariant[] = [
  pageHasSingleOwner,
  hostOwnedPageIsExclusive,
  sharedPageHasOneBorrower,
  guestSharesMatchCount,
  hostBorrowsFromOneProtectedGuest,
  lostPageIsAnnotated,
  pinnedPageStaysShared,
  dmaMappedPageStaysHostOwned,
  onlyAllowedMemoryChangesHands,
];

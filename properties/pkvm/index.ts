/**
 * The pKVM well-formedness invariants, numbered I1 to I9 in check order: what
 * `arch/arm64/kvm/hyp/nvhe/mem_protect.c` keeps true of every page (docs/model.md#pkvm-ownership).
 */
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

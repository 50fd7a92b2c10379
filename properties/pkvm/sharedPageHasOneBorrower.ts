/**
 * I3, a page the host shares outside the guests has exactly one borrower, hyp or the secure
 * world (docs/model.md#pkvm-ownership). Two borrowers would mean a second share succeeded on a
 * page that was not OWNED, which `__host_check_page_state_range()` exists to stop.
 */
import { hostPageState } from '../../machines/pkvmPageState.ts';
import type { Invariant } from '../model.ts';
import { describePage, pageInvariant } from './pageView.ts';

export const sharedPageHasOneBorrower: Invariant = pageInvariant({
  name: 'sharedPageHasOneBorrower',
  summary:
    'True iff every page the host holds SHARED_OWNED with host_share_guest_count 0 is borrowed by exactly one of hyp (SHARED_BORROWED) and the secure world (FF-A).',
  check(page, info, model) {
    const c = page.context;
    if (hostPageState(page) !== 'SHARED_OWNED' || c.hostShareGuestCount !== 0) return [];
    const borrowers = [
      ...(c.hyp === 'SHARED_BORROWED' ? ['hyp'] : []),
      ...(c.sharedWithFfa ? ['secure world (FF-A)'] : []),
    ];
    if (borrowers.length === 1) return [];
    return [
      {
        property: 'sharedPageHasOneBorrower',
        subject: info.label,
        parties: borrowers,
        expected: 'exactly one borrower (hyp or FF-A)',
        actual: `${borrowers.length === 0 ? 'no borrower' : borrowers.join(' and ')} (${describePage(page, model)})`,
      },
    ];
  },
});

/**
 * I4, `host_share_guest_count` counts the guests that borrow the page, and only non-protected
 * guests borrow from the host (`__pkvm_host_share_guest()`, `__pkvm_host_unshare_guest()` in
 * nvhe/mem_protect.c). A count that drifts from the guest PTEs lets the host take the page back
 * (count 0) while a guest still maps it.
 */
import { hostPageState } from '../../machines/pkvmPageState.ts';
import type { Invariant } from '../model.ts';
import { describePage, guestLabel, guestsIn, pageInvariant } from './pageView.ts';

export const guestSharesMatchCount: Invariant = pageInvariant({
  name: 'guestSharesMatchCount',
  summary:
    'True iff each page has host_share_guest_count equal to the number of guests that map it SHARED_BORROWED, all of them non-protected, and a positive count means host SHARED_OWNED, hyp NOPAGE and no FF-A borrower.',
  check(page, info, model) {
    const c = page.context;
    const borrowers = guestsIn(c, ['SHARED_BORROWED']);
    const problems: string[] = [];
    if (borrowers.length !== c.hostShareGuestCount) {
      problems.push(`count ${c.hostShareGuestCount} but ${borrowers.length} guest(s) borrow it`);
    }
    const protectedBorrowers = borrowers.filter((vm) => model.guestProtected[vm]);
    if (protectedBorrowers.length > 0) {
      problems.push(
        `protected ${protectedBorrowers.map((vm) => guestLabel(model, vm)).join(', ')} borrows it`,
      );
    }
    if (
      c.hostShareGuestCount > 0 &&
      (hostPageState(page) !== 'SHARED_OWNED' || c.hyp !== 'NOPAGE' || c.sharedWithFfa)
    ) {
      problems.push('shared with guests while not host SHARED_OWNED / hyp NOPAGE / unshared with FF-A');
    }
    if (problems.length === 0) return [];
    return [
      {
        property: 'guestSharesMatchCount',
        subject: info.label,
        parties: borrowers.map((vm) => guestLabel(model, vm)),
        expected: 'host_share_guest_count = number of non-protected guests mapping it SHARED_BORROWED',
        actual: `${problems.join('; ')} (${describePage(page, model)})`,
      },
    ];
  },
});

/**
 * I5, a page the host borrows was shared by exactly one protected guest
 * (`__pkvm_guest_share_host()` in nvhe/mem_protect.c). This is the one path by which pVM memory
 * becomes host-readable (virtio bounce buffers, `set_memory_decrypted()`), so its owner must be
 * known.
 */
import { hostBorrowsFromGuest } from '../../machines/pkvmPageState.ts';
import type { Invariant } from '../model.ts';
import { describePage, guestLabel, guestsIn, pageInvariant } from './pageView.ts';

export const hostBorrowsFromOneProtectedGuest: Invariant = pageInvariant({
  name: 'hostBorrowsFromOneProtectedGuest',
  summary:
    'True iff every page the host holds SHARED_BORROWED is SHARED_OWNED by exactly one guest, that guest is protected, and hyp holds it NOPAGE.',
  check(page, info, model) {
    if (!hostBorrowsFromGuest(page)) return [];
    const c = page.context;
    const lenders = guestsIn(c, ['SHARED_OWNED']);
    const ok = lenders.length === 1 && model.guestProtected[lenders[0]!] === true && c.hyp === 'NOPAGE';
    if (ok) return [];
    return [
      {
        property: 'hostBorrowsFromOneProtectedGuest',
        subject: info.label,
        parties: lenders.map((vm) => guestLabel(model, vm)),
        expected: 'one protected guest SHARED_OWNED, hyp NOPAGE',
        actual: describePage(page, model),
      },
    ];
  },
});

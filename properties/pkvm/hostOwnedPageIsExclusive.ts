/**
 * I2, host OWNED means nobody else has it (docs/model.md#pkvm-ownership). If a page the host
 * holds OWNED were still mapped in a guest or at EL2, the host could donate it to a pVM while
 * another party keeps reading it: a donated page must arrive unshared.
 */
import { hostPageState } from '../../machines/pkvmPageState.ts';
import type { Invariant } from '../model.ts';
import { describePage, guestLabel, guestsIn, pageInvariant } from './pageView.ts';

export const hostOwnedPageIsExclusive: Invariant = pageInvariant({
  name: 'hostOwnedPageIsExclusive',
  summary:
    'True iff every page the host holds OWNED is NOPAGE for hyp, unmapped in every guest, not shared with FF-A, has host_share_guest_count 0 and no hyp pin.',
  check(page, info, model) {
    if (hostPageState(page) !== 'OWNED') return [];
    const c = page.context;
    const others = [
      ...(c.hyp !== 'NOPAGE' ? [`hyp ${c.hyp}`] : []),
      ...guestsIn(c, ['OWNED', 'SHARED_OWNED', 'SHARED_BORROWED']).map(
        (vm) => `${guestLabel(model, vm)} ${c.guests[vm]}`,
      ),
      ...(c.sharedWithFfa ? ['FF-A borrower'] : []),
      ...(c.hostShareGuestCount !== 0 ? [`host_share_guest_count ${c.hostShareGuestCount}`] : []),
      ...(c.hypPinCount !== 0 ? [`${c.hypPinCount} hyp pin(s)`] : []),
    ];
    if (others.length === 0) return [];
    return [
      {
        property: 'hostOwnedPageIsExclusive',
        subject: info.label,
        expected: 'host OWNED with no other party holding the page',
        actual: `${others.join(', ')} (${describePage(page, model)})`,
      },
    ];
  },
});

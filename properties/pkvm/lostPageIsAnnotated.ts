/**
 * I6, a page the host cannot access is annotated with its real owner
 * (docs/model.md#pkvm-ownership). Force reclaim (`__pkvm_host_force_reclaim_page_guest()`)
 * trusts the annotation to find the guest whose PTE it poisons; a stale annotation would zero
 * the wrong VM's page or hand the host a page a guest still maps. A poisoned guest PTE means
 * that guest lost the page.
 */
import type { Invariant } from '../model.ts';
import { describePage, guestLabel, guestsIn, noPageOwner, pageInvariant } from './pageView.ts';

export const lostPageIsAnnotated: Invariant = pageInvariant({
  name: 'lostPageIsAnnotated',
  summary:
    'True iff every host-NOPAGE page is owned by the component its annotation names (hyp OWNED; the annotated guest OWNED, or SHARED_OWNED with the secure world, and no other guest mapping it; FF-A with hyp and guests unmapped), and no guest whose PTE is POISON is annotated as owner.',
  check(page, info, model) {
    const c = page.context;
    const owner = noPageOwner(page);
    const mapped = guestsIn(c, ['OWNED', 'SHARED_OWNED', 'SHARED_BORROWED']);
    let expected: string | undefined;
    if (owner === 'hyp' && c.hyp !== 'OWNED') expected = 'hyp OWNED';
    if (owner === 'guest') {
      const view = c.guestOwner < 0 ? undefined : c.guests[c.guestOwner];
      // [A] a pVM page it shares with the secure world stays host NOPAGE, guest SHARED_OWNED.
      const ownerHolds = view === 'OWNED' || (view === 'SHARED_OWNED' && c.sharedWithFfa);
      if (!ownerHolds || mapped.length !== 1) {
        expected = `the annotated ${c.guestOwner < 0 ? 'guest' : guestLabel(model, c.guestOwner)} OWNED and no other guest mapping`;
      }
    }
    if (owner === 'ffa' && (c.hyp !== 'NOPAGE' || mapped.length > 0))
      expected = 'hyp NOPAGE and no guest mapping';
    if (owner !== 'guest' && c.guestOwner >= 0) expected = 'no guest annotation outside NOPAGE.ownedByGuest';
    if (owner === 'guest' && c.guests[c.guestOwner] === 'POISON')
      expected = 'the annotated guest not poisoned';
    if (expected === undefined) return [];
    return [
      {
        property: 'lostPageIsAnnotated',
        subject: info.label,
        expected,
        actual: describePage(page, model),
      },
    ];
  },
});

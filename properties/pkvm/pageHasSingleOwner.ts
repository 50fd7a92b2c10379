/**
 * I1, single owner (docs/model.md#pkvm-ownership). Safety-relevant well-formedness: if two
 * components both believed they owned a page, each could donate or share it independently and
 * pKVM's exclusivity argument collapses (the class of bug `09cce60bddd6` fixed: a check that
 * read derived rather than authoritative state).
 */
import { hostPageState, ownsPage, pageIsOwnedByFfa } from '../../machines/pkvmPageState.ts';
import type { Invariant, Violation } from '../model.ts';
import { describePage, guestLabel, pageInvariant } from './pageView.ts';

export const pageHasSingleOwner: Invariant = pageInvariant({
  name: 'pageHasSingleOwner',
  summary:
    'True iff exactly one of host, hyp, the guests and the secure world (for a page lent with unmap-on-lend) holds each page OWNED or SHARED_OWNED.',
  check(page, info, model) {
    const c = page.context;
    const owners: string[] = [];
    if (ownsPage(hostPageState(page))) owners.push('host');
    if (pageIsOwnedByFfa(page)) owners.push('secure world (FF-A)');
    if (ownsPage(c.hyp)) owners.push('hyp');
    c.guests.forEach((state, vm) => {
      if (ownsPage(state)) owners.push(guestLabel(model, vm));
    });
    if (owners.length === 1) return [];
    const violation: Violation = {
      property: 'pageHasSingleOwner',
      subject: info.label,
      parties: owners,
      expected: 'exactly one owner',
      actual: `${owners.length === 0 ? 'no owner' : `owners ${owners.join(' and ')}`} (${describePage(page, model)})`,
    };
    return [violation];
  },
});

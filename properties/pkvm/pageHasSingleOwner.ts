/**
 * I1, single owner (reference pkvm-ffa §1.2). Safety-relevant well-formedness: if two
 * components both believed they owned a page, each could donate or share it independently and
 * pKVM's exclusivity argument collapses (the class of bug `09cce60bddd6` fixed: a check that
 * read derived rather than authoritative state).
 */
import type { Invariant, Violation } from '../model.ts';
import { describePage, guestLabel, hostState, noPageOwner, type PageSnapshot } from './pageView.ts';

export const pageHasSingleOwner: Invariant = {
  name: 'pageHasSingleOwner',
  summary:
    'True iff exactly one of host, hyp, the guests and the secure world (for a page lent with unmap-on-lend) holds each page OWNED or SHARED_OWNED.',
  kind: 'wellFormed',
  component: {
    kind: 'pkvmPage',
    check(snapshot, info, model) {
      const page = snapshot as PageSnapshot;
      const c = page.context;
      const owners: string[] = [];
      const host = hostState(page);
      if (host === 'OWNED' || host === 'SHARED_OWNED') owners.push('host');
      if (noPageOwner(page) === 'ffa') owners.push('secure world (FF-A)');
      if (c.hyp === 'OWNED' || c.hyp === 'SHARED_OWNED') owners.push('hyp');
      c.guests.forEach((state, vm) => {
        if (state === 'OWNED' || state === 'SHARED_OWNED') owners.push(guestLabel(model, vm));
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
  },
};

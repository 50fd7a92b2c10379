/**
 * I7, a page the hypervisor has pinned stays shared with it (reference pkvm-ffa §1.2): EL2
 * keeps a stage-1 mapping while `hyp_page_count() > 0`, so unsharing it (which the -EBUSY in
 * `__pkvm_host_unshare_hyp()` prevents) would let the host donate memory EL2 still writes.
 */
import type { Invariant } from '../model.ts';
import { describePage, hostState, type PageSnapshot } from './pageView.ts';

export const pinnedPageStaysShared: Invariant = {
  name: 'pinnedPageStaysShared',
  summary: 'True iff every page with a hyp pin is host SHARED_OWNED and hyp SHARED_BORROWED.',
  kind: 'wellFormed',
  component: {
    kind: 'pkvmPage',
    check(snapshot, info, model) {
      const page = snapshot as PageSnapshot;
      const c = page.context;
      if (c.hypPinCount === 0 || (hostState(page) === 'SHARED_OWNED' && c.hyp === 'SHARED_BORROWED'))
        return [];
      return [
        {
          property: 'pinnedPageStaysShared',
          subject: info.label,
          parties: ['hyp'],
          expected: `host SHARED_OWNED and hyp SHARED_BORROWED while pinned ${c.hypPinCount} time(s)`,
          actual: describePage(page, model),
        },
      ];
    },
  },
};

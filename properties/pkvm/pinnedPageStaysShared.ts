/**
 * I7, a page the hypervisor has pinned stays shared with it (`hyp_pin_shared_mem()` in
 * nvhe/mem_protect.c): EL2 keeps a stage-1 mapping while `hyp_page_count() > 0`, so unsharing
 * it (which the -EBUSY in `__pkvm_host_unshare_hyp()` prevents) would let the host donate
 * memory EL2 still writes.
 */
import { hostPageState } from '../../machines/pkvmPageState.ts';
import type { Invariant } from '../model.ts';
import { describePage, pageInvariant } from './pageView.ts';

export const pinnedPageStaysShared: Invariant = pageInvariant({
  name: 'pinnedPageStaysShared',
  summary: 'True iff every page with a hyp pin is host SHARED_OWNED and hyp SHARED_BORROWED.',
  check(page, info, model) {
    const c = page.context;
    if (c.hypPinCount === 0 || (hostPageState(page) === 'SHARED_OWNED' && c.hyp === 'SHARED_BORROWED'))
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
});

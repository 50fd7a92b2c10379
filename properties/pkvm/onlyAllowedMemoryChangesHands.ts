/**
 * I9, only memory that `check_range_allowed_memory()` (nvhe/mem_protect.c) accepts changes
 * hands (commit `09cce60bddd6`): MMIO and `MEMBLOCK_NOMAP` regions stay with the host, except
 * that Android lets no-map memory go to the secure world over FF-A (`HOST_CHECK_ALLOW_NO_MAP`).
 * The real bug let the host donate unmapped MMIO or no-map carveouts to EL2 or a guest.
 */
import { hostPageState, pageIsOwnedByFfa } from '../../machines/pkvmPageState.ts';
import type { Invariant } from '../model.ts';
import { describePage, pageInvariant } from './pageView.ts';

export const onlyAllowedMemoryChangesHands: Invariant = pageInvariant({
  name: 'onlyAllowedMemoryChangesHands',
  summary:
    'True iff every MMIO or no-map page is host OWNED, or (Android, no-map only) shared with or lent to the secure world over FF-A.',
  check(page, info, model) {
    const c = page.context;
    if (c.memoryType === 'memory') return [];
    const host = hostPageState(page);
    if (host === 'OWNED' && c.dmaRefcount === 0) return [];
    const viaFfa =
      (host === 'SHARED_OWNED' && c.sharedWithFfa && c.hyp === 'NOPAGE' && c.hostShareGuestCount === 0) ||
      pageIsOwnedByFfa(page);
    if (model.kernel === 'android' && c.memoryType === 'nomap' && viaFfa) return [];
    return [
      {
        property: 'onlyAllowedMemoryChangesHands',
        subject: info.label,
        expected: `a ${c.memoryType} page to stay with the host${c.memoryType === 'nomap' && model.kernel === 'android' ? ' or go to FF-A' : ''}`,
        actual: describePage(page, model),
      },
    ];
  },
});

/**
 * I9, only memory that `check_range_allowed_memory()` accepts changes hands (reference pkvm-ffa
 * §1.2, §5 `09cce60bddd6`): MMIO and `MEMBLOCK_NOMAP` regions stay with the host, except that
 * Android lets no-map memory go to the secure world over FF-A (`HOST_CHECK_ALLOW_NO_MAP`). The
 * real bug let the host donate unmapped MMIO or no-map carveouts to EL2 or a guest.
 */
import type { Invariant } from '../model.ts';
import { describePage, hostState, noPageOwner, type PageSnapshot } from './pageView.ts';

export const onlyAllowedMemoryChangesHands: Invariant = {
  name: 'onlyAllowedMemoryChangesHands',
  summary:
    'True iff every MMIO or no-map page is host OWNED, or (Android, no-map only) shared with or lent to the secure world over FF-A.',
  kind: 'wellFormed',
  component: {
    kind: 'pkvmPage',
    check(snapshot, info, model) {
      const page = snapshot as PageSnapshot;
      const c = page.context;
      if (c.memoryType === 'memory') return [];
      const host = hostState(page);
      if (host === 'OWNED' && c.dmaRefcount === 0) return [];
      const viaFfa =
        (host === 'SHARED_OWNED' && c.sharedWithFfa && c.hyp === 'NOPAGE' && c.hostShareGuestCount === 0) ||
        noPageOwner(page) === 'ffa';
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
  },
};

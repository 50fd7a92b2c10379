/**
 * I8 [A], a page an IOMMU maps for DMA stays host OWNED, as the comment on
 * `__pkvm_host_use_dma()` in nvhe/mem_protect.c puts it: "When a page is mapped in an IOMMU page
 * table for DMA, it must not be donated to a guest or the hypervisor". Otherwise a
 * host-programmed DMA master keeps reaching a pVM's memory (docs/model.md#dma).
 */
import { hostPageState } from '../../machines/pkvmPageState.ts';
import type { Invariant } from '../model.ts';
import { describePage, pageInvariant } from './pageView.ts';

export const dmaMappedPageStaysHostOwned: Invariant = pageInvariant({
  name: 'dmaMappedPageStaysHostOwned',
  summary: 'True iff every page with a DMA refcount is host OWNED.',
  check(page, info, model) {
    if (page.context.dmaRefcount === 0 || hostPageState(page) === 'OWNED') return [];
    return [
      {
        property: 'dmaMappedPageStaysHostOwned',
        subject: info.label,
        expected: `host OWNED while ${page.context.dmaRefcount} DMA mapping(s) exist`,
        actual: describePage(page, model),
      },
    ];
  },
});

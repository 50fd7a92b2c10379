/**
 * I8 [A], a page an IOMMU maps for DMA stays host OWNED (reference pkvm-ffa §1.2, §3): "When a
 * page is mapped in an IOMMU page table for DMA, it must not be donated to a guest or the
 * hypervisor". Otherwise a host-programmed DMA master keeps reaching a pVM's memory.
 */
import type { Invariant } from '../model.ts';
import { describePage, hostState, type PageSnapshot } from './pageView.ts';

export const dmaMappedPageStaysHostOwned: Invariant = {
  name: 'dmaMappedPageStaysHostOwned',
  summary: 'True iff every page with a DMA refcount is host OWNED.',
  kind: 'wellFormed',
  component: {
    kind: 'pkvmPage',
    check(snapshot, info, model) {
      const page = snapshot as PageSnapshot;
      if (page.context.dmaRefcount === 0 || hostState(page) === 'OWNED') return [];
      return [
        {
          property: 'dmaMappedPageStaysHostOwned',
          subject: info.label,
          expected: `host OWNED while ${page.context.dmaRefcount} DMA mapping(s) exist`,
          actual: describePage(page, model),
        },
      ];
    },
  },
};

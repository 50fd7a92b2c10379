/**
 * One explicit IOMMU DMA domain managed by pKVM in the Android Common Kernel ([A]): the host
 * allocates it, attaches device endpoints (SMMUv3 stream ids), maps host-owned pages into it,
 * and the hypervisor keeps every mapped page's `hyp_page` refcount raised so that the page
 * cannot be donated to a guest or the hypervisor while a device can reach it.
 *
 * Source: `arch/arm64/kvm/hyp/nvhe/iommu/iommu.c` (`kvm_iommu_alloc_domain`, `_free_domain`,
 * `_attach_dev`, `_detach_dev`, `_map_pages`, `_unmap_pages`), read in
 * `GrapheneOS/kernel_common-6.6` (host-only domains) and the android16-6.12 copy in
 * `abidhasansojib/android_kernel_common-6.12.30-android16` (adds guest-owned domains). The
 * host's `kvm_iommu_map_pages()` issues `__pkvm_host_iommu_map_pages` in a loop, topping up
 * the hypervisor's memory between calls; the SMMUv3 back-end is
 * `arch/arm64/kvm/hyp/nvhe/iommu/arm-smmu-v3.c`.
 *
 * The hypervisor tracks a domain by `refs`: 0 free, 1 allocated, 1 + n with n endpoints
 * attached (`domain_get()` on attach, `domain_put()` on detach). The states are those three.
 * A detached domain is refs 1 again, the same thing as a freshly allocated one, and a freed
 * domain is memset to 0, the same thing as one never allocated: neither is a separate state.
 *
 * Pairing with the page machine (the world's routing):
 * - `IOMMU_MAP_PAGES` pairs with `HOST_USE_DMA` on each page (`__pkvm_host_use_dma()`: host
 *   `OWNED`, refcount +1). Deliver the domain event first: `domain_get()` precedes it in the
 *   kernel, so a free domain gives KERNEL_BUG before any page state is looked at;
 * - `IOMMU_UNMAP_PAGES` pairs with `HOST_UNUSE_DMA` on each page (the unmap walker's
 *   `kvm_iommu_flush_unmap_cache()`, or the driver in 6.12);
 * - the domain itself emits `DMA_UNUSED { pages, by }` for refcounts it drops on pages it does
 *   not (or no longer) map: the tail of a partial map, and whatever a freed domain still
 *   mapped. Route it to `HOST_UNUSE_DMA` on each page.
 *
 * Modelling choices:
 * - One IOVA per (page, domain), as the page machine has one IPA per (page, VM): mapping a
 *   page the domain already maps is the io-pgtable's "mapping exists" (-EEXIST).
 * - IOVA, page size, prot bits, domain and IOMMU ids are not modelled, so -EOPNOTSUPP (prot),
 *   -E2BIG (overflow), the alignment, IDMAP-id, bad-IOMMU-id and host-half-of-the-id-space
 *   -EINVALs, -ENODEV (no driver op) and the domain-page -ENOMEM cannot occur; neither can the
 *   driver's own failures (`smmu_alloc_domain()` type -EINVAL, STE table -ENOMEM).
 * - An unmap names a run the domain maps entirely. The driver would unmap a partly mapped run
 *   up to its first hole; the host only unmaps runs it mapped, so the model refuses the rest.
 * - Memory requests are not refused: a map the page-table allocator cannot finish returns 0
 *   with fewer pages mapped (`mapped` in the event) and the host tops up and maps the rest.
 * - Freeing a domain that still maps pages drops their refcounts: the newest SMMUv3 driver
 *   flushes its deferred unuse list in `smmu_free_domain()` after freeing the page table.
 *   Whether older io-pgtable frees did the same was not verified.
 * - Host-owned domains only; the 6.12 guest-owned domains (`domain->vm`, -EPERM in
 *   `domain_get()`) belong to a pvIOMMU model.
 *
 * Event fields the world fills: `IOMMU_ATTACH_DEV.endpointInUse` (some domain already has this
 * endpoint attached: its STE is live); `IOMMU_MAP_PAGES.mapped` (how many pages the driver
 * mapped before its pool ran dry; omitted = all).
 */
import { and, assign, emit, setup } from 'xstate';
import type { RefusalTable } from './refusals.ts';

/** A page as the world numbers it (the pKVM page machine's `pfn`). */
export type PageId = number;

/** An SMMUv3 stream id (`endpoint_id`), standing for one device. */
export type EndpointId = number;

export interface IommuDomainInput {
  /** The host's `pkvm_handle_t` for the domain, for messages only. */
  readonly domainId: number;
}

export interface IommuDomainContext {
  readonly domainId: number;
  /** Attached endpoints, sorted; `refs` is 1 + their count. */
  readonly endpoints: readonly EndpointId[];
  /** Pages the domain maps, sorted; each holds one DMA refcount on its page. */
  readonly mapped: readonly PageId[];
}

export type IommuDomainEvent =
  | { readonly type: 'IOMMU_ALLOC_DOMAIN' }
  | { readonly type: 'IOMMU_FREE_DOMAIN' }
  | { readonly type: 'IOMMU_ATTACH_DEV'; readonly endpoint: EndpointId; readonly endpointInUse: boolean }
  | { readonly type: 'IOMMU_DETACH_DEV'; readonly endpoint: EndpointId }
  /** `pages` is a physically contiguous run in address order (`paddr`, `pgcount`). */
  | { readonly type: 'IOMMU_MAP_PAGES'; readonly pages: readonly PageId[]; readonly mapped?: number }
  | { readonly type: 'IOMMU_UNMAP_PAGES'; readonly pages: readonly PageId[] };

/** Refcounts the hypervisor drops (`__pkvm_host_unuse_dma()`) on the pages named. */
export interface DmaUnusedEvent {
  readonly type: 'DMA_UNUSED';
  readonly pages: readonly PageId[];
  readonly by: 'kvm_iommu_map_pages' | 'kvm_iommu_free_domain';
}

type MapEvent = Extract<IommuDomainEvent, { type: 'IOMMU_MAP_PAGES' }>;

/** How many pages of a map call the driver mapped (clamped to the run). */
function mappedCount(event: MapEvent): number {
  const mapped = event.mapped ?? event.pages.length;
  return Math.max(0, Math.min(event.pages.length, mapped));
}

function sortedUnion(a: readonly number[], b: readonly number[]): readonly number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

function without(a: readonly number[], b: readonly number[]): readonly number[] {
  return a.filter((x) => !b.includes(x));
}

function mapPagesOf(event: IommuDomainEvent): readonly PageId[] {
  return event.type === 'IOMMU_MAP_PAGES' || event.type === 'IOMMU_UNMAP_PAGES' ? event.pages : [];
}

export const iommuDomainMachine = setup({
  types: {
    context: {} as IommuDomainContext,
    events: {} as IommuDomainEvent,
    input: {} as IommuDomainInput,
    emitted: {} as DmaUnusedEvent,
  },
  guards: {
    /**
     * `smmu_attach_dev()` in nvhe/iommu/arm-smmu-v3.c: a stage-2 attach to a stream whose STE is
     * already valid is "Device already attached" (-EBUSY).
     */
    endpointNotInUse: ({ event }) => event.type === 'IOMMU_ATTACH_DEV' && !event.endpointInUse,
    /**
     * The host detaches only endpoints it attached to this domain. `kvm_iommu_detach_dev()` does
     * not check it: it would clear that stream's STE and drop this domain's reference anyway.
     */
    endpointAttachedHere: ({ context, event }) =>
      event.type === 'IOMMU_DETACH_DEV' && context.endpoints.includes(event.endpoint),
    /** The last endpoint leaves: `refs` back to 1. */
    lastEndpoint: ({ context }) => context.endpoints.length === 1,
    /**
     * `arm_lpae_map` → `arm_lpae_mapping_exists()` (hyp io-pgtable): a live leaf at the IOVA is
     * -EEXIST; the pages not mapped are unused again, so nothing changes.
     */
    pagesNotMapped: ({ context, event }) => mapPagesOf(event).every((page) => !context.mapped.includes(page)),
    /** The driver mapped the whole run (its page-table pool did not run dry). */
    mapsEveryPage: ({ event }) =>
      event.type === 'IOMMU_MAP_PAGES' && mappedCount(event) === event.pages.length,
    /** `kvm_iommu_unmap_pages()` unmaps only what is mapped; otherwise it returns 0 unmapped. */
    pagesAllMapped: ({ context, event }) => mapPagesOf(event).every((page) => context.mapped.includes(page)),
    /** `smmu_free_domain()` → io-pgtable free: leftover leaves get their DMA refcount dropped. */
    domainHasMappings: ({ context }) => context.mapped.length > 0,
  },
  actions: {
    attachEndpoint: assign(({ context, event }) =>
      event.type === 'IOMMU_ATTACH_DEV'
        ? { endpoints: sortedUnion(context.endpoints, [event.endpoint]) }
        : {},
    ),
    detachEndpoint: assign(({ context, event }) =>
      event.type === 'IOMMU_DETACH_DEV' ? { endpoints: without(context.endpoints, [event.endpoint]) } : {},
    ),
    /** The first `mapped` pages of the run are now reachable through this domain. */
    recordMapping: assign(({ context, event }) =>
      event.type === 'IOMMU_MAP_PAGES'
        ? { mapped: sortedUnion(context.mapped, event.pages.slice(0, mappedCount(event))) }
        : {},
    ),
    /**
     * `kvm_iommu_map_pages()`: "unuse the bits that haven't been mapped yet", i.e.
     * `__pkvm_host_unuse_dma(paddr + total_mapped, pgcount * pgsize)`: the tail of the run.
     */
    rollbackUnmappedTail: emit(({ event }) => ({
      type: 'DMA_UNUSED' as const,
      pages: event.type === 'IOMMU_MAP_PAGES' ? event.pages.slice(mappedCount(event)) : [],
      by: 'kvm_iommu_map_pages' as const,
    })),
    forgetMapping: assign(({ context, event }) => ({ mapped: without(context.mapped, mapPagesOf(event)) })),
    unuseRemainingMappings: emit(({ context }) => ({
      type: 'DMA_UNUSED' as const,
      pages: context.mapped,
      by: 'kvm_iommu_free_domain' as const,
    })),
    /** `memset(domain, 0, sizeof(*domain))`: refs 0, nothing attached or mapped. */
    clearDomain: assign({ endpoints: [], mapped: [] }),
  },
}).createMachine({
  id: 'iommuDomain',
  description:
    'One explicit IOMMU DMA domain managed by pKVM in the Android Common Kernel, keeping the refcount of every mapped page raised.',
  context: ({ input }) => ({ domainId: input.domainId, endpoints: [], mapped: [] }),
  initial: 'free',
  states: {
    free: {
      description: 'refs 0: never allocated, or freed (memset to 0)',
      on: {
        /** `kvm_iommu_alloc_domain()`: refs 0, `ops->alloc_domain()`, then refs 1. */
        IOMMU_ALLOC_DOMAIN: { target: 'allocated' },
      },
    },
    allocated: {
      description: 'refs 1: usable for mappings, no endpoint attached (no device can use it)',
      on: {
        /** `kvm_iommu_attach_dev()`: `domain_get()`, then the driver programs the STE. */
        IOMMU_ATTACH_DEV: { guard: 'endpointNotInUse', target: 'attached', actions: 'attachEndpoint' },
        /** `kvm_iommu_map_pages()`: mapping does not need an endpoint attached. */
        IOMMU_MAP_PAGES: [
          { guard: and(['pagesNotMapped', 'mapsEveryPage']), actions: 'recordMapping' },
          { guard: 'pagesNotMapped', actions: ['recordMapping', 'rollbackUnmappedTail'] },
        ],
        /** `kvm_iommu_unmap_pages()`: the pages' refcounts go with the world's `HOST_UNUSE_DMA`. */
        IOMMU_UNMAP_PAGES: { guard: 'pagesAllMapped', actions: 'forgetMapping' },
        /** `kvm_iommu_free_domain()`: refs 1 → 0, `ops->free_domain()`, memset. */
        IOMMU_FREE_DOMAIN: [
          { guard: 'domainHasMappings', target: 'free', actions: ['unuseRemainingMappings', 'clearDomain'] },
          { target: 'free', actions: 'clearDomain' },
        ],
      },
    },
    attached: {
      description: 'refs > 1: endpoints attached; their devices reach every mapped page',
      on: {
        /** A further endpoint: one more reference. */
        IOMMU_ATTACH_DEV: { guard: 'endpointNotInUse', actions: 'attachEndpoint' },
        /** `kvm_iommu_detach_dev()`: refs > 1, `ops->detach_dev()` clears the STE, `domain_put()`. */
        IOMMU_DETACH_DEV: [
          {
            guard: and(['endpointAttachedHere', 'lastEndpoint']),
            target: 'allocated',
            actions: 'detachEndpoint',
          },
          { guard: 'endpointAttachedHere', actions: 'detachEndpoint' },
        ],
        IOMMU_MAP_PAGES: [
          { guard: and(['pagesNotMapped', 'mapsEveryPage']), actions: 'recordMapping' },
          { guard: 'pagesNotMapped', actions: ['recordMapping', 'rollbackUnmappedTail'] },
        ],
        IOMMU_UNMAP_PAGES: { guard: 'pagesAllMapped', actions: 'forgetMapping' },
      },
    },
  },
});

type DomainGuard = keyof typeof iommuDomainMachine.implementations.guards;

/**
 * Refusal codes of nvhe/iommu/iommu.c. `domain_get()` BUG()s on a domain whose refs are 0
 * (`BUG_ON(!old)`), so attaching, mapping or unmapping a free domain panics the hypervisor
 * (KERNEL_BUG) instead of returning -EINVAL/-ENOENT. Freeing a domain that is not at refs 1
 * (free, or attached) WARNs and returns -EINVAL; allocating a live one returns -EINVAL;
 * detaching from a domain with refs ≤ 1 returns -EINVAL. Unmap returns the size unmapped, 0
 * when nothing was mapped there (no effect).
 */
export const iommuDomainRefusals: RefusalTable<DomainGuard, IommuDomainContext, IommuDomainEvent> = {
  unhandled: {
    default: 'EINVAL',
    IOMMU_ATTACH_DEV: 'KERNEL_BUG',
    IOMMU_MAP_PAGES: 'KERNEL_BUG',
    IOMMU_UNMAP_PAGES: 'KERNEL_BUG',
  },
  guards: {
    endpointNotInUse: 'EBUSY',
    endpointAttachedHere: 'NOT_ISSUED',
    lastEndpoint: 'NOT_ISSUED',
    pagesNotMapped: 'EEXIST',
    mapsEveryPage: 'NO_EFFECT',
    pagesAllMapped: 'NO_EFFECT',
    domainHasMappings: 'NO_EFFECT',
  },
};

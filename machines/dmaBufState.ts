/**
 * Pure helpers for the dma-buf heap models: heap kinds and exporters, the per-exporter
 * `dma_buf_ops` facts the buffer machine reads, the buffer and pool contexts, and the page
 * effects both machines emit.
 *
 * Sources: `torvalds/linux: drivers/dma-buf/dma-buf.c`, `drivers/dma-buf/dma-heap.c`,
 * `drivers/dma-buf/heaps/system_heap.c`, `drivers/dma-buf/heaps/cma_heap.c`,
 * `drivers/tee/tee_heap.c`, `drivers/tee/optee/protmem.c`, and the ChromeOS MediaTek exporter
 * `external-mirrors/chromiumos-third_party-kernel: drivers/dma-buf/heaps/restricted_heap.c`.
 */

/** What backs a buffer: plain system pages, a CMA area, or protected memory (carveout or lent CMA). */
export type HeapKind = 'system' | 'cma' | 'protectedStatic' | 'protectedDynamic';

/** Whose `dma_buf_ops` the buffer carries: they decide CPU access, zeroing and the free path. */
export type Exporter = 'systemHeap' | 'cmaHeap' | 'teeHeap' | 'mtkRestrictedHeap';

/**
 * A scrub on the free path before the pages leave the buffer: `zero` where the heap or the secure
 * world clears them (the Android Common Kernel system heap page pool, `system_heap_zero_buffer()`
 * before pages go back to the pool; NXP's secure heap), `none` as upstream `tee_heap.c`,
 * `system_heap.c` and `cma_heap.c` do.
 */
export type ScrubPolicy = 'zero' | 'none';

/**
 * What happens when the secure world does not give protected pages back: `quarantine` keeps
 * them out of every allocator for good (Qualcomm ION: `ion_hyp_unassign_sg()` failure returns
 * without freeing; mem-buf sets `ERR`), `upstream` ignores the failure and frees them anyway
 * (`release_dyn_protmem()` in `drivers/tee/optee/protmem.c`; `restricted_heap_memory_free()`).
 */
export type ReclaimFailurePolicy = 'quarantine' | 'upstream';

/** A process or VM that can hold an fd or a CPU mapping: `decrypt`, `vmm`, `display`, ... */
export type Party = string;

/** A device that attaches to and maps a buffer for DMA (`vpu`, `display`, `virtio-gpu`). */
export type Device = string;

/** `enum dma_data_direction` of a device mapping. */
export type DmaDirection = 'DMA_TO_DEVICE' | 'DMA_FROM_DEVICE' | 'DMA_BIDIRECTIONAL';

/** One `struct dma_buf_attachment`: the device, the fd holder who imported it, its mapping. */
export interface Attachment {
  readonly device: Device;
  /** The party whose fd the importing driver took the buffer from (`dma_buf_get(fd)`). */
  readonly party: Party;
  /** Direction of the live `dma_buf_map_attachment()`, `null` while unmapped. */
  readonly direction: DmaDirection | null;
}

/** How an exporter's `dma_buf_ops` answer the CPU and free-path calls. */
export interface ExporterOps {
  /**
   * `.mmap`: `maps` (remaps or faults the pages in), `refuses` (the op exists and returns
   * -EACCES), `none` (no op: `dma_buf_mmap_internal()` returns -EINVAL).
   */
  readonly mmap: 'maps' | 'refuses' | 'none';
  /** `cma_heap_mmap()` returns -EINVAL unless the VMA is `VM_SHARED` or `VM_MAYSHARE`. */
  readonly mmapNeedsSharedVma: boolean;
  /** `.vmap` exists; without it `dma_buf_vmap()` returns -EINVAL. */
  readonly vmap: boolean;
  /**
   * `.begin_cpu_access` / `.end_cpu_access`: `syncs` (cache maintenance, 0), `refuses`
   * (-EACCES), `none` (no op: the core waits on the fences and returns 0).
   */
  readonly cpuAccess: 'syncs' | 'refuses' | 'none';
  /** Who zeroes the pages while allocating, or `null` when nobody does. */
  readonly zeroesOnAllocation: string | null;
  /** The free path asks the secure world to give the buffer back first (`ops->unrestrict_buf`). */
  readonly unrestrictsOnFree: boolean;
}

export const EXPORTER_OPS: Readonly<Record<Exporter, ExporterOps>> = {
  /** `system_heap_buf_ops`; pages come from `alloc_pages()` with `__GFP_ZERO` in both GFP masks. */
  systemHeap: {
    mmap: 'maps',
    mmapNeedsSharedVma: false,
    vmap: true,
    cpuAccess: 'syncs',
    zeroesOnAllocation: 'system_heap_allocate',
    unrestrictsOnFree: false,
  },
  /** `cma_heap_buf_ops`; `cma_heap_allocate()` memsets the pages after `cma_alloc()`. */
  cmaHeap: {
    mmap: 'maps',
    mmapNeedsSharedVma: true,
    vmap: true,
    cpuAccess: 'syncs',
    zeroesOnAllocation: 'cma_heap_allocate',
    unrestrictsOnFree: false,
  },
  /** `tee_heap_buf_ops`: attach, detach, map, unmap and release only. */
  teeHeap: {
    mmap: 'none',
    mmapNeedsSharedVma: false,
    vmap: false,
    cpuAccess: 'none',
    zeroesOnAllocation: null,
    unrestrictsOnFree: false,
  },
  /**
   * `restricted_heap_buf_ops` (ChromeOS): mmap and begin/end_cpu_access return -EACCES, no
   * vmap; the MTK backend's restrict step is `MTK_TZCMD_SECMEM_ZALLOC` ("Allocate the zeroed
   * secure memory").
   */
  mtkRestrictedHeap: {
    mmap: 'refuses',
    mmapNeedsSharedVma: false,
    vmap: false,
    cpuAccess: 'refuses',
    zeroesOnAllocation: 'MTK_TZCMD_SECMEM_ZALLOC',
    unrestrictsOnFree: true,
  },
};

/** The exporter a heap kind has when the topology names none. */
function defaultExporter(heapKind: HeapKind): Exporter {
  if (heapKind === 'system') return 'systemHeap';
  if (heapKind === 'cma') return 'cmaHeap';
  return 'teeHeap';
}

export function isProtectedHeap(heapKind: HeapKind): boolean {
  return heapKind === 'protectedStatic' || heapKind === 'protectedDynamic';
}

export interface DmaBufContext {
  readonly heapKind: HeapKind;
  readonly exporter: Exporter;
  readonly scrubOnFree: ScrubPolicy;
  readonly reclaimFailurePolicy: ReclaimFailurePolicy;
  /** The buffer's pages (chosen by the world at allocation); kept while quarantined. */
  readonly pages: readonly number[];
  /** Parties holding an fd of the buffer (one each), sorted. */
  readonly fdHolders: readonly Party[];
  /** One attachment per device, sorted by device. */
  readonly attachments: readonly Attachment[];
  /** Parties with a user-space mapping (`mmap()` of the fd; the VMA holds a file reference). */
  readonly mmaps: readonly Party[];
  /** Kernel users with a `dma_buf_vmap()` (the core's `vmapping_counter`), one each. */
  readonly vmaps: readonly Party[];
  /** Parties between `DMA_BUF_SYNC_START` and `DMA_BUF_SYNC_END`. */
  readonly cpuAccess: readonly Party[];
}

export interface DmaBufInput {
  readonly heapKind: HeapKind;
  readonly exporter?: Exporter;
  readonly scrubOnFree?: ScrubPolicy;
  readonly reclaimFailurePolicy?: ReclaimFailurePolicy;
}

export function initialDmaBufContext(input: DmaBufInput): DmaBufContext {
  return {
    heapKind: input.heapKind,
    exporter: input.exporter ?? defaultExporter(input.heapKind),
    scrubOnFree: input.scrubOnFree ?? 'none',
    reclaimFailurePolicy: input.reclaimFailurePolicy ?? 'upstream',
    ...EMPTY_BUFFER,
  };
}

/** The per-buffer part of the context, as a free slot has it. */
export const EMPTY_BUFFER = {
  pages: [] as readonly number[],
  fdHolders: [] as readonly Party[],
  attachments: [] as readonly Attachment[],
  mmaps: [] as readonly Party[],
  vmaps: [] as readonly Party[],
  cpuAccess: [] as readonly Party[],
} as const;

export function exporterOps(context: DmaBufContext): ExporterOps {
  return EXPORTER_OPS[context.exporter];
}

/** True iff the file still has a reference: an fd, an importer's `dma_buf_get()`, or a VMA. */
export function hasFileReference(context: DmaBufContext): boolean {
  return context.fdHolders.length > 0 || context.attachments.length > 0 || context.mmaps.length > 0;
}

export function findAttachment(context: DmaBufContext, device: Device): Attachment | undefined {
  return context.attachments.find((a) => a.device === device);
}

/** The exporter function whose free path gives the pages back. */
export function freeFunction(context: DmaBufContext): string {
  switch (context.exporter) {
    case 'systemHeap':
      return 'system_heap_dma_buf_release';
    case 'cmaHeap':
      return 'cma_heap_dma_buf_release';
    case 'mtkRestrictedHeap':
      return 'restricted_heap_memory_free';
    case 'teeHeap':
      return context.heapKind === 'protectedDynamic'
        ? 'protmem_pool_op_dyn_free'
        : 'protmem_pool_op_static_free';
  }
}

/**
 * Where freed pages go. A protected pool keeps them protected (the static carveout's gen_pool,
 * or the dynamic pool's gen_pool while its memory is lent); a pool-less heap gives them to the
 * kernel allocator (buddy, CMA) and the MTK CMA heap to its block allocator, unprotected.
 */
export function returnDestination(context: DmaBufContext): PageDestination {
  if (context.heapKind === 'protectedStatic') return 'protectedPool';
  if (context.heapKind === 'protectedDynamic' && context.exporter === 'teeHeap') return 'protectedPool';
  return 'allocator';
}

/* ------------------------------------------------------------------------------------------ */
/* Sorted lists                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** A sorted copy with `item` added once. */
export function withItem<T extends string | number>(list: readonly T[], item: T): readonly T[] {
  if (list.includes(item)) return list;
  return [...list, item].sort();
}

export function withoutItem<T>(list: readonly T[], item: T | undefined): readonly T[] {
  return list.filter((x) => x !== item);
}

/** Numbers sorted ascending without duplicates. */
export function pageSet(pages: readonly number[]): readonly number[] {
  return [...new Set(pages)].sort((a, b) => a - b);
}

export function containsAll(set: readonly number[], sub: readonly number[]): boolean {
  return sub.every((page) => set.includes(page));
}

export function overlaps(a: readonly number[], b: readonly number[]): boolean {
  return a.some((page) => b.includes(page));
}

export function withoutAll(set: readonly number[], sub: readonly number[]): readonly number[] {
  return set.filter((page) => !sub.includes(page));
}

/* ------------------------------------------------------------------------------------------ */
/* Page effects other machines see                                                              */
/* ------------------------------------------------------------------------------------------ */

/** Where pages go when a buffer or a pool lets go of them. */
export type PageDestination = 'allocator' | 'protectedPool';

/** The pages now read as zeroes. */
export interface PagesZeroedEvent {
  readonly type: 'PAGES_ZEROED';
  readonly pages: readonly number[];
  readonly when: 'allocation' | 'free';
  /** The function (or secure-world command) that clears them. */
  readonly by: string;
}

/** The pages leave this owner for an allocator that hands them out again. */
export interface PagesReturnedEvent {
  readonly type: 'PAGES_RETURNED';
  readonly pages: readonly number[];
  readonly to: PageDestination;
  readonly by: string;
  /**
   * The secure world did not confirm it gave them back (a failed reclaim or unrestrict that
   * the source ignores): the secure world may still hold them while the next owner uses them.
   */
  readonly afterFailedReclaim: boolean;
}

/** The pages are kept out of every allocator for good (the Qualcomm `ERR` pattern). */
export interface PagesQuarantinedEvent {
  readonly type: 'PAGES_QUARANTINED';
  readonly pages: readonly number[];
  readonly by: string;
}

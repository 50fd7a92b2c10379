/**
 * A protected dma-heap's backing pool under the TEE subsystem: probed, configured, registered
 * as a dma-heap, serving buffers (static carveout) or lending CMA pages to the secure world
 * while buffers use them (dynamic pool), and released at shutdown.
 *
 * Sources: `torvalds/linux: drivers/tee/tee_heap.c` (`tee_device_register_dma_heap()`,
 * `tee_dma_heap_alloc()`, `tee_heap_buf_free()`, `tee_device_put_all_dma_heaps()`, the static
 * pool), `drivers/tee/optee/protmem.c` (the dynamic pool: `init_dyn_protmem()`,
 * `release_dyn_protmem()`), `drivers/tee/optee/smc_abi.c` and `drivers/tee/optee/ffa_abi.c`
 * (`optee_*_protmem_pool_init()`, `optee_*_lend_protmem()`, `optee_*_reclaim_protmem()`).
 *
 * States:
 * - `unprobed` → `configured`: the static carveout is queried (`OPTEE_SMC_GET_PROTMEM_CONFIG`:
 *   start, size, pa_width) or read from the device tree; the dynamic pool's size is queried
 *   (`OPTEE_MSG_CMD_GET_PROTMEM_CONFIG`: min_size, pa_width, mem_attrs). A failed query, DMA
 *   mask or range check ends in `unavailable` ("Protected memory service not available").
 * - `configured` → `registered`: `tee_device_register_dma_heap()` (-EBUSY if the heap id is bound).
 * - `registered.serving` (static): buffers come and go from the carveout's gen_pool.
 * - `registered.unlent` → `lending` → `lent` → `reclaiming` → `unlent` (dynamic): the first
 *   allocation takes CMA pages (`tee_shm_alloc_dma_mem()`) and lends them (`lend_protmem()`);
 *   when the pool refcount drops to 0, `release_dyn_protmem()` reclaims them
 *   (`reclaim_protmem()`) and frees them to the kernel (`tee_shm_put()` → `dma_free_pages()`)
 *   whatever the reclaim returned. Under the `quarantine` policy a failed reclaim keeps them in
 *   `reclaimFailed` instead; the pool can lend fresh CMA pages afterwards.
 * - `released`: `tee_device_put_all_dma_heaps()` dropped the initial reference and the last
 *   buffer is gone: the pool is destroyed, `teedev` is NULL, allocation gives -EINVAL.
 *
 * The lend and the reclaim are other machines' business (FF-A `MEM_LEND` / `MEM_RECLAIM`, or
 * the OP-TEE SMC messages): the pool emits `LEND_PROTMEM_REQUESTED` /
 * `RECLAIM_PROTMEM_REQUESTED` naming the pages, and the world answers with `LEND_PROTMEM` /
 * `RECLAIM_PROTMEM` saying whether it worked. An allocation (`TEE_DMA_HEAP_ALLOC`) while the
 * pool is lending or reclaiming sleeps on `rp->mutex` in the kernel; the model does not issue it.
 *
 * Event fields the world fills: the config results (`ok`, `pages`, `pageCount`), `heapIdBound`
 * (another teedev holds this heap id), the buffer pages of `TEE_DMA_HEAP_ALLOC` /
 * `TEE_HEAP_BUF_FREE` (the buffer machine's pages), `cmaPages` (what `tee_shm_alloc_dma_mem()`
 * returns, `page_count` pages or none when CMA is exhausted), the lend and reclaim answers.
 *
 * Emitted: `LEND_PROTMEM_REQUESTED`, `RECLAIM_PROTMEM_REQUESTED` (to the FF-A or OP-TEE side),
 * `PAGES_RETURNED` (CMA pages back to the kernel, flagged when the secure world did not confirm
 * it let go) and `PAGES_QUARANTINED`.
 */
import { and, assign, emit, setup } from 'xstate';
import {
  containsAll,
  overlaps,
  type PagesQuarantinedEvent,
  type PagesReturnedEvent,
  pageSet,
  withoutAll,
} from './dmaBufState.ts';
import type { MachineFlaw } from './flaws.ts';
import {
  initialProtectedHeapContext,
  type OpteeAbi,
  type ProtectedHeapContext,
  type ProtectedHeapInput,
} from './protectedHeapState.ts';
import type { ErrorCode, RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export type ProtectedHeapEvent =
  /**
   * The protected-memory config query returns. `ok`: status OK, `optee_set_dma_mask(pa_width)`
   * accepted and (static) `tee_protmem_static_pool_alloc()`'s page-alignment and `pfn_valid()`
   * checks passed. `pages`: the static carveout [start, start + size); `pageCount`: the dynamic
   * pool's `min_size / PAGE_SIZE`.
   */
  | {
      readonly type: 'GET_PROTMEM_CONFIG';
      readonly ok: boolean;
      readonly pages: readonly number[];
      readonly pageCount: number;
    }
  /** Device-tree variant: the carveout's reserved-memory node is found (`of_reserved_mem_lookup()`). */
  | { readonly type: 'OF_RESERVED_MEM_LOOKUP'; readonly ok: boolean; readonly pages: readonly number[] }
  /** `tee_device_register_dma_heap()`; `heapIdBound`: the heap id already has a live teedev. */
  | { readonly type: 'TEE_DEVICE_REGISTER_DMA_HEAP'; readonly heapIdBound: boolean }
  /** `pool->ops->destroy_pool` after a failed registration (`optee_*_protmem_pool_init()`). */
  | { readonly type: 'DESTROY_POOL' }
  /**
   * `tee_dma_heap_alloc()` → `pool->ops->alloc` for a buffer of `pages`. `cmaPages`: what
   * `tee_shm_alloc_dma_mem()` returns when this allocation has to lend the dynamic pool first.
   */
  | {
      readonly type: 'TEE_DMA_HEAP_ALLOC';
      readonly pages: readonly number[];
      readonly cmaPages: readonly number[];
    }
  /** `tee_heap_buf_free()` → `pool->ops->free` for a released buffer of `pages`. */
  | { readonly type: 'TEE_HEAP_BUF_FREE'; readonly pages: readonly number[] }
  /**
   * `lend_protmem()` returns. `rollbackReclaimOk`: on a failed FF-A lend whose `MEM_LEND` had
   * succeeded, the unchecked `memory_reclaim()` of the error path worked (true when nothing was
   * lent, and always under the SMC ABI).
   */
  | { readonly type: 'LEND_PROTMEM'; readonly ok: boolean; readonly rollbackReclaimOk: boolean }
  /** `reclaim_protmem()` returns (FF-A: the `MEM_RECLAIM` result; SMC: the message result). */
  | { readonly type: 'RECLAIM_PROTMEM'; readonly ok: boolean }
  /** `tee_device_put_all_dma_heaps()` from `optee_remove_common()`. */
  | { readonly type: 'TEE_DEVICE_PUT_ALL_DMA_HEAPS' };

/** The pool lends its CMA pages to the secure world; the world answers `LEND_PROTMEM`. */
export interface LendProtmemRequestedEvent {
  readonly type: 'LEND_PROTMEM_REQUESTED';
  readonly heapName: string;
  readonly abi: OpteeAbi;
  /** `FFA_MEM_LEND` (then `OPTEE_FFA_LEND_PROTMEM`) or `OPTEE_MSG_CMD_LEND_PROTMEM`. */
  readonly via: 'FFA_MEM_LEND' | 'OPTEE_MSG_CMD_LEND_PROTMEM';
  readonly pages: readonly number[];
}

/** The pool takes its pages back; the world answers `RECLAIM_PROTMEM`. */
export interface ReclaimProtmemRequestedEvent {
  readonly type: 'RECLAIM_PROTMEM_REQUESTED';
  readonly heapName: string;
  readonly abi: OpteeAbi;
  /** `FFA_MEM_RECLAIM` (after `OPTEE_FFA_RELEASE_PROTMEM`) or `OPTEE_MSG_CMD_RECLAIM_PROTMEM`. */
  readonly via: 'FFA_MEM_RECLAIM' | 'OPTEE_MSG_CMD_RECLAIM_PROTMEM';
  readonly pages: readonly number[];
}

export type ProtectedHeapEmitted =
  | LendProtmemRequestedEvent
  | ReclaimProtmemRequestedEvent
  | PagesReturnedEvent
  | PagesQuarantinedEvent;

type Args = { context: ProtectedHeapContext; event: ProtectedHeapEvent };

function eventPages(event: ProtectedHeapEvent): readonly number[] {
  return 'pages' in event ? pageSet(event.pages) : [];
}

/** The function whose unwinding frees the CMA pages for the event being handled. */
function freeingFunction(event: ProtectedHeapEvent): string {
  return event.type === 'LEND_PROTMEM' ? 'init_dyn_protmem' : 'release_dyn_protmem';
}

/** The secure world may still hold the pages: a failed reclaim, or a failed lend rollback. */
function secureWorldKept({ event }: Args): boolean {
  if (event.type === 'LEND_PROTMEM') return !event.ok && !event.rollbackReclaimOk;
  if (event.type === 'RECLAIM_PROTMEM') return !event.ok;
  return false;
}

export const protectedHeapMachine = setup({
  types: {
    context: {} as ProtectedHeapContext,
    events: {} as ProtectedHeapEvent,
    input: {} as ProtectedHeapInput,
    emitted: {} as ProtectedHeapEmitted,
  },
  guards: {
    /** `optee_protmem_pool_init()` (SMC) / `optee_protmem_alloc_dyn_pool()`: the config is queried. */
    configIsQueried: ({ context }) => context.configSource === 'query',
    /** Device-tree variant: the carveout comes from a reserved-memory node. */
    configIsFromDeviceTree: ({ context }) => context.configSource === 'deviceTree',
    /** Branch: the query succeeded and the pool could be created. */
    configSucceeded: ({ event }) =>
      (event.type === 'GET_PROTMEM_CONFIG' || event.type === 'OF_RESERVED_MEM_LOOKUP') && event.ok,
    /** Branch: `tee_protmem_static_pool_alloc()` rather than `optee_protmem_alloc_dyn_pool()`. */
    poolIsStatic: ({ context }) => context.pool === 'static',
    /** `tee_device_register_dma_heap()`: `h->teedev` already set for this id gives -EBUSY. */
    heapIdNotBound: ({ event }) => event.type === 'TEE_DEVICE_REGISTER_DMA_HEAP' && !event.heapIdBound,
    /** `protmem_pool_op_static_alloc()` / `protmem_pool_op_dyn_alloc()`: `gen_pool_alloc()` fails, -ENOMEM. */
    requestedPagesFree: ({ context, event }) => {
      const pages = eventPages(event);
      return pages.length > 0 && containsAll(context.pages, pages) && !overlaps(context.allocated, pages);
    },
    /** `init_dyn_protmem()` → `tee_shm_alloc_dma_mem(page_count)`: -ENOMEM when CMA has no room. */
    dmaMemAllocated: ({ context, event }) =>
      event.type === 'TEE_DMA_HEAP_ALLOC' &&
      context.pageCount > 0 &&
      pageSet(event.cmaPages).length === context.pageCount,
    /**
     * Quarantined pages never went back to CMA, so `tee_shm_alloc_dma_mem()` cannot return them:
     * the world does not offer them.
     */
    dmaMemNotQuarantined: ({ context, event }) =>
      event.type === 'TEE_DMA_HEAP_ALLOC' && !overlaps(context.quarantined, event.cmaPages),
    /** `protmem_pool_op_dyn_alloc()`: `gen_pool_alloc()` inside the new range, else -ENOMEM. */
    requestedPagesInDmaMem: ({ event }) =>
      event.type === 'TEE_DMA_HEAP_ALLOC' &&
      event.pages.length > 0 &&
      containsAll(event.cmaPages, event.pages),
    /** `gen_pool_free()` of a range the pool did not hand out BUG()s (genalloc). */
    pagesAreAllocated: ({ context, event }) => {
      const pages = eventPages(event);
      return pages.length > 0 && containsAll(context.allocated, pages);
    },
    /** Branch: this free drops the last buffer (`put_dyn_protmem()` / the heap kref reach 0). */
    lastBuffer: ({ context }) => context.buffers === 1,
    /** Branch: `tee_device_put_all_dma_heaps()` already dropped the initial heap reference. */
    heapShuttingDown: ({ context }) => context.shuttingDown,
    /** `tee_device_put_all_dma_heaps()` skips a heap already `shutting_down`. */
    heapNotShuttingDown: ({ context }) => !context.shuttingDown,
    /** Branch: no buffer holds a heap reference, so dropping the initial one releases the heap. */
    noBufferLeft: ({ context }) => context.buffers === 0,
    /** Branch: `lend_protmem()` returned 0. */
    lendSucceeded: ({ event }) => event.type === 'LEND_PROTMEM' && event.ok,
    /**
     * Branch: `optee_ffa_lend_protmem()` error path: `MEM_LEND` had succeeded, the unchecked
     * `memory_reclaim(handle, 0)` failed, and `init_dyn_protmem()` frees the pages anyway.
     */
    lendRollbackReclaimFailed: ({ event }) =>
      event.type === 'LEND_PROTMEM' && !event.ok && !event.rollbackReclaimOk,
    /** Branch: `reclaim_protmem()` failed; `release_dyn_protmem()` ignores its result. */
    reclaimFailedInSecureWorld: ({ event }) => event.type === 'RECLAIM_PROTMEM' && !event.ok,
    /** Branch: the quarantine policy keeps pages the secure world did not give back. */
    quarantineOnReclaimFailure: ({ context }) => context.reclaimFailurePolicy === 'quarantine',
  },
  actions: {
    configure: assign(({ context, event }) => {
      if (event.type === 'GET_PROTMEM_CONFIG' && context.pool === 'dynamic')
        return { pageCount: event.pageCount };
      const pages = eventPages(event);
      return { pages, pageCount: pages.length };
    }),
    allocatePages: assign(({ context, event }) => ({
      allocated: pageSet([...context.allocated, ...eventPages(event)]),
      buffers: context.buffers + 1,
    })),
    freePages: assign(({ context, event }) => ({
      allocated: withoutAll(context.allocated, eventPages(event)),
      buffers: context.buffers - 1,
    })),
    /** `tee_shm_alloc_dma_mem()`: the pool's CMA pages; the allocation waits for the lend. */
    takeDmaMem: assign(({ event }) => ({
      pages: event.type === 'TEE_DMA_HEAP_ALLOC' ? pageSet(event.cmaPages) : [],
      pendingAlloc: eventPages(event),
    })),
    requestLend: emit(({ context, event }) => ({
      type: 'LEND_PROTMEM_REQUESTED' as const,
      heapName: context.heapName,
      abi: context.abi,
      via: context.abi === 'ffa' ? ('FFA_MEM_LEND' as const) : ('OPTEE_MSG_CMD_LEND_PROTMEM' as const),
      pages: event.type === 'TEE_DMA_HEAP_ALLOC' ? pageSet(event.cmaPages) : [],
    })),
    /** `init_dyn_protmem()` done: refcount 1, the waiting allocation gets its range. */
    completePendingAlloc: assign(({ context }) => ({
      allocated: context.pendingAlloc,
      pendingAlloc: [],
      buffers: 1,
    })),
    requestReclaim: emit(({ context }) => ({
      type: 'RECLAIM_PROTMEM_REQUESTED' as const,
      heapName: context.heapName,
      abi: context.abi,
      via: context.abi === 'ffa' ? ('FFA_MEM_RECLAIM' as const) : ('OPTEE_MSG_CMD_RECLAIM_PROTMEM' as const),
      pages: context.pages,
    })),
    /** `tee_shm_put()` → `tee_shm_release()` → `dma_free_pages()`: the CMA pages go back to Linux. */
    returnDmaMem: emit((args) => ({
      type: 'PAGES_RETURNED' as const,
      pages: args.context.pages,
      to: 'allocator' as const,
      by: freeingFunction(args.event),
      afterFailedReclaim: secureWorldKept(args),
    })),
    quarantineDmaMem: emit(({ context, event }) => ({
      type: 'PAGES_QUARANTINED' as const,
      pages: context.pages,
      by: freeingFunction(event),
    })),
    keepQuarantined: assign(({ context }) => ({
      quarantined: pageSet([...context.quarantined, ...context.pages]),
    })),
    dropDmaMem: assign({ pages: [], allocated: [], pendingAlloc: [], buffers: 0 }),
    startShutdown: assign({ shuttingDown: true }),
  },
}).createMachine({
  id: 'protectedHeap',
  description:
    "A protected dma-heap's backing pool under the TEE subsystem: probed, configured, registered, serving or lending, released.",
  context: ({ input }) => initialProtectedHeapContext(input),
  initial: 'unprobed',
  states: {
    unprobed: {
      description: 'The TEE driver has not set up protected memory yet',
      on: {
        /**
         * `optee_protmem_pool_init()` (smc_abi.c): `OPTEE_SMC_GET_PROTMEM_CONFIG`,
         * `optee_set_dma_mask()`, `tee_protmem_static_pool_alloc()`; or
         * `optee_protmem_alloc_dyn_pool()` (protmem.c): `OPTEE_MSG_CMD_GET_PROTMEM_CONFIG`.
         */
        GET_PROTMEM_CONFIG: [
          { guard: and(['configIsQueried', 'configSucceeded']), target: 'configured', actions: 'configure' },
          { guard: 'configIsQueried', target: 'unavailable' },
        ],
        /** Device-tree variant of the static carveout (out of tree: NXP `linaro,secure-heap`). */
        OF_RESERVED_MEM_LOOKUP: [
          {
            guard: and(['configIsFromDeviceTree', 'poolIsStatic', 'configSucceeded']),
            target: 'configured',
            actions: 'configure',
          },
          { guard: and(['configIsFromDeviceTree', 'poolIsStatic']), target: 'unavailable' },
        ],
      },
    },
    configured: {
      description: 'A tee_protmem_pool exists; the dma-heap is not registered yet',
      on: {
        /** `tee_device_register_dma_heap()` → `alloc_dma_heap()` → `dma_heap_add()`. */
        TEE_DEVICE_REGISTER_DMA_HEAP: [
          { guard: and(['heapIdNotBound', 'poolIsStatic']), target: 'registered.serving' },
          { guard: 'heapIdNotBound', target: 'registered.unlent' },
        ],
        /** Registration failed: `pool->ops->destroy_pool`, "Protected memory service not available". */
        DESTROY_POOL: { target: 'unavailable' },
      },
    },
    unavailable: {
      description: 'Protected memory service not available: no heap device exists',
      type: 'final',
    },
    registered: {
      description: '/dev/dma_heap/<name> exists and h->teedev is set',
      initial: 'serving',
      states: {
        serving: {
          description: 'Static carveout: buffers come from its gen_pool, always protected',
          on: {
            /** `tee_dma_heap_alloc()` → `get_tee_heap()` → `protmem_pool_op_static_alloc()`. */
            TEE_DMA_HEAP_ALLOC: { guard: 'requestedPagesFree', actions: 'allocatePages' },
            /** `tee_heap_buf_free()` → `protmem_pool_op_static_free()` → `put_tee_heap()`. */
            TEE_HEAP_BUF_FREE: [
              {
                guard: and(['pagesAreAllocated', 'lastBuffer', 'heapShuttingDown']),
                target: '#protectedHeap.released',
                actions: 'freePages',
              },
              { guard: 'pagesAreAllocated', actions: 'freePages' },
            ],
            /** `tee_device_put_all_dma_heaps()`: drop the initial reference; released at kref 0. */
            TEE_DEVICE_PUT_ALL_DMA_HEAPS: [
              {
                guard: and(['heapNotShuttingDown', 'noBufferLeft']),
                target: '#protectedHeap.released',
                actions: 'startShutdown',
              },
              { guard: 'heapNotShuttingDown', actions: 'startShutdown' },
            ],
          },
        },
        unlent: {
          description: 'Dynamic pool with nothing lent (rp->gen_pool NULL, refcount 0)',
          on: {
            /** `protmem_pool_op_dyn_alloc()` → `get_dyn_protmem()` → `init_dyn_protmem()`. */
            TEE_DMA_HEAP_ALLOC: {
              guard: and(['dmaMemAllocated', 'dmaMemNotQuarantined', 'requestedPagesInDmaMem']),
              target: 'lending',
              actions: ['takeDmaMem', 'requestLend'],
            },
            /** No buffer holds the heap: dropping the initial reference releases it. */
            TEE_DEVICE_PUT_ALL_DMA_HEAPS: {
              guard: 'heapNotShuttingDown',
              target: '#protectedHeap.released',
              actions: 'startShutdown',
            },
          },
        },
        lending: {
          description: 'init_dyn_protmem(): the CMA pages are being lent (lend_protmem())',
          on: {
            /**
             * `lend_protmem()` returns: on success `TEE_SHM_DYNAMIC`, gen_pool over the range,
             * refcount 1; on failure `tee_shm_put()` frees the pages (the FF-A error path's
             * `memory_reclaim()` result is not checked) and the allocation fails.
             */
            LEND_PROTMEM: [
              { guard: 'lendSucceeded', target: 'lent', actions: 'completePendingAlloc' },
              ...dmaMemFreed('lendRollbackReclaimFailed'),
            ],
            /** The allocating thread holds a heap reference: only the flag is set. */
            TEE_DEVICE_PUT_ALL_DMA_HEAPS: { guard: 'heapNotShuttingDown', actions: 'startShutdown' },
          },
        },
        lent: {
          description: 'The CMA pages are lent to the secure world; buffers use them',
          on: {
            /** `get_dyn_protmem()` (refcount + 1) → `gen_pool_alloc()`. */
            TEE_DMA_HEAP_ALLOC: { guard: 'requestedPagesFree', actions: 'allocatePages' },
            /**
             * `protmem_pool_op_dyn_free()` → `gen_pool_free()` → `put_dyn_protmem()`: the last
             * buffer starts `release_dyn_protmem()`, which reclaims.
             */
            TEE_HEAP_BUF_FREE: [
              {
                guard: and(['pagesAreAllocated', 'lastBuffer']),
                target: 'reclaiming',
                actions: ['freePages', 'requestReclaim'],
              },
              { guard: 'pagesAreAllocated', actions: 'freePages' },
            ],
            TEE_DEVICE_PUT_ALL_DMA_HEAPS: { guard: 'heapNotShuttingDown', actions: 'startShutdown' },
          },
        },
        reclaiming: {
          description: 'release_dyn_protmem(): gen_pool destroyed, reclaim_protmem() under way',
          on: {
            /**
             * `reclaim_protmem()` returns; `release_dyn_protmem()` clears `TEE_SHM_DYNAMIC` and
             * calls `tee_shm_put()` whatever it returned. Then `tee_heap_buf_free()` puts the
             * heap reference: a shutting-down heap is released.
             */
            RECLAIM_PROTMEM: dmaMemFreed('reclaimFailedInSecureWorld'),
            /** The freeing buffer still holds its heap reference until the reclaim is done. */
            TEE_DEVICE_PUT_ALL_DMA_HEAPS: { guard: 'heapNotShuttingDown', actions: 'startShutdown' },
          },
        },
        reclaimFailed: {
          description: 'Quarantine policy: the last lent pages were not given back and stay out of use',
          on: {
            /** A new allocation lends fresh CMA pages (`init_dyn_protmem()` again). */
            TEE_DMA_HEAP_ALLOC: {
              guard: and(['dmaMemAllocated', 'dmaMemNotQuarantined', 'requestedPagesInDmaMem']),
              target: 'lending',
              actions: ['takeDmaMem', 'requestLend'],
            },
            TEE_DEVICE_PUT_ALL_DMA_HEAPS: {
              guard: 'heapNotShuttingDown',
              target: '#protectedHeap.released',
              actions: 'startShutdown',
            },
          },
        },
      },
    },
    released: {
      description: 'tee_heap_release(): pool destroyed, teedev put, allocation gives -EINVAL',
      type: 'final',
    },
  },
});

/**
 * How `init_dyn_protmem()` (after a failed lend) and `release_dyn_protmem()` (after a reclaim)
 * let go of the CMA pages: back to the kernel (`tee_shm_put()`), unless the secure world may
 * still hold them (`kept`) and the quarantine policy keeps them out of use; a heap that is
 * shutting down is released either way. Transitions of the `lending` and `reclaiming` states.
 */
function dmaMemFreed(kept: 'lendRollbackReclaimFailed' | 'reclaimFailedInSecureWorld') {
  return [
    {
      guard: and([kept, 'quarantineOnReclaimFailure', 'heapShuttingDown']),
      target: '#protectedHeap.released',
      actions: ['quarantineDmaMem', 'keepQuarantined', 'dropDmaMem'],
    },
    {
      guard: and([kept, 'quarantineOnReclaimFailure']),
      target: 'reclaimFailed',
      actions: ['quarantineDmaMem', 'keepQuarantined', 'dropDmaMem'],
    },
    { guard: 'heapShuttingDown', target: '#protectedHeap.released', actions: ['returnDmaMem', 'dropDmaMem'] },
    { target: 'unlent', actions: ['returnDmaMem', 'dropDmaMem'] },
  ] as const;
}

type ProtectedHeapGuard = keyof typeof protectedHeapMachine.implementations.guards;

/** An allocation before registration finds no heap device; after release `teedev` is NULL. */
function allocationRefused(
  _context: ProtectedHeapContext,
  _event: ProtectedHeapEvent,
  state: string,
): ErrorCode {
  if (state === 'released') return 'EINVAL';
  if (state.startsWith('registered.')) return 'NOT_ISSUED';
  return 'ENOENT';
}

/**
 * Refusal codes. An allocation while the dynamic pool lends or reclaims would sleep on
 * `rp->mutex`; the model does not issue it (`NOT_ISSUED`). Opening a heap that was never
 * registered fails with -ENOENT (no `/dev/dma_heap` node).
 */
export const protectedHeapRefusals: RefusalTable<
  ProtectedHeapGuard,
  ProtectedHeapContext,
  ProtectedHeapEvent
> = {
  unhandled: {
    default: 'NOT_ISSUED',
    TEE_DMA_HEAP_ALLOC: allocationRefused,
    /** The id is bound to this very teedev: -EBUSY. */
    TEE_DEVICE_REGISTER_DMA_HEAP: (_context, _event, state) =>
      state.startsWith('registered.') ? 'EBUSY' : 'NOT_ISSUED',
    /** No heap is bound to this teedev: the loop finds nothing. */
    TEE_DEVICE_PUT_ALL_DMA_HEAPS: 'NO_EFFECT',
  },
  guards: {
    configIsQueried: 'NOT_ISSUED',
    configIsFromDeviceTree: 'NOT_ISSUED',
    configSucceeded: 'NOT_ISSUED',
    poolIsStatic: 'NOT_ISSUED',
    heapIdNotBound: 'EBUSY',
    requestedPagesFree: 'ENOMEM',
    dmaMemAllocated: 'ENOMEM',
    dmaMemNotQuarantined: 'NOT_ISSUED',
    requestedPagesInDmaMem: 'ENOMEM',
    pagesAreAllocated: 'KERNEL_BUG',
    lastBuffer: 'NOT_ISSUED',
    heapShuttingDown: 'NOT_ISSUED',
    heapNotShuttingDown: 'NO_EFFECT',
    noBufferLeft: 'NOT_ISSUED',
    lendSucceeded: 'NOT_ISSUED',
    lendRollbackReclaimFailed: 'NOT_ISSUED',
    reclaimFailedInSecureWorld: 'NOT_ISSUED',
    quarantineOnReclaimFailure: 'NOT_ISSUED',
  },
};

type ProtectedHeapProvide = Parameters<typeof protectedHeapMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const protectedHeapFlaws = {
  /** Also switches `dmaBufMachine` (`dmaBufFlaws.reclaimFailureIgnored`). */
  reclaimFailureIgnored: {
    summary:
      'A failed reclaim from the secure world is ignored and the pages go back to the allocator while ' +
      'the secure world may still hold them: release_dyn_protmem() and the lend rollback of ' +
      'init_dyn_protmem() (drivers/tee/optee/protmem.c) free the CMA pages whatever reclaim_protmem() ' +
      'returned, and the restricted heap frees a buffer whose unrestrict failed ' +
      '(restricted_heap_memory_free()). The quarantine policy of both heaps is switched off.',
    provide: { guards: { quarantineOnReclaimFailure: () => false } },
  },
} as const satisfies Record<string, MachineFlaw<ProtectedHeapProvide>>;

/** True iff a registered dynamic pool has not lent its CMA pages to the secure world yet. */
export function poolIsUnlent(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'registered.unlent';
}

/** True iff a dynamic pool's lend is sent and waits for the secure world to retrieve it. */
export function poolIsLending(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'registered.lending';
}

/** True iff a dynamic pool's pages are lent to the secure world and serve allocations. */
export function poolIsLent(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'registered.lent';
}

/** True iff a dynamic pool's last buffer is gone and it asked for its pages back (`release_dyn_protmem()`). */
export function poolIsReclaiming(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'registered.reclaiming';
}

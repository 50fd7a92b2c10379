/**
 * One swiotlb bounce slot (one page of a bounce pool) on the virtio data path of a protected VM.
 *
 * A pKVM protected guest cannot let the host's virtio device models read its private memory, so
 * its virtio devices use a restricted DMA pool (`restricted-dma-pool` reserved memory) that the
 * guest shares with the host when the first device attaches: `rmem_swiotlb_device_init()` calls
 * `set_memory_decrypted()`, which on pKVM is `pkvm_set_memory_decrypted()` — one
 * `ARM_SMCCC_VENDOR_HYP_KVM_MEM_SHARE` hypercall per page. Every DMA mapping then bounces through
 * that shared pool: `swiotlb_bounce()` copies the guest's data into a page the host can read.
 *
 * Sources:
 * - `torvalds/linux: kernel/dma/swiotlb.c` — `swiotlb_tbl_map_single()`,
 *   `swiotlb_tbl_unmap_single()`, `swiotlb_sync_single_for_device/cpu()`, `swiotlb_bounce()`,
 *   `swiotlb_release_slots()`, `rmem_swiotlb_device_init()`;
 * - `torvalds/linux: Documentation/core-api/swiotlb.rst`;
 * - `torvalds/linux: drivers/virt/coco/pkvm-guest/arm-pkvm-guest.c` — set_memory_decrypted →
 *   MEM_SHARE.
 *
 * What the code does that matters for leaks:
 * - `swiotlb_tbl_map_single()` copies the original buffer into the bounce slot for every
 *   direction, DMA_FROM_DEVICE included ("preserve the original's data if the device does a
 *   partial write", since the 2022 info-leak fixes). So even a receive buffer's old contents
 *   reach the host-shared page. `swiotlbBounceBefore2022Machine` is the older rule (copy only
 *   for DMA_TO_DEVICE and DMA_BIDIRECTIONAL).
 * - Unmap copies back for DMA_FROM_DEVICE and DMA_BIDIRECTIONAL, then releases the slot without
 *   clearing it: the last contents stay in the shared page, readable by the host, until the slot
 *   is reused.
 *
 * States follow the DMA API's buffer ownership (Documentation/core-api/dma-api-howto.rst): after
 * a map or `sync_single_for_device` the device owns the buffer; after `sync_single_for_cpu` the
 * CPU does.
 *
 * Facts from the world (event fields): the original page and direction of a map, and whether
 * the bounce page is shared with the host (`bouncePageSharedWithHost`, from the page machine:
 * the guest's MEM_SHARE at pool set-up). The kernel never checks the last one — the result of
 * `set_memory_decrypted()` is ignored in `rmem_swiotlb_device_init()` — but a pVM's devices use
 * the pool only after that set-up, so a map onto an unshared page is not issued here;
 * `swiotlbBounceIgnoresShareFailureMachine` maps anyway, as the kernel would after a failed share.
 *
 * Emitted: `PAGE_CONTENT_COPIED { from, to, by: 'swiotlb_bounce', dir }` for every bounce; the
 * world copies the content label of page `from` onto page `to`.
 *
 * Not modelled: mappings larger than one slot, alignment, the kernel's search for a free slot (a
 * map on a busy slot is refused with -ENOMEM, as `vring_map_one_sg()` reports a DMA mapping
 * error; the world maps into the pool's lowest free slot, and with none free the map fails the
 * same way), `DMA_ATTR_SKIP_CPU_SYNC`, transient pools, and `swiotlb_alloc()` (coherent
 * allocations from the pool).
 */
import { and, assign, emit, setup } from 'xstate';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export type DmaDirection = 'DMA_TO_DEVICE' | 'DMA_FROM_DEVICE' | 'DMA_BIDIRECTIONAL';

export interface SwiotlbBounceInput {
  /** The pool page this slot uses (the world's page number). */
  readonly bouncePage: number;
}

export interface SwiotlbBounceContext {
  readonly bouncePage: number;
  /** `slots[index].orig_addr`: the guest page the slot bounces for; -1 when free. */
  readonly origPage: number;
  /** The mapping's direction; null when free. */
  readonly dir: DmaDirection | null;
}

export type SwiotlbBounceEvent =
  | {
      readonly type: 'SWIOTLB_TBL_MAP_SINGLE';
      readonly origPage: number;
      readonly dir: DmaDirection;
      readonly bouncePageSharedWithHost: boolean;
    }
  | { readonly type: 'SWIOTLB_SYNC_SINGLE_FOR_CPU' }
  | { readonly type: 'SWIOTLB_SYNC_SINGLE_FOR_DEVICE' }
  | { readonly type: 'SWIOTLB_TBL_UNMAP_SINGLE' };

export interface PageContentCopiedEvent {
  readonly type: 'PAGE_CONTENT_COPIED';
  readonly from: number;
  readonly to: number;
  readonly by: 'swiotlb_bounce';
  /** `swiotlb_bounce()`'s direction: DMA_TO_DEVICE copies orig → bounce, DMA_FROM_DEVICE back. */
  readonly dir: 'DMA_TO_DEVICE' | 'DMA_FROM_DEVICE';
}

function includesToDevice(dir: DmaDirection | null): boolean {
  return dir === 'DMA_TO_DEVICE' || dir === 'DMA_BIDIRECTIONAL';
}

function includesFromDevice(dir: DmaDirection | null): boolean {
  return dir === 'DMA_FROM_DEVICE' || dir === 'DMA_BIDIRECTIONAL';
}

export const swiotlbBounceMachine = setup({
  types: {
    context: {} as SwiotlbBounceContext,
    events: {} as SwiotlbBounceEvent,
    input: {} as SwiotlbBounceInput,
    emitted: {} as PageContentCopiedEvent,
  },
  guards: {
    /**
     * `rmem_swiotlb_device_init()` shares the pool (`set_memory_decrypted()` → MEM_SHARE) before
     * a device can map through it; the kernel does not check the result (see the variant).
     */
    bouncePageSharedWithHost: ({ event }) =>
      event.type === 'SWIOTLB_TBL_MAP_SINGLE' && event.bouncePageSharedWithHost,
    /**
     * `swiotlb_tbl_map_single()`: `swiotlb_bounce(..., DMA_TO_DEVICE)` runs unconditionally, for
     * every direction. The pre-2022 variant copies only for TO_DEVICE and BIDIRECTIONAL.
     */
    mapCopiesOriginal: () => true,
    /** `swiotlb_sync_single_for_device()`: bounces to the slot for TO_DEVICE and BIDIRECTIONAL. */
    dirIncludesToDevice: ({ context }) => includesToDevice(context.dir),
    /** `swiotlb_sync_single_for_cpu()` and `swiotlb_tbl_unmap_single()`: copy back for FROM_DEVICE and BIDIRECTIONAL. */
    dirIncludesFromDevice: ({ context }) => includesFromDevice(context.dir),
  },
  actions: {
    /** `slots[index].orig_addr = orig_addr`. */
    recordMapping: assign(({ event }) =>
      event.type === 'SWIOTLB_TBL_MAP_SINGLE' ? { origPage: event.origPage, dir: event.dir } : {},
    ),
    /** `swiotlb_bounce(dev, tlb_addr, size, DMA_TO_DEVICE)`: original page → bounce page. */
    copyToBounce: emit(({ context, event }) => ({
      type: 'PAGE_CONTENT_COPIED' as const,
      from: event.type === 'SWIOTLB_TBL_MAP_SINGLE' ? event.origPage : context.origPage,
      to: context.bouncePage,
      by: 'swiotlb_bounce' as const,
      dir: 'DMA_TO_DEVICE' as const,
    })),
    /** `swiotlb_bounce(dev, tlb_addr, size, DMA_FROM_DEVICE)`: bounce page → original page. */
    copyFromBounce: emit(({ context }) => ({
      type: 'PAGE_CONTENT_COPIED' as const,
      from: context.bouncePage,
      to: context.origPage,
      by: 'swiotlb_bounce' as const,
      dir: 'DMA_FROM_DEVICE' as const,
    })),
    /** `swiotlb_release_slots()`: the slot is free again; its contents are not cleared. */
    releaseSlot: assign({ origPage: -1, dir: null }),
  },
}).createMachine({
  id: 'swiotlbBounce',
  description:
    "One swiotlb bounce slot: a page of the host-shared restricted DMA pool on a protected VM's virtio data path.",
  context: ({ input }) => ({ bouncePage: input.bouncePage, origPage: -1, dir: null }),
  initial: 'idle',
  states: {
    idle: {
      description: "Free slot; it may still hold the last mapping's data",
      on: {
        /** `swiotlb_tbl_map_single()`: slot found, `orig_addr` recorded, original copied in. */
        SWIOTLB_TBL_MAP_SINGLE: [
          {
            guard: and(['bouncePageSharedWithHost', 'mapCopiesOriginal']),
            target: 'mapped',
            actions: ['recordMapping', 'copyToBounce'],
          },
          { guard: 'bouncePageSharedWithHost', target: 'mapped', actions: 'recordMapping' },
        ],
      },
    },
    mapped: {
      description: 'Mapped for DMA: the device reads and writes the bounce page',
      initial: 'deviceOwns',
      on: {
        /** `swiotlb_tbl_unmap_single()`: copy back for FROM_DEVICE/BIDIRECTIONAL, release the slot. */
        SWIOTLB_TBL_UNMAP_SINGLE: [
          {
            guard: 'dirIncludesFromDevice',
            target: 'idle',
            actions: ['copyFromBounce', 'releaseSlot'],
          },
          { target: 'idle', actions: 'releaseSlot' },
        ],
      },
      states: {
        deviceOwns: {
          description: 'The device owns the buffer (after map or sync_single_for_device)',
          on: {
            /** `swiotlb_sync_single_for_cpu()`: copy back for FROM_DEVICE/BIDIRECTIONAL. */
            SWIOTLB_SYNC_SINGLE_FOR_CPU: [
              { guard: 'dirIncludesFromDevice', target: 'cpuOwns', actions: 'copyFromBounce' },
              { target: 'cpuOwns' },
            ],
          },
        },
        cpuOwns: {
          description: 'The CPU owns the buffer (after sync_single_for_cpu)',
          on: {
            /** `swiotlb_sync_single_for_device()`: copy in again for TO_DEVICE/BIDIRECTIONAL. */
            SWIOTLB_SYNC_SINGLE_FOR_DEVICE: [
              { guard: 'dirIncludesToDevice', target: 'deviceOwns', actions: 'copyToBounce' },
              { target: 'deviceOwns' },
            ],
          },
        },
      },
    },
  },
});

/**
 * Before the 2022 fixes ("swiotlb: fix info leak with DMA_FROM_DEVICE", ddbd89deb7d3, and its
 * rework): `swiotlb_tbl_map_single()` copied the original only for DMA_TO_DEVICE and
 * DMA_BIDIRECTIONAL (without `DMA_ATTR_SKIP_CPU_SYNC`).
 */
export const swiotlbBounceBefore2022Machine = swiotlbBounceMachine.provide({
  guards: {
    mapCopiesOriginal: ({ event }) => event.type === 'SWIOTLB_TBL_MAP_SINGLE' && includesToDevice(event.dir),
  },
});

/**
 * What the kernel does if the pool's MEM_SHARE failed at set-up: `rmem_swiotlb_device_init()`
 * ignores `set_memory_decrypted()`'s result, so devices map through a page the host cannot read
 * (the device model faults instead of leaking).
 */
export const swiotlbBounceIgnoresShareFailureMachine = swiotlbBounceMachine.provide({
  guards: { bouncePageSharedWithHost: () => true },
});

/** True iff the slot is free for a new mapping (it may still hold the last mapping's data). */
export function slotIsFree(snapshot: MachineSnapshot<SwiotlbBounceContext>): boolean {
  return snapshot.value === 'idle';
}

/** True iff the slot is mapped for `origPage`: that page's data is bounced through it. */
export function slotBounces(snapshot: MachineSnapshot<SwiotlbBounceContext>, origPage: number): boolean {
  return snapshot.value !== 'idle' && snapshot.context.origPage === origPage;
}

type BounceGuard = keyof typeof swiotlbBounceMachine.implementations.guards;

export const swiotlbBounceRefusals: RefusalTable<BounceGuard, SwiotlbBounceContext, SwiotlbBounceEvent> = {
  unhandled: {
    /** Drivers unmap and sync only what they mapped (CONFIG_DMA_API_DEBUG reports the rest). */
    default: 'NOT_ISSUED',
    /**
     * A busy slot: `swiotlb_find_slots()` finds no room ("swiotlb buffer is full"), the map
     * returns DMA_MAPPING_ERROR and `vring_map_one_sg()` gives -ENOMEM.
     */
    SWIOTLB_TBL_MAP_SINGLE: 'ENOMEM',
    /**
     * A second sync towards the side that already owns the buffer: the DMA API's ownership
     * rule makes it a driver bug, so the modelled driver does not issue it.
     */
    SWIOTLB_SYNC_SINGLE_FOR_CPU: 'NOT_ISSUED',
    SWIOTLB_SYNC_SINGLE_FOR_DEVICE: 'NOT_ISSUED',
  },
  guards: {
    bouncePageSharedWithHost: 'NOT_ISSUED',
    mapCopiesOriginal: 'NOT_ISSUED',
    dirIncludesToDevice: 'NOT_ISSUED',
    dirIncludesFromDevice: 'NOT_ISSUED',
  },
};

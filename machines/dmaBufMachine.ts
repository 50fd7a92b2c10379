/**
 * The life of one dma-buf allocated from a dma-buf heap, in one buffer slot: free, exported
 * (an fd exists), waiting for the secure world to give a protected buffer back, quarantined.
 *
 * Sources: `torvalds/linux: drivers/dma-buf/dma-heap.c` (`DMA_HEAP_IOCTL_ALLOC`),
 * `drivers/dma-buf/dma-buf.c` (attach, map, mmap, vmap, `DMA_BUF_IOCTL_SYNC`, release), the
 * exporters `drivers/dma-buf/heaps/system_heap.c`, `drivers/dma-buf/heaps/cma_heap.c`,
 * `drivers/tee/tee_heap.c`, and the ChromeOS MediaTek exporter
 * `external-mirrors/chromiumos-third_party-kernel: drivers/dma-buf/heaps/restricted_heap.c`.
 *
 * The input names the heap kind (system, cma, protectedStatic, protectedDynamic) and the
 * exporter whose `dma_buf_ops` apply (`EXPORTER_OPS` in `dmaBufState.ts`): `tee_heap` has no
 * mmap, vmap or CPU-access ops (mmap and vmap -EINVAL, `DMA_BUF_IOCTL_SYNC` succeeds), the MTK
 * restricted heap refuses mmap and begin/end_cpu_access with -EACCES and has no vmap, the
 * system and CMA heaps allow all. Per-device attachments and mappings, CPU views and fd holders
 * live in context; one attachment per device and one mapping of each kind per party keep the
 * context finite (a further one is `NOT_ISSUED`).
 *
 * The file is released (`DMA_BUF_RELEASE`: `dma_buf_release()` → `ops->release`) once no fd,
 * no importer (`dma_buf_get()` reference of an attachment) and no VMA holds it; the world issues
 * it after the last close, unmap or detach. The free path then depends on the exporter:
 * - system, CMA and `tee_heap` give the pages back at once (the `tee_heap` pools keep them
 *   protected in their gen_pool; the dynamic pool's reclaim is `protectedHeapMachine`'s);
 * - the MTK restricted heap first asks the secure world to unrestrict the buffer
 *   (`restricted_heap_memory_free()` → `ops->unrestrict_buf`) and waits in `reclaiming` for the
 *   answer. A failed unrestrict is ignored upstream (the op's result is not checked) and
 *   quarantines the pages under the `quarantine` policy (Qualcomm ION / mem-buf `ERR`).
 * Zeroing happens where the sources put it: the system heap (`__GFP_ZERO`), the CMA heap
 * (memset in `cma_heap_allocate()`) and the MTK TEE (`MTK_TZCMD_SECMEM_ZALLOC`) at allocation;
 * on the free path only under the `zero` scrub policy (no upstream exporter scrubs on free).
 *
 * Event fields the world fills: `DMA_HEAP_IOCTL_ALLOC.pages` (which pages the heap hands out)
 * and `argsValid`; `DMA_BUF_MMAP.vmaShared` / `withinBuffer`; `DMA_BUF_IOCTL_SYNC.flagsValid`;
 * `UNRESTRICT_BUF.ok` (the secure world's answer to `UNRESTRICT_BUF_REQUESTED`).
 *
 * Emitted for other machines: `PAGES_ZEROED`, `PAGES_RETURNED`, `PAGES_QUARANTINED` (page
 * content and ownership), `FD_HANDED` (a party gains the fd), `CPU_MAPPING_CREATED` /
 * `CPU_MAPPING_REMOVED` (user mmap or kernel vmap, with `protected` so the leak oracle sees CPU
 * mappings of protected buffers), `DMA_MAPPING_CREATED` / `DMA_MAPPING_REMOVED` (a device maps
 * the pages: IOMMU domains), `UNRESTRICT_BUF_REQUESTED` (to the secure world).
 */
import { and, assign, emit, setup } from 'xstate';
import {
  type Attachment,
  type Device,
  type DmaBufContext,
  type DmaBufInput,
  type DmaDirection,
  EMPTY_BUFFER,
  exporterOps,
  findAttachment,
  freeFunction,
  hasFileReference,
  initialDmaBufContext,
  isProtectedHeap,
  type PagesQuarantinedEvent,
  type PagesReturnedEvent,
  type PagesZeroedEvent,
  type Party,
  pageSet,
  returnDestination,
  withItem,
  withoutItem,
} from './dmaBufState.ts';
import type { FlawEntry } from './flaws.ts';
import { protectedHeapFlaws } from './protectedHeapMachine.ts';
import type { ErrorCode, RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export type DmaBufEvent =
  /**
   * `DMA_HEAP_IOCTL_ALLOC` by `party`, which receives the fd. `pages`: what the heap hands out
   * (empty models a zero `len`). `argsValid`: `fd` is 0 and `fd_flags` / `heap_flags` are
   * inside their valid masks.
   */
  | {
      readonly type: 'DMA_HEAP_IOCTL_ALLOC';
      readonly party: Party;
      readonly pages: readonly number[];
      readonly argsValid: boolean;
    }
  /** `party` passes its fd to `to` (SCM_RIGHTS, binder, a VMM forwarding it to a guest). */
  | { readonly type: 'DMA_BUF_SHARE_FD'; readonly party: Party; readonly to: Party }
  /** `party` closes its fd (`fput()`; the last reference ends in `DMA_BUF_RELEASE`). */
  | { readonly type: 'DMA_BUF_CLOSE'; readonly party: Party }
  /** `dma_buf_attach()` of `device` by a driver that took the buffer from `party`'s fd. */
  | { readonly type: 'DMA_BUF_ATTACH'; readonly party: Party; readonly device: Device }
  | { readonly type: 'DMA_BUF_MAP_ATTACHMENT'; readonly device: Device; readonly direction: DmaDirection }
  | { readonly type: 'DMA_BUF_UNMAP_ATTACHMENT'; readonly device: Device }
  | { readonly type: 'DMA_BUF_DETACH'; readonly device: Device }
  /**
   * `mmap()` of the fd by `party` (`dma_buf_mmap_internal()`). `vmaShared`: `VM_SHARED` or
   * `VM_MAYSHARE`; `withinBuffer`: `vm_pgoff` + pages fits the buffer.
   */
  | {
      readonly type: 'DMA_BUF_MMAP';
      readonly party: Party;
      readonly vmaShared: boolean;
      readonly withinBuffer: boolean;
    }
  | { readonly type: 'DMA_BUF_MUNMAP'; readonly party: Party }
  /** `dma_buf_vmap()` by a kernel user: an fd holder's driver or an attached device's driver. */
  | { readonly type: 'DMA_BUF_VMAP'; readonly party: Party }
  | { readonly type: 'DMA_BUF_VUNMAP'; readonly party: Party }
  /** `DMA_BUF_IOCTL_SYNC` with `DMA_BUF_SYNC_START` or `_END`; `flagsValid`: known flags, a direction. */
  | {
      readonly type: 'DMA_BUF_IOCTL_SYNC';
      readonly party: Party;
      readonly flags: 'start' | 'end';
      readonly flagsValid: boolean;
    }
  /** The file's last reference is gone: `dma_buf_release()` calls `ops->release`. */
  | { readonly type: 'DMA_BUF_RELEASE' }
  /** The secure world's answer to `UNRESTRICT_BUF_REQUESTED` (`ops->unrestrict_buf` returns). */
  | { readonly type: 'UNRESTRICT_BUF'; readonly ok: boolean };

/** A party gains an fd of the buffer. */
export interface FdHandedEvent {
  readonly type: 'FD_HANDED';
  readonly to: Party;
  /** The party that passed it on; `null` for the allocation itself. */
  readonly from: Party | null;
  readonly via: 'DMA_HEAP_IOCTL_ALLOC' | 'DMA_BUF_SHARE_FD';
}

/** A CPU mapping of the buffer's pages now exists for `party`. */
export interface CpuMappingCreatedEvent {
  readonly type: 'CPU_MAPPING_CREATED';
  readonly party: Party;
  readonly kind: 'mmap' | 'vmap';
  readonly pages: readonly number[];
  /** The buffer comes from a protected heap. */
  readonly protected: boolean;
}

export interface CpuMappingRemovedEvent {
  readonly type: 'CPU_MAPPING_REMOVED';
  readonly party: Party;
  readonly kind: 'mmap' | 'vmap';
  readonly pages: readonly number[];
}

/** `map_dma_buf` mapped the pages for `device` (`dma_map_sgtable()`, IOMMU if any). */
export interface DmaMappingCreatedEvent {
  readonly type: 'DMA_MAPPING_CREATED';
  readonly device: Device;
  readonly direction: DmaDirection;
  readonly pages: readonly number[];
  readonly protected: boolean;
}

export interface DmaMappingRemovedEvent {
  readonly type: 'DMA_MAPPING_REMOVED';
  readonly device: Device;
  readonly pages: readonly number[];
}

/** The free path asks the secure world to unrestrict the pages; the world answers `UNRESTRICT_BUF`. */
export interface UnrestrictBufRequestedEvent {
  readonly type: 'UNRESTRICT_BUF_REQUESTED';
  readonly pages: readonly number[];
}

export type DmaBufEmitted =
  | PagesZeroedEvent
  | PagesReturnedEvent
  | PagesQuarantinedEvent
  | FdHandedEvent
  | CpuMappingCreatedEvent
  | CpuMappingRemovedEvent
  | DmaMappingCreatedEvent
  | DmaMappingRemovedEvent
  | UnrestrictBufRequestedEvent;

type Args = { context: DmaBufContext; event: DmaBufEvent };

function eventParty(event: DmaBufEvent): Party | undefined {
  return 'party' in event ? event.party : undefined;
}

function eventDevice(event: DmaBufEvent): Device | undefined {
  return 'device' in event ? event.device : undefined;
}

function eventAttachment({ context, event }: Args): Attachment | undefined {
  const device = eventDevice(event);
  return device === undefined ? undefined : findAttachment(context, device);
}

function holdsFd(context: DmaBufContext, party: Party | undefined): boolean {
  return party !== undefined && context.fdHolders.includes(party);
}

function withAttachment(list: readonly Attachment[], attachment: Attachment): readonly Attachment[] {
  return [...list.filter((a) => a.device !== attachment.device), attachment].sort((a, b) =>
    a.device < b.device ? -1 : a.device > b.device ? 1 : 0,
  );
}

export const dmaBufMachine = setup({
  types: {
    context: {} as DmaBufContext,
    events: {} as DmaBufEvent,
    input: {} as DmaBufInput,
    emitted: {} as DmaBufEmitted,
  },
  guards: {
    /**
     * `dma_heap_ioctl_allocate()` in dma-heap.c: a non-zero `fd`, or `fd_flags` / `heap_flags`
     * outside `DMA_HEAP_VALID_FD_FLAGS` / `DMA_HEAP_VALID_HEAP_FLAGS`: -EINVAL.
     */
    allocationArgsValid: ({ event }) => event.type === 'DMA_HEAP_IOCTL_ALLOC' && event.argsValid,
    /** `dma_heap_buffer_alloc()` in dma-heap.c: `PAGE_ALIGN(len)` of 0 gives -EINVAL. */
    allocationLengthNonZero: ({ event }) => event.type === 'DMA_HEAP_IOCTL_ALLOC' && event.pages.length > 0,
    /** Branch: the exporter's allocate zeroes the pages (`EXPORTER_OPS.zeroesOnAllocation`). */
    heapZeroesOnAllocation: ({ context }) => exporterOps(context).zeroesOnAllocation !== null,
    /**
     * The call goes through `party`'s fd: `fget()` / `dma_buf_get()` in dma-buf.c fail with
     * -EBADF for an fd the caller does not hold.
     */
    partyHoldsFd: ({ context, event }) => holdsFd(context, eventParty(event)),
    /** Model bound: one fd per party and buffer (the kernel would give the receiver a second fd). */
    receiverHoldsNoFd: ({ context, event }) =>
      event.type === 'DMA_BUF_SHARE_FD' && !context.fdHolders.includes(event.to),
    /**
     * Model bound: one attachment per device. `dma_buf_dynamic_attach()` in dma-buf.c checks no
     * device, and neither does `tee_heap_attach()` nor `restricted_heap_attach()`.
     */
    deviceNotAttached: (args) => eventAttachment(args) === undefined,
    /** `dma_buf_map_attachment()`: `WARN_ON(!attach)` and -EINVAL. */
    attachmentExists: (args) => eventAttachment(args) !== undefined,
    /** Model bound: one live mapping per attachment. */
    attachmentNotMapped: (args) => eventAttachment(args)?.direction === null,
    /** `dma_buf_unmap_attachment()`: `WARN_ON(!attach)` and return. */
    attachmentToUnmapExists: (args) => eventAttachment(args) !== undefined,
    /** `dma_buf_unmap_attachment()`: `WARN_ON(!sg_table)` and return. */
    attachmentIsMapped: (args) => {
      const attachment = eventAttachment(args);
      return attachment !== undefined && attachment.direction !== null;
    },
    /** `dma_buf_detach()`: `WARN_ON(!attach)` and return. */
    attachmentToDetachExists: (args) => eventAttachment(args) !== undefined,
    /**
     * Importers unmap before detaching (`virtgpu_dma_buf_free_obj()` does): `dma_buf_detach()`
     * no longer unmaps a cached mapping, so a mapped detach would strand the device mapping.
     */
    attachmentIsUnmapped: (args) => eventAttachment(args)?.direction === null,
    /** `dma_buf_mmap_internal()` in dma-buf.c: no `ops->mmap` gives -EINVAL (tee_heap). */
    exporterHasMmap: ({ context }) => exporterOps(context).mmap !== 'none',
    /** `dma_buf_mmap_internal()`: `vm_pgoff` + pages beyond the buffer gives -EINVAL. */
    mmapWithinBuffer: ({ event }) => event.type === 'DMA_BUF_MMAP' && event.withinBuffer,
    /** `restricted_heap_dma_buf_mmap()` in the ChromeOS restricted_heap.c returns -EACCES. */
    exporterMmapPermitsCpu: ({ context }) => exporterOps(context).mmap === 'maps',
    /** `cma_heap_mmap()` in cma_heap.c: -EINVAL unless `VM_SHARED` or `VM_MAYSHARE`. */
    vmaSharedWhereRequired: ({ context, event }) =>
      !exporterOps(context).mmapNeedsSharedVma || (event.type === 'DMA_BUF_MMAP' && event.vmaShared),
    /** Model bound: one mapping per party. */
    partyHasNoMmap: ({ context, event }) => !context.mmaps.includes(eventParty(event) ?? ''),
    /** `munmap()` of a range the party has not mapped does nothing. */
    partyHasMmap: ({ context, event }) => context.mmaps.includes(eventParty(event) ?? ''),
    /** `dma_buf_vmap()` needs the caller's reference: an fd holder or an attached device's driver. */
    partyHoldsReference: ({ context, event }) => {
      const party = eventParty(event);
      return holdsFd(context, party) || context.attachments.some((a) => a.device === party);
    },
    /** `dma_buf_vmap()` in dma-buf.c: no `ops->vmap` gives -EINVAL (tee_heap, restricted_heap). */
    exporterHasVmap: ({ context }) => exporterOps(context).vmap,
    /** Model bound: one vmap per kernel user (the core counts them in `vmapping_counter`). */
    partyHasNoVmap: ({ context, event }) => !context.vmaps.includes(eventParty(event) ?? ''),
    /** `dma_buf_vunmap()`: `BUG_ON(dmabuf->vmapping_counter == 0)`. */
    partyHasVmap: ({ context, event }) => context.vmaps.includes(eventParty(event) ?? ''),
    /**
     * `dma_buf_ioctl()` for `DMA_BUF_IOCTL_SYNC`: flags outside `DMA_BUF_SYNC_VALID_FLAGS_MASK`,
     * or no read/write direction: -EINVAL.
     */
    syncFlagsValid: ({ event }) => event.type === 'DMA_BUF_IOCTL_SYNC' && event.flagsValid,
    /**
     * `dma_buf_begin_cpu_access()` / `dma_buf_end_cpu_access()`: the exporter's op result is
     * returned as is (ChromeOS `restricted_heap_dma_buf_begin_cpu_access()`: -EACCES); without
     * an op (tee_heap) the core waits on the fences and returns 0.
     */
    exporterCpuAccessPermits: ({ context }) => exporterOps(context).cpuAccess !== 'refuses',
    /** Branch: `DMA_BUF_SYNC_START` begins CPU access, `_END` ends it. */
    syncStarts: ({ event }) => event.type === 'DMA_BUF_IOCTL_SYNC' && event.flags === 'start',
    /**
     * `dma_buf_release()` runs only when the file's last reference goes: fds, importers'
     * `dma_buf_get()` references, VMAs (`vma->vm_file`).
     */
    noFileReferenceLeft: ({ context }) => !hasFileReference(context),
    /** `dma_buf_release()`: `BUG_ON(dmabuf->vmapping_counter)`. */
    noVmapLeft: ({ context }) => context.vmaps.length === 0,
    /** Branch: `restricted_heap_memory_free()` calls `ops->unrestrict_buf` before `ops->free`. */
    exporterUnrestrictsOnFree: ({ context }) => exporterOps(context).unrestrictsOnFree,
    /** Branch: no scrub on the free path (every upstream exporter). */
    scrubOnFreeIsNone: ({ context }) => context.scrubOnFree === 'none',
    /** Branch: the secure world confirmed the unrestrict. */
    unrestrictSucceeded: ({ event }) => event.type === 'UNRESTRICT_BUF' && event.ok,
    /**
     * Branch: a failed unrestrict quarantines the pages (Qualcomm ION `ion_hyp_unassign_sg()`
     * failure returns without freeing; mem-buf `ERR`). Upstream does not check it.
     */
    quarantineOnReclaimFailure: ({ context }) => context.reclaimFailurePolicy === 'quarantine',
  },
  actions: {
    allocate: assign(({ event }) => ({
      pages: event.type === 'DMA_HEAP_IOCTL_ALLOC' ? pageSet(event.pages) : [],
      fdHolders: event.type === 'DMA_HEAP_IOCTL_ALLOC' ? [event.party] : [],
    })),
    zeroOnAllocation: emit(({ context, event }) => ({
      type: 'PAGES_ZEROED' as const,
      pages: event.type === 'DMA_HEAP_IOCTL_ALLOC' ? pageSet(event.pages) : [],
      when: 'allocation' as const,
      by: exporterOps(context).zeroesOnAllocation ?? '',
    })),
    handFdOnAllocation: emit(({ event }) => ({
      type: 'FD_HANDED' as const,
      to: eventParty(event) ?? '',
      from: null,
      via: 'DMA_HEAP_IOCTL_ALLOC' as const,
    })),
    shareFd: assign(({ context, event }) => ({
      fdHolders:
        event.type === 'DMA_BUF_SHARE_FD' ? withItem(context.fdHolders, event.to) : context.fdHolders,
    })),
    handFdOnShare: emit(({ event }) => ({
      type: 'FD_HANDED' as const,
      to: event.type === 'DMA_BUF_SHARE_FD' ? event.to : '',
      from: eventParty(event) ?? null,
      via: 'DMA_BUF_SHARE_FD' as const,
    })),
    closeFd: assign(({ context, event }) => ({
      fdHolders: withoutItem(context.fdHolders, eventParty(event)),
    })),
    attach: assign(({ context, event }) => ({
      attachments:
        event.type === 'DMA_BUF_ATTACH'
          ? withAttachment(context.attachments, { device: event.device, party: event.party, direction: null })
          : context.attachments,
    })),
    mapAttachment: assign((args) => {
      const attachment = eventAttachment(args);
      const { context, event } = args;
      if (!attachment || event.type !== 'DMA_BUF_MAP_ATTACHMENT') return {};
      return {
        attachments: withAttachment(context.attachments, { ...attachment, direction: event.direction }),
      };
    }),
    announceDmaMapping: emit(({ context, event }) => ({
      type: 'DMA_MAPPING_CREATED' as const,
      device: eventDevice(event) ?? '',
      direction: event.type === 'DMA_BUF_MAP_ATTACHMENT' ? event.direction : ('DMA_BIDIRECTIONAL' as const),
      pages: context.pages,
      protected: isProtectedHeap(context.heapKind),
    })),
    unmapAttachment: assign((args) => {
      const attachment = eventAttachment(args);
      if (!attachment) return {};
      return { attachments: withAttachment(args.context.attachments, { ...attachment, direction: null }) };
    }),
    announceDmaUnmapping: emit(({ context, event }) => ({
      type: 'DMA_MAPPING_REMOVED' as const,
      device: eventDevice(event) ?? '',
      pages: context.pages,
    })),
    detach: assign(({ context, event }) => ({
      attachments: context.attachments.filter((a) => a.device !== eventDevice(event)),
    })),
    mmap: assign(({ context, event }) => ({ mmaps: withItem(context.mmaps, eventParty(event) ?? '') })),
    announceMmap: emit(({ context, event }) => ({
      type: 'CPU_MAPPING_CREATED' as const,
      party: eventParty(event) ?? '',
      kind: 'mmap' as const,
      pages: context.pages,
      protected: isProtectedHeap(context.heapKind),
    })),
    munmap: assign(({ context, event }) => ({ mmaps: withoutItem(context.mmaps, eventParty(event)) })),
    announceMunmap: emit(({ context, event }) => ({
      type: 'CPU_MAPPING_REMOVED' as const,
      party: eventParty(event) ?? '',
      kind: 'mmap' as const,
      pages: context.pages,
    })),
    vmap: assign(({ context, event }) => ({ vmaps: withItem(context.vmaps, eventParty(event) ?? '') })),
    announceVmap: emit(({ context, event }) => ({
      type: 'CPU_MAPPING_CREATED' as const,
      party: eventParty(event) ?? '',
      kind: 'vmap' as const,
      pages: context.pages,
      protected: isProtectedHeap(context.heapKind),
    })),
    vunmap: assign(({ context, event }) => ({ vmaps: withoutItem(context.vmaps, eventParty(event)) })),
    announceVunmap: emit(({ context, event }) => ({
      type: 'CPU_MAPPING_REMOVED' as const,
      party: eventParty(event) ?? '',
      kind: 'vmap' as const,
      pages: context.pages,
    })),
    beginCpuAccess: assign(({ context, event }) => ({
      cpuAccess: withItem(context.cpuAccess, eventParty(event) ?? ''),
    })),
    endCpuAccess: assign(({ context, event }) => ({
      cpuAccess: withoutItem(context.cpuAccess, eventParty(event)),
    })),
    /** A CPU-access bracket left open by a party that closed its fd ends with the file. */
    forgetCpuAccess: assign({ cpuAccess: [] }),
    zeroOnFree: emit(({ context }) => ({
      type: 'PAGES_ZEROED' as const,
      pages: context.pages,
      when: 'free' as const,
      by: 'scrubOnFree',
    })),
    requestUnrestrict: emit(({ context }) => ({
      type: 'UNRESTRICT_BUF_REQUESTED' as const,
      pages: context.pages,
    })),
    returnPages: emit(({ context }) => ({
      type: 'PAGES_RETURNED' as const,
      pages: context.pages,
      to: returnDestination(context),
      by: freeFunction(context),
      afterFailedReclaim: false,
    })),
    /** `restricted_heap_memory_free()` calls `ops->free` whatever `unrestrict_buf` did. */
    returnPagesAfterFailedReclaim: emit(({ context }) => ({
      type: 'PAGES_RETURNED' as const,
      pages: context.pages,
      to: returnDestination(context),
      by: freeFunction(context),
      afterFailedReclaim: true,
    })),
    quarantinePages: emit(({ context }) => ({
      type: 'PAGES_QUARANTINED' as const,
      pages: context.pages,
      by: freeFunction(context),
    })),
    clearBuffer: assign({ ...EMPTY_BUFFER }),
  },
}).createMachine({
  id: 'dmaBuf',
  description:
    'The life of one dma-buf allocated from a dma-buf heap: free, exported (an fd exists), waiting for the secure world to give a protected buffer back, quarantined.',
  context: ({ input }) => initialDmaBufContext(input),
  initial: 'free',
  states: {
    free: {
      description: 'No buffer in this slot',
      on: {
        /**
         * `dma_heap_ioctl_allocate()` → `dma_heap_buffer_alloc()` → `heap->ops->allocate`
         * (`system_heap_allocate()`, `cma_heap_allocate()`, `tee_dma_heap_alloc()`,
         * `restricted_heap_allocate()`) → `dma_buf_fd()`. The protected heaps' own refusals
         * (-EINVAL after shutdown, -ENOMEM from the pool) are `protectedHeapMachine`'s.
         */
        DMA_HEAP_IOCTL_ALLOC: [
          {
            guard: and(['allocationArgsValid', 'allocationLengthNonZero', 'heapZeroesOnAllocation']),
            target: 'exported',
            actions: ['allocate', 'zeroOnAllocation', 'handFdOnAllocation'],
          },
          {
            guard: and(['allocationArgsValid', 'allocationLengthNonZero']),
            target: 'exported',
            actions: ['allocate', 'handFdOnAllocation'],
          },
        ],
      },
    },
    exported: {
      description: 'The dma-buf exists: fds, attachments and mappings in context',
      on: {
        /** The fd travels to another party; the receiver's fd refers to the same file. */
        DMA_BUF_SHARE_FD: {
          guard: and(['partyHoldsFd', 'receiverHoldsNoFd']),
          actions: ['shareFd', 'handFdOnShare'],
        },
        /** `close()` → `fput()`; the last reference is followed by `DMA_BUF_RELEASE`. */
        DMA_BUF_CLOSE: { guard: 'partyHoldsFd', actions: 'closeFd' },
        /**
         * `dma_buf_get(fd)` then `dma_buf_dynamic_attach()` → `ops->attach` (`tee_heap_attach()`,
         * `restricted_heap_attach()`, the system/CMA heaps' attach): no device is refused.
         */
        DMA_BUF_ATTACH: { guard: and(['partyHoldsFd', 'deviceNotAttached']), actions: 'attach' },
        /**
         * `dma_buf_map_attachment()` → `ops->map_dma_buf` (`dma_map_sgtable()`, with
         * `DMA_ATTR_SKIP_CPU_SYNC` for tee_heap and restricted_heap). tee_heap has no `pin`.
         */
        DMA_BUF_MAP_ATTACHMENT: {
          guard: and(['attachmentExists', 'attachmentNotMapped']),
          actions: ['mapAttachment', 'announceDmaMapping'],
        },
        /** `dma_buf_unmap_attachment()` → `ops->unmap_dma_buf` (`dma_unmap_sgtable()`). */
        DMA_BUF_UNMAP_ATTACHMENT: {
          guard: and(['attachmentToUnmapExists', 'attachmentIsMapped']),
          actions: ['unmapAttachment', 'announceDmaUnmapping'],
        },
        /** `dma_buf_detach()` → `ops->detach`, then the importer's `dma_buf_put()`. */
        DMA_BUF_DETACH: {
          guard: and(['attachmentToDetachExists', 'attachmentIsUnmapped']),
          actions: 'detach',
        },
        /**
         * `dma_buf_mmap_internal()`: `ops->mmap` present, range inside the buffer, then the
         * exporter (`system_heap_mmap()` remaps, `cma_heap_mmap()` needs a shared VMA,
         * `restricted_heap_dma_buf_mmap()` refuses).
         */
        DMA_BUF_MMAP: {
          guard: and([
            'partyHoldsFd',
            'exporterHasMmap',
            'mmapWithinBuffer',
            'exporterMmapPermitsCpu',
            'vmaSharedWhereRequired',
            'partyHasNoMmap',
          ]),
          actions: ['mmap', 'announceMmap'],
        },
        /** `munmap()`: the VMA and its file reference go. */
        DMA_BUF_MUNMAP: { guard: 'partyHasMmap', actions: ['munmap', 'announceMunmap'] },
        /** `dma_buf_vmap()` → `ops->vmap` (system and CMA heaps). */
        DMA_BUF_VMAP: {
          guard: and(['partyHoldsReference', 'exporterHasVmap', 'partyHasNoVmap']),
          actions: ['vmap', 'announceVmap'],
        },
        /** `dma_buf_vunmap()` → `ops->vunmap`. */
        DMA_BUF_VUNMAP: { guard: 'partyHasVmap', actions: ['vunmap', 'announceVunmap'] },
        /** `dma_buf_ioctl(DMA_BUF_IOCTL_SYNC)` → `dma_buf_begin_cpu_access()` / `_end_cpu_access()`. */
        DMA_BUF_IOCTL_SYNC: [
          {
            guard: and(['partyHoldsFd', 'syncFlagsValid', 'exporterCpuAccessPermits', 'syncStarts']),
            actions: 'beginCpuAccess',
          },
          {
            guard: and(['partyHoldsFd', 'syncFlagsValid', 'exporterCpuAccessPermits']),
            actions: 'endCpuAccess',
          },
        ],
        /**
         * `dma_buf_release()` → `ops->release`: `restricted_heap_free()` unrestricts first;
         * `system_heap_dma_buf_release()`, `cma_heap_dma_buf_release()` and
         * `tee_heap_buf_free()` give the pages back at once, none of them scrubbing.
         */
        DMA_BUF_RELEASE: [
          {
            guard: and([
              'noFileReferenceLeft',
              'noVmapLeft',
              'exporterUnrestrictsOnFree',
              'scrubOnFreeIsNone',
            ]),
            target: 'reclaiming',
            actions: ['forgetCpuAccess', 'requestUnrestrict'],
          },
          {
            guard: and(['noFileReferenceLeft', 'noVmapLeft', 'exporterUnrestrictsOnFree']),
            target: 'reclaiming',
            actions: ['forgetCpuAccess', 'zeroOnFree', 'requestUnrestrict'],
          },
          {
            guard: and(['noFileReferenceLeft', 'noVmapLeft', 'scrubOnFreeIsNone']),
            target: 'free',
            actions: ['returnPages', 'clearBuffer'],
          },
          {
            guard: and(['noFileReferenceLeft', 'noVmapLeft']),
            target: 'free',
            actions: ['zeroOnFree', 'returnPages', 'clearBuffer'],
          },
        ],
      },
    },
    reclaiming: {
      description: 'Released; the secure world is asked to unrestrict the pages (ops->unrestrict_buf)',
      on: {
        /**
         * `unrestrict_buf` returns: `restricted_heap_memory_free()` calls `ops->free` whatever
         * it returned; under the quarantine policy a failure keeps the pages for good.
         */
        UNRESTRICT_BUF: [
          { guard: 'unrestrictSucceeded', target: 'free', actions: ['returnPages', 'clearBuffer'] },
          { guard: 'quarantineOnReclaimFailure', target: 'quarantined', actions: 'quarantinePages' },
          { target: 'free', actions: ['returnPagesAfterFailedReclaim', 'clearBuffer'] },
        ],
      },
    },
    quarantined: {
      description: 'The secure world did not give the pages back: never reused',
      type: 'final',
    },
  },
});

type DmaBufGuard = keyof typeof dmaBufMachine.implementations.guards;

/** A buffer call when the slot has no buffer: the caller has no such fd (-EBADF, see the report). */
function noBuffer(_context: DmaBufContext, _event: DmaBufEvent, state: string): ErrorCode {
  return state === 'exported' ? 'NOT_ISSUED' : 'EINVAL';
}

/**
 * Refusal codes. `dma_buf_get()` / `fget()` answer -EBADF for an fd the caller does not hold;
 * `Errno` has no `EBADF`, so the model uses -EINVAL, the code of the sibling check ("not a
 * dma-buf file") in the same functions.
 */
export const dmaBufRefusals: RefusalTable<DmaBufGuard, DmaBufContext, DmaBufEvent> = {
  unhandled: {
    default: 'NOT_ISSUED',
    DMA_BUF_SHARE_FD: noBuffer,
    DMA_BUF_CLOSE: noBuffer,
    DMA_BUF_ATTACH: noBuffer,
    DMA_BUF_MMAP: noBuffer,
    DMA_BUF_VMAP: noBuffer,
    DMA_BUF_IOCTL_SYNC: noBuffer,
    /** `dma_buf_map_attachment()` on no attachment: WARN and -EINVAL. */
    DMA_BUF_MAP_ATTACHMENT: 'EINVAL',
    /** `dma_buf_unmap_attachment()` / `dma_buf_detach()` on no attachment: WARN and return. */
    DMA_BUF_UNMAP_ATTACHMENT: 'NO_EFFECT',
    DMA_BUF_DETACH: 'NO_EFFECT',
    /** `munmap()` of nothing. */
    DMA_BUF_MUNMAP: 'NO_EFFECT',
    /** `dma_buf_vunmap()` with `vmapping_counter` 0: BUG_ON. */
    DMA_BUF_VUNMAP: 'KERNEL_BUG',
  },
  guards: {
    allocationArgsValid: 'EINVAL',
    allocationLengthNonZero: 'EINVAL',
    heapZeroesOnAllocation: 'NOT_ISSUED',
    partyHoldsFd: 'EINVAL',
    receiverHoldsNoFd: 'NOT_ISSUED',
    deviceNotAttached: 'NOT_ISSUED',
    attachmentExists: 'EINVAL',
    attachmentNotMapped: 'NOT_ISSUED',
    attachmentToUnmapExists: 'NO_EFFECT',
    attachmentIsMapped: 'NO_EFFECT',
    attachmentToDetachExists: 'NO_EFFECT',
    attachmentIsUnmapped: 'NOT_ISSUED',
    exporterHasMmap: 'EINVAL',
    mmapWithinBuffer: 'EINVAL',
    exporterMmapPermitsCpu: 'EACCES',
    vmaSharedWhereRequired: 'EINVAL',
    partyHasNoMmap: 'NOT_ISSUED',
    partyHasMmap: 'NO_EFFECT',
    partyHoldsReference: 'EINVAL',
    exporterHasVmap: 'EINVAL',
    partyHasNoVmap: 'NOT_ISSUED',
    partyHasVmap: 'KERNEL_BUG',
    syncFlagsValid: 'EINVAL',
    exporterCpuAccessPermits: 'EACCES',
    syncStarts: 'NOT_ISSUED',
    noFileReferenceLeft: 'NOT_ISSUED',
    noVmapLeft: 'KERNEL_BUG',
    exporterUnrestrictsOnFree: 'NOT_ISSUED',
    scrubOnFreeIsNone: 'NOT_ISSUED',
    unrestrictSucceeded: 'NOT_ISSUED',
    quarantineOnReclaimFailure: 'NOT_ISSUED',
  },
};

/**
 * The MediaTek series as posted upstream (Yong Wu, dri-devel 2024): the restricted heap's mmap
 * and begin/end_cpu_access return -EPERM where the ChromeOS kernel returns -EACCES.
 */
export const mtkRfcDmaBufRefusals: typeof dmaBufRefusals = {
  ...dmaBufRefusals,
  guards: { ...dmaBufRefusals.guards, exporterMmapPermitsCpu: 'EPERM', exporterCpuAccessPermits: 'EPERM' },
};

type DmaBufProvide = Parameters<typeof dmaBufMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const dmaBufFlaws = {
  cpuMmapAllowedOnProtected: {
    summary:
      'The exporter maps a protected buffer into user space: the missing tee_heap mmap op ' +
      "(drivers/tee/tee_heap.c) and the ChromeOS restricted heap's -EACCES " +
      '(restricted_heap_dma_buf_mmap()) are replaced by a working mmap, as protection-unaware ' +
      'exporters (virtio-gpu, vdmabuf) have.',
    provide: { guards: { exporterHasMmap: () => true, exporterMmapPermitsCpu: () => true } },
  },
  noScrubOnFree: {
    summary:
      'Freed buffers go back to their heap without the scrub the design requires, as every upstream ' +
      "exporter's free path does (tee_heap_buf_free() for the tee_heap static and dynamic pools).",
    provide: { guards: { scrubOnFreeIsNone: () => true } },
  },
  /** The restricted heap's half: a failed unrestrict frees the pages instead of quarantining them. */
  reclaimFailureIgnored: {
    describedBy: protectedHeapFlaws.reclaimFailureIgnored,
    provide: { guards: { quarantineOnReclaimFailure: () => false } },
  },
} as const satisfies Record<string, FlawEntry<DmaBufProvide>>;

/** True iff the buffer exists as a dma-buf: allocated, with at least one fd or reference. */
export function bufferIsExported(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'exported';
}

/** True iff the buffer's pages are back with their heap (never allocated, or released and freed). */
export function bufferIsFree(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'free';
}

/** True iff the buffer's pages were kept out of reuse because their reclaim failed. */
export function bufferIsQuarantined(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'quarantined';
}

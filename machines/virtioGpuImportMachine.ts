/**
 * A guest's virtio-gpu importing a foreign dma-buf (DRM_IOCTL_PRIME_FD_TO_HANDLE): attach, pin,
 * wait for kernel fences, map the attachment, then `VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB` with
 * the buffer's DMA addresses as a guest blob (`VIRTGPU_BLOB_MEM_GUEST`,
 * `VIRTGPU_BLOB_FLAG_USE_SHAREABLE`), which hands those pages to the VMM's GPU device model.
 *
 * Source (recent mainline, read from `gregkh/linux`): `torvalds/linux:
 * drivers/gpu/drm/virtio/virtgpu_prime.c` — `virtgpu_gem_prime_import()`,
 * `virtgpu_dma_buf_init_obj()`, `virtgpu_dma_buf_import_sgt()`, `virtgpu_dma_buf_move_notify()`,
 * `virtgpu_dma_buf_free_obj()`, `virtgpu_gem_prime_import_sg_table()` (-ENODEV); the attach, pin
 * and map rules of `drivers/dma-buf/dma-buf.c`.
 *
 * The kernel runs attach → pin → wait → map → create-blob in one call under the buffer's
 * reservation lock, and on failure unwinds (unpin, `virtgpu_dma_buf_free_obj()`) in the same
 * call. Here each step is an event so the world can fail any of them; a refused step leaves the
 * machine where it was and `GEM_FREE_OBJECT` is the unwind. Nothing reaches the VMM before the
 * create-blob step.
 *
 * The import path carries no notion of "protected": nothing in `virtgpu_prime.c` reads or
 * propagates a protected or restricted attribute of the foreign buffer. The real machine records the
 * world's `bufferProtected` fact but never checks it — the flaw `virtioImportDropsProtection` is
 * this real behaviour. `virtioGpuImportRefusesProtectedMachine` (variant `refusesProtectedImport`)
 * is a proposed fix that refuses a protected buffer before attaching.
 *
 * Facts from the world (event fields of `GEM_PRIME_IMPORT` unless noted): the buffer's pages,
 * whether it is protected, whether it was exported by this same virtio-gpu device, whether the
 * exporter's attach accepts this device; `kernelFencesSignalled` (`DMA_RESV_WAIT_TIMEOUT`);
 * `exporterMapSucceeds` (`DMA_BUF_MAP_ATTACHMENT`).
 *
 * Emitted:
 * - `PAGES_HANDED_TO_VMM { pages, guest, resource, by }` at `VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB`:
 *   the VMM's device model can now map these pages (subject to what the hypervisor allows).
 * - `PAGES_WITHDRAWN_FROM_VMM { pages, guest, resource, by }` when the backing is detached
 *   (`virtio_gpu_detach_object_fenced()` on move-notify or free).
 *
 * Not modelled: exporter `pin` failures (the modelled heaps have no pin op: `dma_buf_pin()`
 * returns 0), `-ENOMEM` from allocations and the resource-id IDA, and the static-attachment path
 * that `drm_gem_prime_import()` takes without blob support (it ends in -ENODEV before any
 * command reaches the host).
 */
import { and, assign, emit, setup } from 'xstate';
import type { MachineFlaw } from './flaws.ts';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export interface VirtioGpuImportInput {
  /** The importing guest, as the world names it. */
  readonly guest: string;
  /** `bo->hw_res_handle` the import will use. */
  readonly resource: number;
  /** `vgdev->has_resource_blob` (`VIRTIO_GPU_F_RESOURCE_BLOB` negotiated). */
  readonly hasResourceBlob: boolean;
}

export interface VirtioGpuImportContext {
  readonly guest: string;
  readonly resource: number;
  readonly hasResourceBlob: boolean;
  /** The foreign buffer's pages (filled from the exporter at import). */
  readonly pages: readonly number[];
  /** The world's fact about the foreign buffer; the real import never reads it. */
  readonly bufferProtected: boolean;
}

export type VirtioGpuImportEvent =
  /** `virtgpu_gem_prime_import()` up to `dma_buf_dynamic_attach()`. */
  | {
      readonly type: 'GEM_PRIME_IMPORT';
      readonly pages: readonly number[];
      readonly bufferProtected: boolean;
      /** `buf->ops == &virtgpu_dmabuf_ops.ops && obj->dev == dev`. */
      readonly exportedBySameDevice: boolean;
      /** The exporter's `ops->attach` accepts the virtio-gpu device (none of the modelled heaps refuses). */
      readonly exporterAcceptsAttach: boolean;
    }
  /** `virtgpu_dma_buf_init_obj()`: resv lock, `dma_buf_pin()`. */
  | { readonly type: 'DMA_BUF_PIN' }
  /** `virtgpu_dma_buf_import_sgt()`: `dma_resv_wait_timeout(KERNEL, MAX_SCHEDULE_TIMEOUT)`. */
  | { readonly type: 'DMA_RESV_WAIT_TIMEOUT'; readonly kernelFencesSignalled: boolean }
  /** `virtgpu_dma_buf_import_sgt()`: `dma_buf_map_attachment(DMA_BIDIRECTIONAL)`, mem entries built. */
  | { readonly type: 'DMA_BUF_MAP_ATTACHMENT'; readonly exporterMapSucceeds: boolean }
  /** `virtio_gpu_cmd_resource_create_blob()` (GUEST, USE_SHAREABLE), then unpin and unlock. */
  | { readonly type: 'VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB' }
  /** The exporter moves the buffer: `virtgpu_dma_buf_move_notify()` → `virtgpu_dma_buf_unmap()`. */
  | { readonly type: 'DMA_BUF_MOVE_NOTIFY' }
  /** `virtgpu_dma_buf_free_obj()`: last reference dropped, or the import's error unwind. */
  | { readonly type: 'GEM_FREE_OBJECT' };

export interface PagesHandedToVmmEvent {
  readonly type: 'PAGES_HANDED_TO_VMM';
  readonly pages: readonly number[];
  readonly guest: string;
  readonly resource: number;
  readonly by: 'VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB';
}

export interface PagesWithdrawnFromVmmEvent {
  readonly type: 'PAGES_WITHDRAWN_FROM_VMM';
  readonly pages: readonly number[];
  readonly guest: string;
  readonly resource: number;
  readonly by: 'VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING';
}

export const virtioGpuImportMachine = setup({
  types: {
    context: {} as VirtioGpuImportContext,
    events: {} as VirtioGpuImportEvent,
    input: {} as VirtioGpuImportInput,
    emitted: {} as PagesHandedToVmmEvent | PagesWithdrawnFromVmmEvent,
  },
  guards: {
    /** `virtgpu_gem_prime_import()`: a buffer this device exported is not imported (gem ref instead). */
    notExportedBySameDevice: ({ event }) => event.type === 'GEM_PRIME_IMPORT' && !event.exportedBySameDevice,
    exportedBySameDevice: ({ event }) => event.type === 'GEM_PRIME_IMPORT' && event.exportedBySameDevice,
    /**
     * `virtgpu_gem_prime_import()`: without `has_resource_blob` it falls back to
     * `drm_gem_prime_import()`, which ends in `virtgpu_gem_prime_import_sg_table()`: -ENODEV.
     */
    deviceHasResourceBlob: ({ context }) => context.hasResourceBlob,
    /**
     * No such check exists in `virtgpu_gem_prime_import()`: the import never looks at whether
     * the foreign buffer is protected. Always true here; the `refusesProtectedImport` variant
     * replaces it.
     */
    importedBufferNotProtected: () => true,
    /**
     * `dma_buf_dynamic_attach()` in dma-buf.c: an exporter `attach` error is returned; the
     * documented code for "backing storage not accessible to the device" is -EBUSY.
     */
    exporterAcceptsAttach: ({ event }) => event.type === 'GEM_PRIME_IMPORT' && event.exporterAcceptsAttach,
    /**
     * `virtgpu_dma_buf_import_sgt()`: an uninterruptible wait with `MAX_SCHEDULE_TIMEOUT`
     * blocks until the kernel fences signal (-ETIMEDOUT cannot happen).
     */
    kernelFencesSignalled: ({ event }) =>
      event.type === 'DMA_RESV_WAIT_TIMEOUT' && event.kernelFencesSignalled,
    /** `dma_buf_map_attachment()`: the exporter's `map_dma_buf` error (NULL is -ENOMEM) is returned. */
    exporterMapSucceeds: ({ event }) => event.type === 'DMA_BUF_MAP_ATTACHMENT' && event.exporterMapSucceeds,
  },
  actions: {
    /** `dma_buf_dynamic_attach()` + `get_dma_buf()`: the attachment names the buffer's pages. */
    attach: assign(({ event }) =>
      event.type === 'GEM_PRIME_IMPORT'
        ? { pages: [...event.pages], bufferProtected: event.bufferProtected }
        : {},
    ),
    handPagesToVmm: emit(({ context }) => ({
      type: 'PAGES_HANDED_TO_VMM' as const,
      pages: context.pages,
      guest: context.guest,
      resource: context.resource,
      by: 'VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB' as const,
    })),
    withdrawPagesFromVmm: emit(({ context }) => ({
      type: 'PAGES_WITHDRAWN_FROM_VMM' as const,
      pages: context.pages,
      guest: context.guest,
      resource: context.resource,
      by: 'VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING' as const,
    })),
    /** `dma_buf_detach()` + `dma_buf_put()`: the guest no longer references the buffer. */
    detach: assign({ pages: [] as readonly number[] }),
  },
}).createMachine({
  id: 'virtioGpuImport',
  description:
    "A guest's virtio-gpu importing a foreign dma-buf and handing its pages to the VMM as a guest blob.",
  context: ({ input }) => ({
    guest: input.guest,
    resource: input.resource,
    hasResourceBlob: input.hasResourceBlob,
    pages: [],
    bufferProtected: false,
  }),
  initial: 'unattached',
  states: {
    unattached: {
      description: 'No import yet',
      on: {
        GEM_PRIME_IMPORT: [
          {
            guard: and([
              'notExportedBySameDevice',
              'deviceHasResourceBlob',
              'importedBufferNotProtected',
              'exporterAcceptsAttach',
            ]),
            target: 'attached',
            actions: 'attach',
          },
          /** Our own export on the same device: `drm_gem_object_get()` on the exporting object. */
          { guard: 'exportedBySameDevice', target: 'ownObject' },
        ],
      },
    },
    attached: {
      description: 'Dynamic attachment made (allow_peer2peer, move_notify); no mapping yet',
      on: {
        /** `dma_resv_lock()` + `dma_buf_pin()` (no `pin` op: returns 0). */
        DMA_BUF_PIN: { target: 'pinned' },
        GEM_FREE_OBJECT: { target: 'released', actions: 'detach' },
      },
    },
    pinned: {
      description: 'Pinned under the reservation lock',
      on: {
        DMA_RESV_WAIT_TIMEOUT: { guard: 'kernelFencesSignalled', target: 'fencesSignalled' },
        /** `err_pin`/`err_import` unwind: unpin, unlock, free. */
        GEM_FREE_OBJECT: { target: 'released', actions: 'detach' },
      },
    },
    fencesSignalled: {
      description: 'Kernel fences of the buffer have signalled',
      on: {
        DMA_BUF_MAP_ATTACHMENT: { guard: 'exporterMapSucceeds', target: 'mapped' },
        GEM_FREE_OBJECT: { target: 'released', actions: 'detach' },
      },
    },
    mapped: {
      description: 'Attachment mapped: virtio_gpu_mem_entry list built from the DMA addresses',
      on: {
        /** Guest blob, `VIRTGPU_BLOB_FLAG_USE_SHAREABLE`; no protection attribute exists to send. */
        VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB: { target: 'blobCreated', actions: 'handPagesToVmm' },
      },
    },
    blobCreated: {
      description: "A host resource is backed by the buffer's pages; the VMM can map them",
      on: {
        /** `virtgpu_dma_buf_unmap()`: `virtio_gpu_detach_object_fenced()` and unmap. */
        DMA_BUF_MOVE_NOTIFY: { target: 'backingDetached', actions: 'withdrawPagesFromVmm' },
        /** Unmap (detach backing), detach, put, `virtio_gpu_cmd_unref_resource()`. */
        GEM_FREE_OBJECT: { target: 'released', actions: ['withdrawPagesFromVmm', 'detach'] },
      },
    },
    backingDetached: {
      description: 'Backing detached after move_notify; virtio-gpu never maps it again',
      on: {
        GEM_FREE_OBJECT: { target: 'released', actions: 'detach' },
      },
    },
    ownObject: {
      description: "The buffer was this device's own export: the same GEM object, nothing imported",
      type: 'final',
    },
    released: {
      description: 'Import object freed; the dma-buf reference dropped',
      type: 'final',
    },
  },
});

/**
 * Variant `refusesProtectedImport` (a proposed fix, not in any kernel): `virtgpu_gem_prime_import()`
 * refuses a protected foreign buffer before attaching, as the restricted heaps refuse CPU access.
 */
export const virtioGpuImportRefusesProtectedMachine = virtioGpuImportMachine.provide({
  guards: {
    importedBufferNotProtected: ({ event }) => event.type === 'GEM_PRIME_IMPORT' && !event.bufferProtected,
  },
});

type ImportGuard = keyof typeof virtioGpuImportMachine.implementations.guards;

export const virtioGpuImportRefusals: RefusalTable<
  ImportGuard,
  VirtioGpuImportContext,
  VirtioGpuImportEvent
> = {
  unhandled: {
    /** The steps run in order inside one call; nothing else is issued out of order. */
    default: 'NOT_ISSUED',
  },
  guards: {
    notExportedBySameDevice: 'NOT_ISSUED',
    exportedBySameDevice: 'NOT_ISSUED',
    deviceHasResourceBlob: 'ENODEV',
    /** The proposed fix's code, as the ChromeOS restricted heap refuses CPU access. */
    importedBufferNotProtected: 'EACCES',
    exporterAcceptsAttach: 'EBUSY',
    /** The kernel blocks rather than failing; EAGAIN stands for "would block". */
    kernelFencesSignalled: 'EAGAIN',
    exporterMapSucceeds: 'ENOMEM',
  },
};

type VirtioGpuImportProvide = Parameters<typeof virtioGpuImportMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const virtioGpuImportFlaws = {
  virtioImportDropsProtection: {
    summary:
      'virtio-gpu imports a protected foreign dma-buf like any other and hands its DMA addresses to ' +
      'the VMM as a shareable guest blob with no protection attribute: virtgpu_gem_prime_import() ' +
      '(drivers/gpu/drm/virtio/virtgpu_prime.c) never reads one. This is the real kernel behaviour; ' +
      'the switch turns the refusing variant back into it.',
    provide: { guards: { importedBufferNotProtected: () => true } },
  },
} as const satisfies Record<string, MachineFlaw<VirtioGpuImportProvide>>;

/** True iff the import holds nothing of the foreign buffer (never imported, or freed). */
export function importIsUnattached(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'unattached';
}

/** True iff the imported pages were handed to the VMM as a guest blob (RESOURCE_CREATE_BLOB). */
export function blobIsCreated(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'blobCreated';
}

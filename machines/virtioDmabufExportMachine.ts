/**
 * One virtio-gpu object exported as a virtio dma-buf, and the UUID that names it to other
 * virtio devices: the `uuid_state` of `struct virtio_gpu_object` (`STATE_INITIALIZING` →
 * `STATE_OK` | `STATE_ERR`) and whether the object has been exported.
 *
 * Sources (recent mainline, read from `gregkh/linux` because the stored `torvalds/linux` copy
 * is from 2019):
 * - `torvalds/linux: drivers/gpu/drm/virtio/virtgpu_prime.c` — `virtgpu_gem_prime_export()`,
 *   `virtgpu_virtio_get_uuid()`;
 * - `torvalds/linux: drivers/gpu/drm/virtio/virtgpu_vq.c` — `virtio_gpu_cmd_resource_uuid_cb()`;
 * - `torvalds/linux: drivers/gpu/drm/virtio/virtgpu_ioctl.c` — `verify_blob()` and the
 *   create-blob ioctl, which sends `VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID` for cross-device blobs;
 * - `torvalds/linux: drivers/virtio/virtio_dma_buf.c` — `virtio_dma_buf_export()`,
 *   `virtio_dma_buf_get_uuid()`, `is_virtio_dma_buf()`.
 *
 * Who sends `VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID`: the create-blob ioctl for a blob created with
 * `VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE` (event `RESOURCE_ASSIGN_UUID`), and the PRIME export of a
 * non-blob object on a device with `VIRTIO_GPU_F_RESOURCE_UUID` (inside `GEM_PRIME_EXPORT`).
 * Every other export sets `STATE_ERR` at once, so that `get_uuid` does not wait forever.
 *
 * Facts from the world (event fields): the host's response type and UUID (`RESOURCE_UUID_CB`).
 * Input facts: the object kind and blob flags, the device feature, and the exporter's ops
 * (virtgpu's static ops always pass `virtio_dma_buf_export()`'s checks; the input lets other
 * virtio exporters be modelled).
 *
 * Emitted:
 * - `VIRTIO_GPU_CMD_SENT { cmd: 'RESOURCE_ASSIGN_UUID', resource }` — the guest asked the host
 *   to name the resource; the world answers with `RESOURCE_UUID_CB`.
 * - `UUID_OBTAINED { resource, uuid }` — `virtio_dma_buf_get_uuid()` succeeded: the guest (and
 *   whoever it passes the UUID to, such as a virtio-video device) now knows the name.
 *
 * Not modelled: `-ENOMEM` from the command allocations (which also set `STATE_ERR`), releasing
 * and re-exporting the dma-buf (drm caches `obj->dma_buf` while the object has handles, so the
 * driver's export runs once per object here), and the early patch that used the resource id
 * as the UUID (merged code uses random UUIDs from the host).
 */
import { and, assign, emit, setup } from 'xstate';
import type { ErrorCode, RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

/** `enum virtio_gpu_ctrl_type` response the host sends for ASSIGN_UUID (only one means success). */
export type ResourceUuidResponse =
  | 'VIRTIO_GPU_RESP_OK_RESOURCE_UUID'
  | 'VIRTIO_GPU_RESP_ERR_UNSPEC'
  | 'VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID';

export interface VirtioDmabufExportInput {
  /** `bo->hw_res_handle`. */
  readonly resource: number;
  /** `bo->host3d_blob || bo->guest_blob`. */
  readonly blob: boolean;
  /** `bo->blob_flags & VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE` (blobs only). */
  readonly useCrossDevice: boolean;
  /** `vgdev->has_resource_assign_uuid` (`VIRTIO_GPU_F_RESOURCE_UUID` negotiated). */
  readonly hasResourceAssignUuid: boolean;
  /** The exporter's `virtio_dma_buf_ops` has `get_uuid` (virtgpu: yes). */
  readonly opsHaveGetUuid?: boolean;
  /** The exporter's `ops.attach` is `virtio_dma_buf_attach` (virtgpu: yes). */
  readonly opsAttachIsVirtioDmaBufAttach?: boolean;
}

export interface VirtioDmabufExportContext {
  readonly resource: number;
  readonly blob: boolean;
  readonly useCrossDevice: boolean;
  readonly hasResourceAssignUuid: boolean;
  readonly opsHaveGetUuid: boolean;
  readonly opsAttachIsVirtioDmaBufAttach: boolean;
  /** `VIRTIO_GPU_CMD_RESOURCE_ASSIGN_UUID` has been queued for this object. */
  readonly assignUuidSent: boolean;
  /** A dma-buf exists for the object (`virtgpu_gem_prime_export()` returned it). */
  readonly exported: boolean;
  /** `bo->uuid`, valid in `OK`. */
  readonly uuid: string | null;
  /** `virtio_dma_buf_get_uuid()` has returned the UUID to the guest at least once. */
  readonly uuidObtained: boolean;
}

export type VirtioDmabufExportEvent =
  /** The create-blob ioctl's `virtio_gpu_resource_assign_uuid()` for a cross-device blob. */
  | { readonly type: 'RESOURCE_ASSIGN_UUID' }
  /** `virtgpu_gem_prime_export()` → `virtio_dma_buf_export()` (DRM_IOCTL_PRIME_HANDLE_TO_FD). */
  | { readonly type: 'GEM_PRIME_EXPORT' }
  /** `virtio_gpu_cmd_resource_uuid_cb()`: the host's response, filled by the world. */
  | { readonly type: 'RESOURCE_UUID_CB'; readonly response: ResourceUuidResponse; readonly uuid: string }
  /** `virtio_dma_buf_get_uuid()` → `virtgpu_virtio_get_uuid()`. */
  | { readonly type: 'VIRTIO_DMA_BUF_GET_UUID' };

export type VirtioDmabufExportEmitted =
  | { readonly type: 'VIRTIO_GPU_CMD_SENT'; readonly cmd: 'RESOURCE_ASSIGN_UUID'; readonly resource: number }
  | { readonly type: 'UUID_OBTAINED'; readonly resource: number; readonly uuid: string };

function initialExportContext(input: VirtioDmabufExportInput): VirtioDmabufExportContext {
  return {
    resource: input.resource,
    blob: input.blob,
    useCrossDevice: input.blob && input.useCrossDevice,
    hasResourceAssignUuid: input.hasResourceAssignUuid,
    opsHaveGetUuid: input.opsHaveGetUuid ?? true,
    opsAttachIsVirtioDmaBufAttach: input.opsAttachIsVirtioDmaBufAttach ?? true,
    assignUuidSent: false,
    exported: false,
    uuid: null,
    uuidObtained: false,
  };
}

export const virtioDmabufExportMachine = setup({
  types: {
    context: {} as VirtioDmabufExportContext,
    events: {} as VirtioDmabufExportEvent,
    input: {} as VirtioDmabufExportInput,
    emitted: {} as VirtioDmabufExportEmitted,
  },
  guards: {
    /**
     * The create-blob ioctl (`virtgpu_ioctl.c`) assigns a UUID only to blobs created with
     * `VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE`; non-blob objects get theirs from the export.
     */
    objectIsCrossDeviceBlob: ({ context }) => context.blob && context.useCrossDevice,
    /** `verify_blob()` in virtgpu_ioctl.c: a cross-device blob without the UUID feature is -EINVAL. */
    deviceHasResourceAssignUuid: ({ context }) => context.hasResourceAssignUuid,
    /** The create-blob ioctl runs once per object: one ASSIGN_UUID per object in this model. */
    assignUuidNotSent: ({ context }) => !context.assignUuidSent,
    /**
     * `drm_gem_prime_handle_to_dmabuf()` (drm_prime.c) reuses the cached `obj->dma_buf`: a
     * second export returns the same dma-buf without calling `virtgpu_gem_prime_export()`.
     */
    objectNotExported: ({ context }) => !context.exported,
    /** `virtio_dma_buf_export()` in virtio_dma_buf.c: no `get_uuid` op gives -EINVAL. */
    exportOpsHaveGetUuid: ({ context }) => context.opsHaveGetUuid,
    /**
     * `virtio_dma_buf_export()`: `ops->attach != virtio_dma_buf_attach` gives -EINVAL (checked
     * only without `CONFIG_CFI_CLANG && CONFIG_MODULES`, see `cfiVirtioDmabufExportMachine`).
     */
    exportOpsAttachIsVirtio: ({ context }) => context.opsAttachIsVirtioDmaBufAttach,
    /** `virtgpu_gem_prime_export()`: `!blob` (neither `host3d_blob` nor `guest_blob`). */
    objectIsNotBlob: ({ context }) => !context.blob,
    /** `virtgpu_gem_prime_export()`: a blob without `VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE` gets `STATE_ERR`. */
    blobWithoutCrossDevice: ({ context }) => context.blob && !context.useCrossDevice,
    /** `virtio_gpu_cmd_resource_uuid_cb()` in virtgpu_vq.c runs only for a queued ASSIGN_UUID. */
    assignUuidSent: ({ context }) => context.assignUuidSent,
    /** `virtio_gpu_cmd_resource_uuid_cb()`: OK only for `VIRTIO_GPU_RESP_OK_RESOURCE_UUID`. */
    responseIsOkResourceUuid: ({ event }) =>
      event.type === 'RESOURCE_UUID_CB' && event.response === 'VIRTIO_GPU_RESP_OK_RESOURCE_UUID',
    /** `virtio_dma_buf_get_uuid()` needs a dma-buf: the guest has none before the export. */
    objectExported: ({ context }) => context.exported,
    /**
     * `virtio_dma_buf_get_uuid()` in virtio_dma_buf.c: `!is_virtio_dma_buf(dmabuf)` gives
     * -EINVAL (`is_virtio_dma_buf()` compares `ops->attach` with `virtio_dma_buf_attach`).
     */
    isVirtioDmaBuf: ({ context }) => context.opsAttachIsVirtioDmaBufAttach,
  },
  actions: {
    markAssignUuidSent: assign({ assignUuidSent: true }),
    sendAssignUuid: emit(({ context }) => ({
      type: 'VIRTIO_GPU_CMD_SENT' as const,
      cmd: 'RESOURCE_ASSIGN_UUID' as const,
      resource: context.resource,
    })),
    markExported: assign({ exported: true }),
    /** `import_uuid(&obj->uuid, resp->uuid)` then `STATE_OK`. */
    storeUuid: assign({ uuid: ({ event }) => (event.type === 'RESOURCE_UUID_CB' ? event.uuid : null) }),
    markUuidObtained: assign({ uuidObtained: true }),
    returnUuid: emit(({ context }) => ({
      type: 'UUID_OBTAINED' as const,
      resource: context.resource,
      uuid: context.uuid ?? '',
    })),
  },
}).createMachine({
  id: 'virtioDmabufExport',
  description:
    'One virtio-gpu object exported as a virtio dma-buf, and the UUID that names it to other virtio devices.',
  context: ({ input }) => initialExportContext(input),
  initial: 'INITIALIZING',
  states: {
    INITIALIZING: {
      description: 'STATE_INITIALIZING (kzalloc): get_uuid waits on resp_wq',
      on: {
        /** The create-blob ioctl: `virtio_gpu_resource_assign_uuid()` for a cross-device blob. */
        RESOURCE_ASSIGN_UUID: {
          guard: and(['objectIsCrossDeviceBlob', 'deviceHasResourceAssignUuid', 'assignUuidNotSent']),
          actions: ['markAssignUuidSent', 'sendAssignUuid'],
        },
        /**
         * `virtgpu_gem_prime_export()`. The exporter-ops checks of `virtio_dma_buf_export()` run
         * after the UUID branch in the source; they are listed first here so that a refusal
         * names them (the branch conditions choose a path and never refuse). With virtgpu's
         * static ops they always pass.
         */
        GEM_PRIME_EXPORT: [
          {
            /** Non-blob with `has_resource_assign_uuid`: ASSIGN_UUID sent, state unchanged. */
            guard: and([
              'objectNotExported',
              'exportOpsHaveGetUuid',
              'exportOpsAttachIsVirtio',
              'objectIsNotBlob',
              'deviceHasResourceAssignUuid',
            ]),
            actions: ['markAssignUuidSent', 'markExported', 'sendAssignUuid'],
          },
          {
            /** Non-blob without the feature: `bo->uuid_state = STATE_ERR`. */
            guard: and([
              'objectNotExported',
              'exportOpsHaveGetUuid',
              'exportOpsAttachIsVirtio',
              'objectIsNotBlob',
            ]),
            target: 'ERR',
            actions: 'markExported',
          },
          {
            /**
             * Cross-device blob: its UUID was requested by the create-blob ioctl, which always
             * runs first (an export before it is not issued); the export waits for the answer.
             */
            guard: and([
              'objectNotExported',
              'exportOpsHaveGetUuid',
              'exportOpsAttachIsVirtio',
              'objectIsCrossDeviceBlob',
              'assignUuidSent',
            ]),
            actions: 'markExported',
          },
          {
            /** Blob without `VIRTGPU_BLOB_FLAG_USE_CROSS_DEVICE`: `STATE_ERR`. */
            guard: and([
              'objectNotExported',
              'exportOpsHaveGetUuid',
              'exportOpsAttachIsVirtio',
              'blobWithoutCrossDevice',
            ]),
            target: 'ERR',
            actions: 'markExported',
          },
        ],
        /** `virtio_gpu_cmd_resource_uuid_cb()`: OK with the UUID, or ERR for any other response. */
        RESOURCE_UUID_CB: [
          {
            guard: and(['assignUuidSent', 'responseIsOkResourceUuid']),
            target: 'OK',
            actions: 'storeUuid',
          },
          { guard: 'assignUuidSent', target: 'ERR' },
        ],
      },
    },
    OK: {
      description: 'STATE_OK: the host named the resource; get_uuid returns the UUID',
      on: {
        /** Export of a cross-device blob whose UUID arrived before the export. */
        GEM_PRIME_EXPORT: {
          guard: and(['objectNotExported', 'exportOpsHaveGetUuid', 'exportOpsAttachIsVirtio']),
          actions: 'markExported',
        },
        /** `virtgpu_virtio_get_uuid()`: `uuid_copy()`, returns 0. */
        VIRTIO_DMA_BUF_GET_UUID: {
          guard: and(['objectExported', 'isVirtioDmaBuf']),
          actions: ['markUuidObtained', 'returnUuid'],
        },
      },
    },
    ERR: {
      description: 'STATE_ERR: no UUID; get_uuid returns -ENODEV',
      on: {
        /** Export of a cross-device blob whose ASSIGN_UUID already failed: export still succeeds. */
        GEM_PRIME_EXPORT: {
          guard: and(['objectNotExported', 'exportOpsHaveGetUuid', 'exportOpsAttachIsVirtio']),
          actions: 'markExported',
        },
      },
    },
  },
});

/**
 * `CONFIG_CFI_CLANG && CONFIG_MODULES`: `virtio_dma_buf_export()` skips the attach check and
 * `is_virtio_dma_buf()` returns true for every dma-buf, so `virtio_dma_buf_get_uuid()` would
 * call `get_uuid` through the wrong container for a non-virtio exporter.
 */
export const cfiVirtioDmabufExportMachine = virtioDmabufExportMachine.provide({
  guards: { exportOpsAttachIsVirtio: () => true, isVirtioDmaBuf: () => true },
});

type ExportGuard = keyof typeof virtioDmabufExportMachine.implementations.guards;

/** `VIRTIO_DMA_BUF_GET_UUID` outside `OK`: no dma-buf, not virtio, waiting, or -ENODEV. */
function getUuidOutsideOk(context: VirtioDmabufExportContext, _event: unknown, state: string): ErrorCode {
  if (!context.exported) return 'NOT_ISSUED';
  if (!context.opsAttachIsVirtioDmaBufAttach) return 'EINVAL';
  // `wait_event(resp_wq, uuid_state != STATE_INITIALIZING)` blocks (uninterruptibly); the model
  // refuses until the response arrives. Without a queued ASSIGN_UUID it would block forever.
  if (state === 'INITIALIZING') return 'EAGAIN';
  return 'ENODEV';
}

export const virtioDmabufExportRefusals: RefusalTable<
  ExportGuard,
  VirtioDmabufExportContext,
  VirtioDmabufExportEvent
> = {
  unhandled: {
    default: 'NOT_ISSUED',
    /** The driver's export never fails for a state reason; a second export reuses the dma-buf. */
    GEM_PRIME_EXPORT: 'NO_EFFECT',
    VIRTIO_DMA_BUF_GET_UUID: getUuidOutsideOk,
    /** One ASSIGN_UUID per object: no further response arrives once the state is final. */
    RESOURCE_UUID_CB: 'NOT_ISSUED',
    /** The create-blob ioctl runs before the object can reach OK or ERR. */
    RESOURCE_ASSIGN_UUID: 'NOT_ISSUED',
  },
  guards: {
    objectIsCrossDeviceBlob: 'NOT_ISSUED',
    deviceHasResourceAssignUuid: 'EINVAL',
    assignUuidNotSent: 'NOT_ISSUED',
    objectNotExported: 'NO_EFFECT',
    exportOpsHaveGetUuid: 'EINVAL',
    exportOpsAttachIsVirtio: 'EINVAL',
    objectIsNotBlob: 'NOT_ISSUED',
    blobWithoutCrossDevice: 'NOT_ISSUED',
    assignUuidSent: 'NOT_ISSUED',
    responseIsOkResourceUuid: 'NOT_ISSUED',
    objectExported: 'NOT_ISSUED',
    isVirtioDmaBuf: 'EINVAL',
  },
};

/**
 * True iff the object's UUID state is `STATE_INITIALIZING`: no answer from the host yet, exported
 * or not (`exported` in the context says which).
 */
export function exportIsInitializing(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'INITIALIZING';
}

/** True iff the object's UUID was assigned (`OK`): other devices can name it. */
export function uuidIsAssigned(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'OK';
}

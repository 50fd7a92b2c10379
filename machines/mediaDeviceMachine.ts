/**
 * A media DMA master: a video decoder, a display controller, or a GPU. It reads its input
 * buffer and, for the decoder and the GPU, writes its output buffer; the display's reads are
 * what make a frame "displayed".
 *
 * Lifecycle (V4L2 memory-to-memory names; the display's DRM equivalents in brackets):
 * `idle` → `VIDIOC_QBUF` (buffers queued on the OUTPUT/bitstream and CAPTURE/frame queues;
 * [an atomic commit attaching a framebuffer to a plane]) → `configured` → `VIDIOC_STREAMON`
 * ([CRTC active]) → `running`, where each `DEVICE_RUN` (`v4l2_m2m_ops.device_run`, one decode
 * job) or `SCANOUT` (the controller fetching the framebuffer at vblank) moves content →
 * `VIDIOC_STREAMOFF` ([plane disabled]) → `idle`, all buffers returned (vb2 cancels the queue).
 *
 * Secure in ⇒ secure out (docs/model.md#devices): a device that enforces it takes
 * a protected input only with a protected output. Two sources, one rule:
 * - Qualcomm "hardware enforced output security settings" (US8910307): the decoder's MMU
 *   decodes content from the secure area only into secure output buffers;
 * - the V4L2 restricted-memory series for MediaTek secure video (Kardatzke/Dong, "v4l2: handle
 *   restricted memory flags in queue setup" and "v4l2: verify restricted dmabufs are used in
 *   restricted queue", videobuf2-core.c / videobuf2-dma-contig.c): a queue set up restricted
 *   accepts only restricted dma-bufs, refusing others with -EINVAL at `VIDIOC_REQBUFS` /
 *   `map_dmabuf`. A secure decoder context sets up both queues restricted, so a clear CAPTURE
 *   buffer behind a protected OUTPUT buffer is refused with -EINVAL. The refusal code is that
 *   -EINVAL (not -EACCES/-EPERM: no driver found returns those for this check).
 * The check is made when buffers are queued: a dma-buf's protection is fixed at allocation
 * (it comes from a protected heap or not), so it cannot change while the buffer is queued.
 *
 * A GPU (the pipeline's compose stage) behaves like the decoder; for it `secureOutputEnforced`
 * is its protected mode, as Arm's kbase driver enters it for a protected job
 * (`kbase_jm_enter_protected_mode()` in `drivers/gpu/arm/bifrost/backend/gpu/mali_kbase_jm_rb.c`,
 * read in external-mirrors/chromiumos-third_party-kernel), with the platform binding a
 * protected-mode job's writes to protected memory (docs/model.md#devices).
 *
 * Event fields the world fills:
 * - `VIDIOC_QBUF.input/output.protected`: whether the dma-buf comes from a protected heap;
 * - `DEVICE_RUN.inputLabel` / `SCANOUT.label`: the union of the content labels of the input
 *   (or framebuffer) buffer's pages at the time of the read.
 *
 * The context keeps the buffers queued and `lastFrame`, the label of the last frame written or
 * shown (for the display: what is on screen). Recording it also keeps every job and scanout a
 * real state change: XState hands back the very same snapshot for a transition that only
 * emits, which the interpreted stepper cannot tell from a refusal.
 *
 * Display writeback (`writeback` input; docs/model.md#display-writeback): a display controller
 * with a DRM writeback connector writes the frame it composes into a framebuffer its controller
 * names (`WRITEBACK_FB_ID`, set by `drm_atomic_set_writeback_fb_for_connector()` in
 * `drivers/gpu/drm/drm_atomic_uapi.c`; the job queued by `drm_writeback_queue_job()` and
 * completed by `drm_writeback_signal_completion()` in `drivers/gpu/drm/drm_writeback.c`, read in
 * torvalds/linux v6.12). `WRITEBACK` writes the shown framebuffer's content into that target.
 * With secure in ⇒ secure out on, a protected framebuffer is written back only into a protected
 * target: no upstream driver was found to check this, so it is the design's declared rule,
 * the display's counterpart of the restricted-queue checks above.
 *
 * Emitted effects:
 * - `DEVICE_DMA_WRITE { role, controller, from, to, toProtected, label }`: the decoder or GPU
 *   writes `label` (its input's label: decoding keeps the stream and its kind) into every page
 *   of buffer `to`; the world routes it to `DMA_WRITE { label }` on those pages' content
 *   machines (and may check the device can reach them through its IOMMU domain);
 * - `FRAME_DISPLAYED { controller, buffer, bufferProtected, streams, label }`: the display
 *   scanned out `buffer`; `streams` are the plaintext streams it showed (empty: black or noise).
 */
import { and, assign, emit, setup } from 'xstate';
import { type ContentLabel, plaintextStreams, type StreamId } from './contentLabel.ts';
import type { MachineFlaw } from './flaws.ts';
import type { RefusalTable } from './refusals.ts';
import type { MachineSnapshot } from './snapshot.ts';

export type MediaDeviceRole = 'decoder' | 'display' | 'gpu';

/** A dma-buf as a device sees it: its id in the topology and whether it is protected. */
export interface BufferFacts {
  readonly buffer: string;
  /** Allocated from a protected (secure, restricted) heap: the device's secure attribute. */
  readonly protected: boolean;
}

export interface MediaDeviceInput {
  readonly role: MediaDeviceRole;
  /** The party that programs the device: `host`, `vm:display`, `secure world`. */
  readonly controller: string;
  /** The device refuses a clear output behind a protected input (secure in ⇒ secure out). */
  readonly secureOutputEnforced: boolean;
  /** A display with a writeback connector (`drm_writeback_connector_init()`). */
  readonly writeback?: boolean;
}

export interface MediaDeviceContext extends MediaDeviceInput {
  /** The bitstream (decoder), source (GPU) or framebuffer (display) buffer; null while idle. */
  readonly input: BufferFacts | null;
  /** The frame buffer the decoder or GPU writes; always null for the display. */
  readonly output: BufferFacts | null;
  /**
   * The label of the last frame the device wrote (decoder, GPU) or showed (display) since it
   * started streaming: for the display, what is on screen. Null when stopped.
   */
  readonly lastFrame: ContentLabel | null;
  /** The last writeback target (`WRITEBACK_FB_ID`); present only on a display with writeback. */
  readonly writebackTarget?: string | null;
}

export type MediaDeviceEvent =
  | { readonly type: 'VIDIOC_QBUF'; readonly input: BufferFacts; readonly output?: BufferFacts }
  | { readonly type: 'VIDIOC_STREAMON' }
  | { readonly type: 'DEVICE_RUN'; readonly inputLabel: ContentLabel }
  | { readonly type: 'SCANOUT'; readonly label: ContentLabel }
  | { readonly type: 'WRITEBACK'; readonly target: BufferFacts; readonly label: ContentLabel }
  | { readonly type: 'VIDIOC_STREAMOFF' };

export interface DeviceDmaWriteEvent {
  readonly type: 'DEVICE_DMA_WRITE';
  readonly role: MediaDeviceRole;
  readonly controller: string;
  /** The buffer read. */
  readonly from: string;
  /** The buffer written. */
  readonly to: string;
  readonly toProtected: boolean;
  readonly label: ContentLabel;
}

export interface FrameDisplayedEvent {
  readonly type: 'FRAME_DISPLAYED';
  readonly controller: string;
  readonly buffer: string;
  readonly bufferProtected: boolean;
  /** Plaintext streams on screen; empty when the framebuffer held no plaintext. */
  readonly streams: readonly StreamId[];
  readonly label: ContentLabel;
}

export type MediaDeviceEmitted = DeviceDmaWriteEvent | FrameDisplayedEvent;

/** Memory-to-memory roles read one buffer and write another. */
function isMemToMem(role: MediaDeviceRole): boolean {
  return role === 'decoder' || role === 'gpu';
}

export const mediaDeviceMachine = setup({
  types: {
    context: {} as MediaDeviceContext,
    events: {} as MediaDeviceEvent,
    input: {} as MediaDeviceInput,
    emitted: {} as MediaDeviceEmitted,
  },
  guards: {
    /**
     * The buffers fit the role: a decoder or GPU job needs both queues (`v4l2_m2m_try_schedule()`
     * runs a job only when OUTPUT and CAPTURE both hold a buffer); a display plane takes one
     * framebuffer and writes nothing.
     */
    buffersFitRole: ({ context, event }) =>
      event.type === 'VIDIOC_QBUF' && isMemToMem(context.role) === (event.output !== undefined),
    /**
     * Secure in ⇒ secure out: with enforcement on, a protected input needs a protected output.
     * Mirrors the restricted-queue checks of `vb2_core_reqbufs()` and `vb2_dc_map_dmabuf()` in
     * `drivers/media/common/videobuf2/` (MediaTek secure video series, -EINVAL) and Qualcomm's
     * hardware-enforced output security (US8910307); for a GPU, its protected mode
     * (`kbase_jm_enter_protected_mode()` in kbase's `backend/gpu/mali_kbase_jm_rb.c`).
     */
    secureInputImpliesSecureOutput: ({ context, event }) =>
      event.type !== 'VIDIOC_QBUF' ||
      !context.secureOutputEnforced ||
      !event.input.protected ||
      event.output === undefined ||
      event.output.protected,
    /** `device_run` is a memory-to-memory callback: a display controller never gets one. */
    roleIsMemToMem: ({ context }) => isMemToMem(context.role),
    /** Scanout is what a display controller does; a decoder or GPU never scans out. */
    roleIsDisplay: ({ context }) => context.role === 'display',
    /**
     * Only a display with a writeback connector takes a writeback job
     * (`drm_writeback_connector_init()`; without one, `WRITEBACK_FB_ID` does not exist).
     */
    hasWritebackConnector: ({ context }) => context.role === 'display' && context.writeback === true,
    /**
     * Secure in ⇒ secure out for writeback, the design's declared rule: with enforcement on, a
     * protected framebuffer is written back only into a protected target (the display's
     * counterpart of `vb2_dc_map_dmabuf()`'s restricted check; no upstream DRM driver has it).
     */
    secureFrameImpliesSecureWriteback: ({ context, event }) =>
      event.type !== 'WRITEBACK' ||
      !context.secureOutputEnforced ||
      !(context.input?.protected ?? false) ||
      event.target.protected,
  },
  actions: {
    queueBuffers: assign(({ event }) =>
      event.type === 'VIDIOC_QBUF' ? { input: event.input, output: event.output ?? null } : {},
    ),
    returnBuffers: assign({ input: null, output: null, lastFrame: null }),
    /** The frame a job or a scanout moved. */
    recordFrame: assign(({ event }) => ({
      lastFrame:
        event.type === 'DEVICE_RUN' ? event.inputLabel : event.type === 'SCANOUT' ? event.label : null,
    })),
    /** The decoder or GPU writes its input's content (same streams, same kind) to its output. */
    writeOutput: emit(({ context, event }) => ({
      type: 'DEVICE_DMA_WRITE' as const,
      role: context.role,
      controller: context.controller,
      from: context.input?.buffer ?? '',
      to: context.output?.buffer ?? '',
      toProtected: context.output?.protected ?? false,
      label: event.type === 'DEVICE_RUN' ? event.inputLabel : { ciphertext: [], plaintext: [] },
    })),
    recordWriteback: assign(({ event }) =>
      event.type === 'WRITEBACK' ? { writebackTarget: event.target.buffer } : {},
    ),
    /**
     * `drm_writeback_queue_job()`: the controller writes the composed frame, the framebuffer's
     * content, into the writeback framebuffer.
     */
    writeBack: emit(({ context, event }) => ({
      type: 'DEVICE_DMA_WRITE' as const,
      role: context.role,
      controller: context.controller,
      from: context.input?.buffer ?? '',
      to: event.type === 'WRITEBACK' ? event.target.buffer : '',
      toProtected: event.type === 'WRITEBACK' && event.target.protected,
      label: event.type === 'WRITEBACK' ? event.label : { ciphertext: [], plaintext: [] },
    })),
    /** The display shows the framebuffer's plaintext streams. */
    displayFrame: emit(({ context, event }) => {
      const label = event.type === 'SCANOUT' ? event.label : { ciphertext: [], plaintext: [] };
      return {
        type: 'FRAME_DISPLAYED' as const,
        controller: context.controller,
        buffer: context.input?.buffer ?? '',
        bufferProtected: context.input?.protected ?? false,
        streams: plaintextStreams(label),
        label,
      };
    }),
  },
}).createMachine({
  id: 'mediaDevice',
  description:
    'A media DMA master (video decoder, display controller or GPU) reading its input buffer and writing its output buffer.',
  context: ({ input }) => ({
    role: input.role,
    controller: input.controller,
    secureOutputEnforced: input.secureOutputEnforced,
    input: null,
    output: null,
    lastFrame: null,
    ...(input.writeback ? { writeback: true, writebackTarget: null } : {}),
  }),
  initial: 'idle',
  states: {
    idle: {
      description: 'No buffers queued',
      on: {
        /** `VIDIOC_QBUF` on both queues (display: atomic commit with a framebuffer). */
        VIDIOC_QBUF: {
          guard: and(['buffersFitRole', 'secureInputImpliesSecureOutput']),
          target: 'configured',
          actions: 'queueBuffers',
        },
      },
    },
    configured: {
      description: 'Buffers queued, not streaming',
      on: {
        /** Queue other buffers in place of the current ones. */
        VIDIOC_QBUF: {
          guard: and(['buffersFitRole', 'secureInputImpliesSecureOutput']),
          actions: 'queueBuffers',
        },
        /** `vb2_core_streamon()`: buffers are there, start processing. */
        VIDIOC_STREAMON: { target: 'running' },
        /** `vb2_core_streamoff()` → `__vb2_queue_cancel()`: every buffer returned. */
        VIDIOC_STREAMOFF: { target: 'idle', actions: 'returnBuffers' },
      },
    },
    running: {
      description: 'Streaming: decoding jobs run, or the plane is scanned out every vblank',
      on: {
        /** Queueing new buffers while streaming is the normal V4L2 flow. */
        VIDIOC_QBUF: {
          guard: and(['buffersFitRole', 'secureInputImpliesSecureOutput']),
          actions: 'queueBuffers',
        },
        /** `device_run`: read the input, write decoded frames to the output. */
        DEVICE_RUN: { guard: 'roleIsMemToMem', actions: ['recordFrame', 'writeOutput'] },
        /** The display controller fetches the framebuffer: the frame is on screen. */
        SCANOUT: { guard: 'roleIsDisplay', actions: ['recordFrame', 'displayFrame'] },
        /** A writeback job of the commit that named `WRITEBACK_FB_ID` (`drm_writeback_queue_job()`). */
        WRITEBACK: {
          guard: and(['hasWritebackConnector', 'secureFrameImpliesSecureWriteback']),
          actions: ['recordWriteback', 'writeBack'],
        },
        VIDIOC_STREAMOFF: { target: 'idle', actions: 'returnBuffers' },
      },
    },
  },
});

type MediaDeviceProvide = Parameters<typeof mediaDeviceMachine.provide>[0];

/** Named flaws of this machine (see `flaws.ts`). */
export const mediaDeviceFlaws = {
  decoderWritesPlaintextToClearOutput: {
    summary:
      'The decoder ignores secure in ⇒ secure out and decodes a protected bitstream into a clear, ' +
      'CPU-mappable frame buffer: the restricted-queue checks of vb2_core_reqbufs() and ' +
      'vb2_dc_map_dmabuf() (drivers/media/common/videobuf2/, MediaTek secure video series) and ' +
      "Qualcomm's hardware-enforced output security are missing.",
    provide: { guards: { secureInputImpliesSecureOutput: () => true } },
  },
} as const satisfies Record<string, MachineFlaw<MediaDeviceProvide>>;

type DeviceGuard = keyof typeof mediaDeviceMachine.implementations.guards;

/**
 * Refusal codes. vb2 refuses `VIDIOC_STREAMON` with no buffers (-EINVAL) and treats a
 * `VIDIOC_STREAMOFF` of a stopped queue as success (no effect). Jobs and scanouts outside
 * `running`, or of the wrong role, are never issued: the m2m framework and the display
 * pipeline only run streaming devices.
 */
export const mediaDeviceRefusals: RefusalTable<DeviceGuard, MediaDeviceContext, MediaDeviceEvent> = {
  unhandled: {
    default: 'EINVAL',
    VIDIOC_STREAMON: (_context, _event, state) => (state === 'running' ? 'NO_EFFECT' : 'EINVAL'),
    VIDIOC_STREAMOFF: 'NO_EFFECT',
    DEVICE_RUN: 'NOT_ISSUED',
    SCANOUT: 'NOT_ISSUED',
    WRITEBACK: 'NOT_ISSUED',
  },
  guards: {
    buffersFitRole: 'NOT_ISSUED',
    secureInputImpliesSecureOutput: 'EINVAL',
    roleIsMemToMem: 'NOT_ISSUED',
    roleIsDisplay: 'NOT_ISSUED',
    hasWritebackConnector: 'EINVAL',
    secureFrameImpliesSecureWriteback: 'EINVAL',
  },
};

/** True iff the device is streaming (after VIDIOC_STREAMON): it runs jobs or scans out. */
export function deviceIsRunning(snapshot: MachineSnapshot): boolean {
  return snapshot.value === 'running';
}

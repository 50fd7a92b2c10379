/**
 * What the drivers of the media devices do: the party that programs a device queues buffers it
 * holds (attaching and mapping them for the device), starts it, lets it run, stops it. Any
 * party that controls a device may hand it any buffer it holds; the pipeline's own decoder and
 * display are handed buffers by the pipeline.
 */
import { deviceIsRunning } from '../../../machines/mediaDeviceMachine.ts';
import { type StepInput, send, snapshotOf } from '../builder.ts';
import type { Holdings } from '../holdings.ts';
import type { WorldReach } from '../reach.ts';
import { firstUnmet, holdsBuffer, type Precondition, unmetOf } from '../unmetPrecondition.ts';
import type { Delivery, WorldState } from '../world.ts';
import type { Device, DeviceFamily, MediaDevice } from './deviceFamily.ts';
import type { DmaHeapFamily, HeapBuffer } from './dmaHeapFamily.ts';
import type { PageContentFamily } from './pageContentFamily.ts';
import type { PkvmFamily } from './pkvmFamily.ts';

export interface DeviceStepContext {
  readonly devices: DeviceFamily;
  readonly heaps: DmaHeapFamily;
  readonly content: PageContentFamily;
  readonly pkvm?: PkvmFamily;
  readonly holdings: Holdings;
  readonly reach: WorldReach;
  /** The pipeline's decoder and display: the pipeline hands them buffers. */
  readonly pipelineDevices: ReadonlySet<string>;
}

type Driven = Device & { readonly machine: MediaDevice };

/**
 * `VIDIOC_QBUF` (a V4L2 decoder's `vb2_qbuf()`; for a display, a DRM framebuffer's
 * `drm_mode_addfb2()`): the controller hands the device an input, and an output for a
 * memory-to-memory device, each a buffer it holds. A dma-buf is attached and mapped for the
 * device first (`dma_buf_attach()`, `dma_buf_map_attachment()`).
 */
export function queueBuffers(
  context: DeviceStepContext,
  device: Driven,
  input: HeapBuffer,
  output?: HeapBuffer,
): StepInput {
  const { holdings, pkvm } = context;
  const used = output ? [input, output] : [input];
  const held = used.map((buffer) => holdsBuffer(holdings, device.controller, buffer));
  return {
    action: 'queueBuffers',
    call: 'VIDIOC_QBUF',
    actor: device.controller,
    role: context.pipelineDevices.has(device.name) ? 'pipeline' : 'adversary',
    args: { device: device.name, input: input.name, ...(output ? { output: output.name } : {}) },
    text: `${device.controller} queues ${input.name}${output ? ` → ${output.name}` : ''} on ${device.name}`,
    touches: () => [
      device.machine,
      ...used.flatMap((b) => holdings.holdsReads(b)),
      ...used.flatMap((b) => (pkvm ? b.pages.map((pfn) => pkvm.pages[pfn]!) : [])),
      ...(device.domain !== undefined ? [device.domain] : []),
    ],
    unmet: unmetOf(held),
    plan: (state) => {
      if (firstUnmet(held, state) >= 0) return undefined;
      const attach: Delivery[] = used.flatMap((b) => {
        if (b.dmaBuf === undefined) return [];
        const existing = snapshotOf(state, b.dmaBuf).context.attachments.find(
          (a) => a.device === device.name,
        );
        return [
          ...(existing
            ? []
            : [send(b.dmaBuf, { type: 'DMA_BUF_ATTACH', party: device.controller, device: device.name })]),
          ...(existing?.direction
            ? []
            : [
                send(b.dmaBuf, {
                  type: 'DMA_BUF_MAP_ATTACHMENT',
                  device: device.name,
                  direction: b === output ? 'DMA_FROM_DEVICE' : 'DMA_TO_DEVICE',
                }),
              ]),
        ];
      });
      return [
        ...attach,
        send(device.machine, {
          type: 'VIDIOC_QBUF',
          input: { buffer: input.name, protected: input.protected },
          ...(output ? { output: { buffer: output.name, protected: output.protected } } : {}),
        }),
      ];
    },
  };
}

/** `VIDIOC_STREAMON`: the controller starts the device. */
export function startDevice(device: Driven): StepInput {
  return {
    action: 'startDevice',
    call: 'VIDIOC_STREAMON',
    actor: device.controller,
    role: 'pipeline',
    args: { device: device.name },
    text: `${device.controller} starts ${device.name}`,
    touches: [device.machine],
    plan: () => [send(device.machine, { type: 'VIDIOC_STREAMON' })],
  };
}

/**
 * The device does its work by DMA: a decoder or GPU runs a job (reads its input, writes its
 * output), a display scans its framebuffer out. Only on pages its DMA can reach: a firewall, an
 * IOMMU domain or the secure address space decides, not the driver.
 */
export function runDevice(context: DeviceStepContext, device: Driven): StepInput {
  const { heaps, content, reach } = context;
  const display = device.role === 'display';
  const queued = (state: WorldState, slot: 'input' | 'output') => {
    const facts = snapshotOf(state, device.machine).context[slot];
    return facts ? heaps.bufferByName.get(facts.buffer) : undefined;
  };
  const reachable = (slot: 'input' | 'output', access: 'read' | 'write'): Precondition => ({
    holds: (state) => {
      const buffer = queued(state, slot);
      return buffer === undefined || reach.reaches(state, device.name, buffer.pages, access, 'dma');
    },
    says: (state) => {
      const buffer = queued(state, slot)!;
      const why = reach.dmaRefusal(state, device.name, buffer.pages, access);
      return `${device.name} cannot ${access} buffer ${buffer.name} by DMA: ${why ?? 'no DMA path reaches it'}`;
    },
  });
  const preconditions: Precondition[] = [
    {
      holds: (state) => deviceIsRunning(snapshotOf(state, device.machine)),
      says: () =>
        `${device.name} is not streaming: ${device.controller} has not started it (VIDIOC_STREAMON)`,
    },
    {
      holds: (state) => snapshotOf(state, device.machine).context.input !== null,
      says: () => `${device.name} has no buffer queued`,
    },
    reachable('input', 'read'),
    reachable('output', 'write'),
  ];
  return {
    action: 'runDevice',
    call: display ? 'SCANOUT' : 'DEVICE_RUN',
    actor: device.name,
    role: 'pipeline',
    args: { device: device.name },
    text: display ? `${device.name} scans out its framebuffer` : `${device.name} runs a job`,
    touches: () => [
      device.machine,
      ...heaps.buffers.flatMap((b) =>
        b.pages.flatMap((pfn) => [content.contents[pfn]!, ...reach.reads(pfn)]),
      ),
    ],
    plan: (state) => {
      if (firstUnmet(preconditions, state) >= 0) return undefined;
      const label = content.label(state, queued(state, 'input')!.pages);
      if (display) return [send(device.machine, { type: 'SCANOUT', label })];
      return [send(device.machine, { type: 'DEVICE_RUN', inputLabel: label })];
    },
    unmet: unmetOf(preconditions),
  };
}

/**
 * A display's writeback (`drm_writeback_queue_job()` in drivers/gpu/drm/drm_writeback.c): its
 * controller commits `WRITEBACK_FB_ID` naming a buffer it holds, and the display writes the
 * frame it shows, the framebuffer's content, into that buffer by DMA. The target is attached
 * as the framebuffer is (`drm_gem_prime_import()`); the model leaves that attachment out.
 */
export function writebackDevice(context: DeviceStepContext, device: Driven, target: HeapBuffer): StepInput {
  const { heaps, content, reach, holdings } = context;
  const shown = (state: WorldState) => {
    const facts = snapshotOf(state, device.machine).context.input;
    return facts ? heaps.bufferByName.get(facts.buffer) : undefined;
  };
  const preconditions: Precondition[] = [
    {
      holds: (state) => deviceIsRunning(snapshotOf(state, device.machine)) && shown(state) !== undefined,
      says: () => `${device.name} is not scanning out a framebuffer`,
    },
    holdsBuffer(holdings, device.controller, target),
    {
      holds: (state) => {
        const source = shown(state);
        return source === undefined || reach.reaches(state, device.name, source.pages, 'read', 'dma');
      },
      says: (state) => `${device.name} cannot read buffer ${shown(state)!.name} by DMA`,
    },
    {
      holds: (state) => reach.reaches(state, device.name, target.pages, 'write', 'dma'),
      says: (state) =>
        `${device.name} cannot write buffer ${target.name} by DMA: ${reach.dmaRefusal(state, device.name, target.pages, 'write') ?? 'no DMA path reaches it'}`,
    },
  ];
  return {
    action: 'writebackDevice',
    call: 'WRITEBACK',
    actor: device.controller,
    role: 'adversary',
    args: { device: device.name, target: target.name },
    text: `${device.controller} has ${device.name} write back the frame it shows into ${target.name} (WRITEBACK_FB_ID)`,
    touches: () => [
      device.machine,
      ...holdings.holdsReads(target),
      ...heaps.buffers.flatMap((b) =>
        b.pages.flatMap((pfn) => [content.contents[pfn]!, ...reach.reads(pfn)]),
      ),
    ],
    unmet: unmetOf(preconditions),
    plan: (state) => {
      if (firstUnmet(preconditions, state) >= 0) return undefined;
      const label = content.label(state, shown(state)!.pages);
      return [
        send(device.machine, {
          type: 'WRITEBACK',
          target: { buffer: target.name, protected: target.protected },
          label,
        }),
      ];
    },
  };
}

/** `VIDIOC_STREAMOFF`: the controller stops the device and takes its buffers back. */
export function stopDevice(device: Driven): StepInput {
  return {
    action: 'stopDevice',
    call: 'VIDIOC_STREAMOFF',
    actor: device.controller,
    role: 'adversary',
    args: { device: device.name },
    text: `${device.controller} stops ${device.name}`,
    touches: [device.machine],
    plan: () => [send(device.machine, { type: 'VIDIOC_STREAMOFF' })],
  };
}

/** Every device step, in the order the world offers them. */
export function addDeviceSteps(add: (step: StepInput) => void, context: DeviceStepContext): void {
  const buffers = context.heaps.buffers;
  for (const device of context.devices.devices) {
    if (device.machine === undefined) continue;
    const driven = device as Driven;
    if (device.role === 'display') {
      for (const input of buffers) add(queueBuffers(context, driven, input));
    } else {
      for (const input of buffers) {
        for (const output of buffers) if (output !== input) add(queueBuffers(context, driven, input, output));
      }
    }
    add(startDevice(driven));
    add(runDevice(context, driven));
    add(stopDevice(driven));
    if (device.writeback) for (const target of buffers) add(writebackDevice(context, driven, target));
  }
}

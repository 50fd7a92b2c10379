/**
 * The device family and its steps: a media-device machine per decoder, display and GPU (a plain
 * DMA engine has none), an IOMMU domain for a device behind an explicit pKVM domain with its boot
 * calls; a job's DMA write landing on its output's pages; a dma-buf mapped for a device raising
 * each page's DMA refcount through its domain; and the driver calls: queue buffers the controller
 * holds, start, run (only on pages the device's DMA reaches), stop.
 *
 * The heap, firewall, FF-A and virtio families are built too, because the steps ask who holds a
 * buffer (`createHoldings`) and who reaches a page (`createReach`); the FF-A and virtio families
 * add no component for these designs.
 */
import { describe, expect, it } from 'vitest';
import { plaintextOf, ZERO_LABEL } from '../../../machines/contentLabel.ts';
import { deviceIsRunning } from '../../../machines/mediaDeviceMachine.ts';
import type { Topology } from '../../../src/topology/schema.ts';
import { type StepInput, snapshotOf, WorldBuilder } from '../../../src/world/builder.ts';
import { addDeviceFamily } from '../../../src/world/families/deviceFamily.ts';
import { addDeviceSteps, queueBuffers, runDevice } from '../../../src/world/families/deviceSteps.ts';
import { addDmaHeapFamily, type DmaBuf, type HeapBuffer } from '../../../src/world/families/dmaHeapFamily.ts';
import {
  allocateBuffer,
  type HeapStepContext,
  releaseBuffer,
} from '../../../src/world/families/dmaHeapSteps.ts';
import { addFfaFamily } from '../../../src/world/families/ffaFamily.ts';
import { addPageContentFamily } from '../../../src/world/families/pageContentFamily.ts';
import { addPkvmFamily } from '../../../src/world/families/pkvmFamily.ts';
import { addTzascFamily } from '../../../src/world/families/tzascFamily.ts';
import { addVirtioFamily } from '../../../src/world/families/virtioFamily.ts';
import { createHoldings } from '../../../src/world/holdings.ts';
import { resolveLayout } from '../../../src/world/layout.ts';
import { sdpPages } from '../../../src/world/model.ts';
import { createReach } from '../../../src/world/reach.ts';
import type { WorldState } from '../../../src/world/world.ts';
import {
  applied,
  booted,
  delivered,
  deliveryOutcome,
  deliveryTypes,
  stepOf,
  tinyDesign,
} from '../../support/tinyWorld.ts';

/** A firewalled carveout the decoder and display reach and the GPU does not. */
const FIREWALLED = tinyDesign(`
hypervisor: { kind: none }
memory:
  - { name: dram, pages: 2 }
  - name: carveout
    pages: 2
    type: nomap
    protection: tzasc
    tzasc: { nsRead: [vdec, dpu], nsWrite: [vdec] }
heaps:
  - { name: system, kind: system, region: dram }
  - { name: secure-video, kind: protectedStatic, region: carveout, exporter: teeHeap }
buffers:
  - { name: ciphertext, heap: system }
  - { name: bitstream, heap: secure-video }
  - { name: frame, heap: secure-video }
  - { name: scratch, heap: system }
devices:
  - { name: vdec, role: decoder }
  - { name: dpu, role: display }
  - { name: gpu, role: gpu }
  - { name: copier, role: dma }
streams:
  - { name: movie, audience: [secure, vdec, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: secure, output: bitstream }
  decode: { by: vdec, output: frame }
  display: { by: dpu }
`);

/** Android pKVM with an explicit DMA domain for the decoder. */
const DOMAINS = tinyDesign(`
hypervisor: { kind: pkvm, kernel: android, iommu: dmaDomains }
memory:
  - { name: dram, pages: 2 }
heaps:
  - { name: system, kind: system, region: dram }
buffers:
  - { name: ciphertext, heap: system }
  - { name: frame, heap: system }
devices:
  - { name: vdec, role: decoder, iommu: domain }
  - { name: dpu, role: display, iommu: domain }
streams:
  - { name: movie, audience: [secure, vdec, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: secure, output: frame }
  decode: { by: vdec, output: frame }
  display: { by: dpu }
`);

type Served = HeapBuffer & { readonly dmaBuf: DmaBuf };

function deviceWorld(design: Topology) {
  const builder = new WorldBuilder();
  const layout = resolveLayout(design);
  const hypervisor = design.hypervisor.kind === 'pkvm' ? design.hypervisor : undefined;
  const pkvm = hypervisor
    ? addPkvmFamily(builder, {
        kernel: hypervisor.kernel,
        iommu: hypervisor.iommu,
        pages: layout.pages.map((page) => ({ label: page.label, memoryType: 'memory' })),
        guests: [],
        bounds: { hypPins: 1, dmaMappings: 2, vcpus: 1 },
        rawFfaCalls: false,
        scope: 'sdp',
      })
    : undefined;
  const content = addPageContentFamily(builder, layout);
  const tzasc = addTzascFamily(builder, design, layout);
  const heaps = addDmaHeapFamily(builder, design, layout, content);
  const devices = addDeviceFamily(builder, design, content, heaps, pkvm);
  const ffa = addFfaFamily(builder, design, pkvm, content);
  const virtio = addVirtioFamily(builder, design, layout, content, pkvm);
  const reach = createReach({
    hypervisor: pkvm ? 'pkvm' : 'none',
    pages: sdpPages(layout, content, pkvm, tzasc),
    guests: [],
    devices: devices.devices,
    buffers: heaps.buffers,
    imports: [],
    ffaSlots: ffa.slots,
  });
  const holdings = createHoldings(design, pkvm, ffa, virtio);
  const context = {
    devices,
    heaps,
    content,
    ...(pkvm ? { pkvm } : {}),
    holdings,
    reach,
    pipelineDevices: new Set(['vdec', 'dpu']),
  };
  const heapContext: HeapStepContext = {
    heaps,
    ffa,
    content,
    ...(pkvm ? { pkvm } : {}),
    queued: devices.queued,
    queueReads: devices.machines,
    imported: () => false,
    importReads: () => [],
  };
  const add = (step: StepInput) => builder.addStep(step);
  addDeviceSteps(add, context);
  const served = (name: string) => heaps.bufferByName.get(name) as Served;
  for (const buffer of heaps.buffers) {
    add(allocateBuffer(heapContext, buffer as Served));
    add(releaseBuffer(heapContext, buffer as Served));
  }
  const world = builder.build({
    guestNames: [],
    guestProtected: [],
    kernel: hypervisor?.kernel ?? 'upstream',
  });
  const state = booted(world, [...tzasc.boot, ...devices.boot, ...heaps.boot]);
  const allocate = (s: WorldState, ...names: string[]) =>
    names.reduce(
      (at, name) => applied(world, at, stepOf(world, 'DMA_HEAP_IOCTL_ALLOC', { buffer: name })),
      s,
    );
  return { world, state, devices, content, heaps, pkvm, context, served, allocate };
}

describe('device family components', () => {
  it('adds a media-device machine per decoder, display and GPU, none for a plain DMA engine', () => {
    const { world, devices } = deviceWorld(FIREWALLED);
    expect(
      world.components.filter((c) => c.kind === 'mediaDevice').map((c) => [c.id, c.label, c.input]),
    ).toEqual([
      ['device:vdec', 'decoder vdec', { role: 'decoder', controller: 'host', secureOutputEnforced: true }],
      ['device:dpu', 'display dpu', { role: 'display', controller: 'host', secureOutputEnforced: true }],
      ['device:gpu', 'gpu gpu', { role: 'gpu', controller: 'host', secureOutputEnforced: true }],
    ]);
    expect(devices.devices.map((d) => [d.name, d.nsaid, d.iommu, d.machine !== undefined, d.domain])).toEqual(
      [
        ['vdec', 1, 'bypass', true, undefined],
        ['dpu', 2, 'bypass', true, undefined],
        ['gpu', 3, 'bypass', true, undefined],
        ['copier', 4, 'bypass', false, undefined],
      ],
    );
    expect(devices.machines).toEqual(['vdec', 'dpu', 'gpu'].map((n) => devices.deviceByName.get(n)!.machine));
    expect(devices.boot).toEqual([]);
  });

  it('adds an IOMMU domain per device behind one, allocated and attached at boot', () => {
    const { world, devices } = deviceWorld(DOMAINS);
    expect(
      world.components.filter((c) => c.kind === 'iommuDomain').map((c) => [c.id, c.label, c.input]),
    ).toEqual([
      ['iommu:vdec', 'IOMMU domain of vdec', { domainId: 1 }],
      ['iommu:dpu', 'IOMMU domain of dpu', { domainId: 2 }],
    ]);
    expect(devices.boot.map((s) => [s.actor, s.call, s.subject, deliveryTypes(world, s.deliveries)])).toEqual(
      [
        ['host', 'kvm_iommu_alloc_domain()', 'the IOMMU domain of vdec', ['iommu:vdec IOMMU_ALLOC_DOMAIN']],
        ['host', 'kvm_iommu_attach_dev()', 'device vdec', ['iommu:vdec IOMMU_ATTACH_DEV']],
        ['host', 'kvm_iommu_alloc_domain()', 'the IOMMU domain of dpu', ['iommu:dpu IOMMU_ALLOC_DOMAIN']],
        ['host', 'kvm_iommu_attach_dev()', 'device dpu', ['iommu:dpu IOMMU_ATTACH_DEV']],
      ],
    );
    expect(devices.boot[3]!.deliveries[0]!.event).toEqual({
      type: 'IOMMU_ATTACH_DEV',
      endpoint: 2,
      endpointInUse: false,
    });
  });
});

describe('device steps', () => {
  it('offers a display one queue per buffer and a decoder one per input and output, then start, run and stop', () => {
    const { world } = deviceWorld(FIREWALLED);
    const rows = world.steps
      .filter((s) => s.args.device === 'dpu' || (s.args.device === 'vdec' && s.call !== 'VIDIOC_QBUF'))
      .map((s) => [s.action, s.call, s.actor, s.role, s.args]);
    expect(rows).toEqual([
      ['startDevice', 'VIDIOC_STREAMON', 'host', 'pipeline', { device: 'vdec' }],
      ['runDevice', 'DEVICE_RUN', 'vdec', 'pipeline', { device: 'vdec' }],
      ['stopDevice', 'VIDIOC_STREAMOFF', 'host', 'adversary', { device: 'vdec' }],
      ['queueBuffers', 'VIDIOC_QBUF', 'host', 'pipeline', { device: 'dpu', input: 'ciphertext' }],
      ['queueBuffers', 'VIDIOC_QBUF', 'host', 'pipeline', { device: 'dpu', input: 'bitstream' }],
      ['queueBuffers', 'VIDIOC_QBUF', 'host', 'pipeline', { device: 'dpu', input: 'frame' }],
      ['queueBuffers', 'VIDIOC_QBUF', 'host', 'pipeline', { device: 'dpu', input: 'scratch' }],
      ['startDevice', 'VIDIOC_STREAMON', 'host', 'pipeline', { device: 'dpu' }],
      ['runDevice', 'SCANOUT', 'dpu', 'pipeline', { device: 'dpu' }],
      ['stopDevice', 'VIDIOC_STREAMOFF', 'host', 'adversary', { device: 'dpu' }],
    ]);
    const decoderQueues = world.steps.filter((s) => s.args.device === 'vdec' && s.call === 'VIDIOC_QBUF');
    expect(decoderQueues.map((s) => `${s.args.input}→${s.args.output}`)).toEqual([
      'ciphertext→bitstream',
      'ciphertext→frame',
      'ciphertext→scratch',
      'bitstream→ciphertext',
      'bitstream→frame',
      'bitstream→scratch',
      'frame→ciphertext',
      'frame→bitstream',
      'frame→scratch',
      'scratch→ciphertext',
      'scratch→bitstream',
      'scratch→frame',
    ]);
    const gpu = stepOf(world, 'VIDIOC_QBUF', { device: 'gpu', input: 'ciphertext', output: 'frame' });
    expect(gpu.role).toBe('adversary');
    expect(world.steps.some((s) => s.args.device === 'copier')).toBe(false);
  });

  it('queues only buffers the controller holds, attaching and mapping each for the device the first time', () => {
    const { world, state, allocate, devices } = deviceWorld(FIREWALLED);
    const queue = stepOf(world, 'VIDIOC_QBUF', { device: 'vdec', input: 'bitstream', output: 'frame' });
    expect(queue.plan(allocate(state, 'bitstream'))).toBeUndefined();
    const held = allocate(state, 'bitstream', 'frame');
    expect(
      queue.plan(held)!.map((d) => [world.components[d.component]!.id, d.event.type, d.event.direction]),
    ).toEqual([
      ['buffer:bitstream', 'DMA_BUF_ATTACH', undefined],
      ['buffer:bitstream', 'DMA_BUF_MAP_ATTACHMENT', 'DMA_TO_DEVICE'],
      ['buffer:frame', 'DMA_BUF_ATTACH', undefined],
      ['buffer:frame', 'DMA_BUF_MAP_ATTACHMENT', 'DMA_FROM_DEVICE'],
      ['device:vdec', 'VIDIOC_QBUF', undefined],
    ]);
    expect(queue.plan(held)!.at(-1)!.event).toEqual({
      type: 'VIDIOC_QBUF',
      input: { buffer: 'bitstream', protected: true },
      output: { buffer: 'frame', protected: true },
    });
    const queued = applied(world, held, queue);
    expect(deliveryTypes(world, queue.plan(queued))).toEqual(['device:vdec VIDIOC_QBUF']);
    expect([devices.queued(queued, 'frame'), devices.queued(queued, 'ciphertext')]).toEqual([true, false]);
    const vdec = devices.deviceByName.get('vdec')!.machine!;
    expect(devices.queues(queued, vdec, 'bitstream')).toBe(true);
    // A buffer a device has queued is not released.
    const release = stepOf(world, 'DMA_BUF_RELEASE', { buffer: 'frame' });
    expect([release.plan(held) !== undefined, release.plan(queued)]).toEqual([true, undefined]);
  });

  it('refuses a clear output behind a protected input on a device that enforces secure in, secure out', () => {
    const { world, state, allocate } = deviceWorld(FIREWALLED);
    const held = allocate(state, 'ciphertext', 'bitstream');
    const queue = stepOf(world, 'VIDIOC_QBUF', { device: 'vdec', input: 'bitstream', output: 'ciphertext' });
    expect(deliveryOutcome(world, held, queue.plan(held)!)).toBe('device:vdec EINVAL');
  });

  it("runs a job only while running, landing its DMA write on the output's pages", () => {
    const { world, state, allocate, content, devices } = deviceWorld(FIREWALLED);
    let s = allocate(state, 'bitstream', 'frame');
    s = applied(
      world,
      s,
      stepOf(world, 'VIDIOC_QBUF', { device: 'vdec', input: 'bitstream', output: 'frame' }),
    );
    const run = stepOf(world, 'DEVICE_RUN', { device: 'vdec' });
    expect(run.plan(s)).toBeUndefined();
    s = applied(world, s, stepOf(world, 'VIDIOC_STREAMON', { device: 'vdec' }));
    expect(deviceIsRunning(snapshotOf(s, devices.deviceByName.get('vdec')!.machine!))).toBe(true);
    s = delivered(world, s, content.writePlaintext([2], 'movie', 'decrypt trusted app'));
    expect(run.plan(s)!.map((d) => d.event)).toEqual([
      { type: 'DEVICE_RUN', inputLabel: plaintextOf('movie') },
    ]);
    expect(content.label(s, [3])).toEqual(ZERO_LABEL);
    const decoded = applied(world, s, run);
    expect([content.labelOf(decoded, 2), content.labelOf(decoded, 3)]).toEqual([
      plaintextOf('movie'),
      plaintextOf('movie'),
    ]);
    const stopped = applied(world, decoded, stepOf(world, 'VIDIOC_STREAMOFF', { device: 'vdec' }));
    expect([devices.queued(stopped, 'frame'), run.plan(stopped)]).toEqual([false, undefined]);
  });

  it('runs a device only on input pages its DMA reaches: the firewall keeps the GPU out of the carveout', () => {
    const { world, state, allocate } = deviceWorld(FIREWALLED);
    const run = stepOf(world, 'DEVICE_RUN', { device: 'gpu' });
    const start = stepOf(world, 'VIDIOC_STREAMON', { device: 'gpu' });
    const held = allocate(state, 'ciphertext', 'bitstream', 'frame', 'scratch');
    const running = (input: string, output: string) =>
      applied(
        world,
        applied(world, held, stepOf(world, 'VIDIOC_QBUF', { device: 'gpu', input, output })),
        start,
      );
    // It cannot read the carveout, nor write it: only a job from clear memory to clear memory runs.
    expect(run.plan(running('bitstream', 'frame'))).toBeUndefined();
    expect(run.plan(running('ciphertext', 'frame'))).toBeUndefined();
    expect(deliveryTypes(world, run.plan(running('ciphertext', 'scratch')))).toEqual([
      'device:gpu DEVICE_RUN',
    ]);
    // The decoder, let in, runs on the same carveout input.
    let vdec = applied(
      world,
      held,
      stepOf(world, 'VIDIOC_QBUF', { device: 'vdec', input: 'bitstream', output: 'frame' }),
    );
    vdec = applied(world, vdec, stepOf(world, 'VIDIOC_STREAMON', { device: 'vdec' }));
    expect(deliveryTypes(world, stepOf(world, 'DEVICE_RUN', { device: 'vdec' }).plan(vdec))).toEqual([
      'device:vdec DEVICE_RUN',
    ]);
  });

  it('shows the stream when the display scans out plaintext', () => {
    const { world, state, allocate, content, devices } = deviceWorld(FIREWALLED);
    let s = allocate(state, 'frame');
    s = applied(world, s, stepOf(world, 'VIDIOC_QBUF', { device: 'dpu', input: 'frame' }));
    s = applied(world, s, stepOf(world, 'VIDIOC_STREAMON', { device: 'dpu' }));
    const scanout = stepOf(world, 'SCANOUT', { device: 'dpu' });
    expect(devices.displayed(applied(world, s, scanout))).toBe(false);
    s = delivered(world, s, content.writePlaintext([3], 'movie', 'vdec'));
    expect(deliveryTypes(world, scanout.plan(s))).toEqual(['device:dpu SCANOUT']);
    expect(devices.displayed(applied(world, s, scanout))).toBe(true);
  });

  it("maps a buffer for a device through its domain, raising each page's DMA refcount, and unmaps it on release", () => {
    const { world, state, allocate, pkvm, context } = deviceWorld(DOMAINS);
    const domain = context.devices.deviceByName.get('vdec')!.domain!;
    let s = allocate(state, 'ciphertext', 'frame');
    const run = stepOf(world, 'DEVICE_RUN', { device: 'vdec' });
    s = applied(
      world,
      s,
      stepOf(world, 'VIDIOC_QBUF', { device: 'vdec', input: 'ciphertext', output: 'frame' }),
    );
    expect(snapshotOf(s, domain).context.mapped).toEqual([0, 1]);
    expect([0, 1].map((pfn) => snapshotOf(s, pkvm!.pages[pfn]!).context.dmaRefcount)).toEqual([1, 1]);
    s = applied(world, s, stepOf(world, 'VIDIOC_STREAMON', { device: 'vdec' }));
    expect(deliveryTypes(world, run.plan(s))).toEqual(['device:vdec DEVICE_RUN']);
    s = applied(world, s, stepOf(world, 'VIDIOC_STREAMOFF', { device: 'vdec' }));
    s = applied(world, s, stepOf(world, 'DMA_BUF_RELEASE', { buffer: 'frame' }));
    expect(snapshotOf(s, domain).context.mapped).toEqual([0]);
    expect([0, 1].map((pfn) => snapshotOf(s, pkvm!.pages[pfn]!).context.dmaRefcount)).toEqual([1, 0]);
  });

  it('declares what its plans read: the device and the buffers it queues; for a run, the reach of every page', () => {
    const { world, context } = deviceWorld(FIREWALLED);
    const vdec = context.devices.deviceByName.get('vdec')! as Parameters<typeof runDevice>[1];
    const ids = (touches: StepInput['touches']) =>
      (typeof touches === 'function' ? touches() : touches).map((c) => world.components[c]!.id);
    const frame = context.heaps.bufferByName.get('frame')!;
    expect(ids(queueBuffers(context, vdec, frame).touches)).toEqual(['device:vdec', 'buffer:frame']);
    expect(ids(runDevice(context, vdec).touches)).toContain('tzasc:carveout');
  });
});

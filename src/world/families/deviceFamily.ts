/**
 * The device family: one machine per media DMA master (decoder, display, GPU; a plain DMA engine
 * has none, only its reach), an explicit IOMMU domain for each device behind one (Android pKVM's
 * `kvm_iommu_*()` domains), and what the devices' drivers do: queue buffers, start, run a job or
 * scan out, stop. The decoder's and display's writes land on the pages' contents; mapping a
 * buffer for a device through its domain raises each page's DMA refcount.
 */

import { iommuDomainMachine, iommuDomainRefusals } from '../../../machines/iommuDomainMachine.ts';
import { mediaDeviceMachine, mediaDeviceRefusals } from '../../../machines/mediaDeviceMachine.ts';
import type { SdpDevice } from '../../../properties/sdp/sdpModel.ts';
import type { Topology } from '../../topology/schema.ts';
import type { BootStep } from '../boot.ts';
import { type Component, send, snapshotOf, type WorldBuilder } from '../builder.ts';
import { withFlaws } from '../flawSwitches.ts';
import type { Delivery, WorldState } from '../world.ts';
import {
  type Assignment,
  addAssignment,
  assignmentBoot,
  routeAssignmentTeardown,
} from './deviceAssignment.ts';
import type { DmaHeapFamily } from './dmaHeapFamily.ts';
import type { PageContentFamily } from './pageContentFamily.ts';
import type { PkvmFamily } from './pkvmFamily.ts';

export type MediaDevice = Component<typeof mediaDeviceMachine>;
export type Domain = Component<typeof iommuDomainMachine>;

/** A device as the world knows it: what the properties read, and its machines typed. */
export interface Device extends SdpDevice {
  readonly domain?: Domain;
  readonly machine?: MediaDevice;
  readonly assignment?: Assignment;
  /** A display with a writeback connector (`devices[].writeback`). */
  readonly writeback?: boolean;
}

export interface DeviceFamily {
  readonly devices: readonly Device[];
  readonly deviceByName: ReadonlyMap<string, Device>;
  /** Every media device machine (what `queued` reads). */
  readonly machines: readonly MediaDevice[];
  readonly boot: readonly BootStep[];
  /** True iff some device has the buffer queued, as input or output. */
  queued(state: WorldState, buffer: string): boolean;
  /** True iff the device has the buffer queued. */
  queues(state: WorldState, machine: MediaDevice, buffer: string): boolean;
  /** True iff the pipeline's display shows plaintext of the stream (with a compose stage: the composed frame). */
  displayed(state: WorldState): boolean;
}

export function addDeviceFamily(
  builder: WorldBuilder,
  topology: Topology,
  content: PageContentFamily,
  heaps: DmaHeapFamily,
  pkvm: PkvmFamily | undefined,
): DeviceFamily {
  const machine = withFlaws(mediaDeviceMachine, 'mediaDevice', topology.flaws);
  const boot: BootStep[] = [];
  const devices: Device[] = topology.devices.map((device, index) => {
    const media =
      device.role === 'dma'
        ? undefined
        : builder.addComponent({
            id: `device:${device.name}`,
            kind: 'mediaDevice',
            label: `${device.role} ${device.name}`,
            machine,
            input: {
              role: device.role,
              controller: device.controlledBy,
              secureOutputEnforced: device.secureInImpliesSecureOut,
              ...(device.writeback ? { writeback: true } : {}),
            },
            refusals: mediaDeviceRefusals,
          });
    // Under Xen the IOMMU translates with the controlling domain's p2m (reach.ts): no pKVM domain.
    const domain =
      device.iommu === 'domain' && topology.hypervisor.kind !== 'xen'
        ? builder.addComponent({
            id: `iommu:${device.name}`,
            kind: 'iommuDomain',
            label: `IOMMU domain of ${device.name}`,
            machine: iommuDomainMachine,
            input: { domainId: index + 1 },
            refusals: iommuDomainRefusals,
          })
        : undefined;
    // An assigned device's domain is its VM's (`assignmentBoot`); the host sets up the others.
    const assignment =
      device.assignedTo !== undefined ? addAssignment(builder, device, topology.flaws) : undefined;
    if (domain !== undefined && assignment === undefined)
      boot.push(...domainBoot(domain, device.name, index + 1));
    return {
      name: device.name,
      role: device.role,
      controller: device.controlledBy,
      iommu: device.iommu,
      secureMaster: device.secureMaster,
      nsaid: index + 1,
      ...(domain !== undefined ? { domain } : {}),
      ...(media !== undefined ? { machine: media } : {}),
      ...(device.writeback ? { writeback: true } : {}),
      ...(assignment !== undefined ? { assignment, assignedTo: device.assignedTo } : {}),
      ...(device.iommuGroup !== undefined ? { group: device.iommuGroup } : {}),
    };
  });
  boot.push(...assignmentBoot(devices, topology));
  if (pkvm) routeAssignmentTeardown(builder, devices, topology, pkvm);
  const deviceByName = new Map(devices.map((d) => [d.name, d]));
  const machines = devices.flatMap((d) => (d.machine !== undefined ? [d.machine] : []));
  for (const device of devices) {
    if (device.machine === undefined) continue;
    // A job's DMA write of its output (`DEVICE_RUN`), or a display's writeback (`WRITEBACK`):
    // the label lands on the written buffer's pages.
    builder.onEmit(device.machine, 'DEVICE_DMA_WRITE', content.contents, (event) =>
      content.dmaWrite(heaps.bufferByName.get(event.to)!.pages, event.label),
    );
  }
  routeDomainMappings(builder, devices, heaps, pkvm);

  const queues = (state: WorldState, media: MediaDevice, buffer: string) => {
    const c = snapshotOf(state, media).context;
    return c.input?.buffer === buffer || c.output?.buffer === buffer;
  };
  const display = deviceByName.get(topology.pipeline.display.by);
  const compose = topology.pipeline.compose;
  const composer = compose ? deviceByName.get(compose.by)?.machine : undefined;
  const composed = compose ? heaps.bufferByName.get(compose.output) : undefined;
  const stream = topology.pipeline.stream;
  /** True iff the GPU's last job composed a frame of the stream into the compose output, now on screen. */
  const showsComposed = (state: WorldState, input: string | undefined) => {
    if (composed === undefined || composer === undefined) return true;
    const gpu = snapshotOf(state, composer).context;
    return (
      input === composed.name &&
      gpu.output?.buffer === composed.name &&
      gpu.lastFrame?.plaintext.includes(stream) === true &&
      content.label(state, composed.pages).plaintext.includes(stream)
    );
  };
  return {
    devices,
    deviceByName,
    machines,
    boot,
    queued: (state, buffer) => machines.some((media) => queues(state, media, buffer)),
    queues,
    displayed: (state) => {
      if (display?.machine === undefined) return false;
      const { lastFrame, input } = snapshotOf(state, display.machine).context;
      // With a compose stage, what counts is the GPU's composed frame on screen, not a frame
      // the display was handed some other way.
      return lastFrame?.plaintext.includes(stream) === true && showsComposed(state, input?.buffer);
    },
  };
}

/**
 * A buffer mapped for a device through an explicit pKVM domain: the domain maps the pages and
 * each page's DMA refcount goes up (`kvm_iommu_map_pages()` → `__pkvm_host_use_dma()`), and the
 * reverse on unmap (`kvm_iommu_unmap_pages()` → `__pkvm_host_unuse_dma()`).
 */
function routeDomainMappings(
  builder: WorldBuilder,
  devices: readonly Device[],
  heaps: DmaHeapFamily,
  pkvm: PkvmFamily | undefined,
): void {
  const domains = devices.flatMap((d) => (d.domain !== undefined ? [d.domain] : []));
  const mapping = (device: string, pages: readonly number[], map: boolean): Delivery[] => {
    const found = devices.find((d) => d.name === device);
    // A device assigned to a VM is mapped by that VM's own calls, never through the host's DMA API.
    if (!found || found.domain === undefined || found.assignment !== undefined) return [];
    return [
      send(found.domain, map ? { type: 'IOMMU_MAP_PAGES', pages } : { type: 'IOMMU_UNMAP_PAGES', pages }),
      ...(pkvm
        ? pages.map((pfn) => send(pkvm.pages[pfn]!, { type: map ? 'HOST_USE_DMA' : 'HOST_UNUSE_DMA' }))
        : []),
    ];
  };
  for (const buffer of heaps.buffers) {
    if (buffer.dmaBuf === undefined) continue;
    const targets =
      domains.length === 0 ? [] : [...domains, ...(pkvm ? buffer.pages.map((pfn) => pkvm.pages[pfn]!) : [])];
    builder.onEmit(buffer.dmaBuf, 'DMA_MAPPING_CREATED', targets, (event) =>
      mapping(event.device, event.pages, true),
    );
    builder.onEmit(buffer.dmaBuf, 'DMA_MAPPING_REMOVED', targets, (event) =>
      mapping(event.device, event.pages, false),
    );
  }
}

/** The host sets up a device's IOMMU domain at boot: `kvm_iommu_alloc_domain()`, `kvm_iommu_attach_dev()`. */
function domainBoot(domain: Domain, device: string, endpoint: number): BootStep[] {
  return [
    {
      actor: 'host',
      call: 'kvm_iommu_alloc_domain()',
      subject: `the IOMMU domain of ${device}`,
      text: `host allocates an IOMMU domain for ${device}`,
      deliveries: [send(domain, { type: 'IOMMU_ALLOC_DOMAIN' })],
    },
    {
      actor: 'host',
      call: 'kvm_iommu_attach_dev()',
      subject: `device ${device}`,
      text: `host attaches ${device} to its IOMMU domain`,
      deliveries: [send(domain, { type: 'IOMMU_ATTACH_DEV', endpoint, endpointInUse: false })],
    },
  ];
}

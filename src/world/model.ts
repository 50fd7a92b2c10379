/**
 * The static facts of a composed Secure Data Path world that its properties read (`SdpModel`):
 * where each page's machines are, the devices, buffers, guests, streams and pipeline, and who
 * can reach each page.
 */
import type { Reach, SdpModel, SdpPage } from '../../properties/sdp/sdpModel.ts';
import { streamTrusted } from '../topology/parties.ts';
import { plaintextBuffers } from '../topology/pipelineChain.ts';
import type { Topology } from '../topology/schema.ts';
import type { DeviceFamily } from './families/deviceFamily.ts';
import type { DmaHeapFamily } from './families/dmaHeapFamily.ts';
import type { FfaFamily } from './families/ffaFamily.ts';
import type { PageContentFamily } from './families/pageContentFamily.ts';
import type { PkvmFamily } from './families/pkvmFamily.ts';
import type { TzascFamily } from './families/tzascFamily.ts';
import type { VirtioFamily } from './families/virtioFamily.ts';
import type { Layout } from './layout.ts';
import type { World } from './world.ts';

/** Each page with the machines that hold its story: ownership, content, firewall. */
export function sdpPages(
  layout: Layout,
  content: PageContentFamily,
  pkvm: PkvmFamily | undefined,
  tzasc: TzascFamily,
  ccaGranules?: readonly (number | undefined)[],
): SdpPage[] {
  return layout.pages.map((page) => ({
    pfn: page.pfn,
    label: page.label,
    region: page.region,
    content: content.contents[page.pfn]!,
    ...(pkvm ? { pkvm: pkvm.pages[page.pfn]! } : {}),
    ...(tzasc.regionOf.has(page.region) ? { tzasc: tzasc.regionOf.get(page.region)! } : {}),
    ...(ccaGranules?.[page.pfn] !== undefined ? { cca: ccaGranules[page.pfn]! } : {}),
  }));
}

export interface ModelParts {
  readonly topology: Topology;
  readonly pages: readonly SdpPage[];
  readonly reach: Reach;
  /** Xen grant entries and their pages, with `hypervisor.kind: xen`. */
  readonly xenGrants?: readonly { readonly component: number; readonly page: number; readonly ref: number }[];
  readonly pkvm?: PkvmFamily;
  readonly heaps: DmaHeapFamily;
  readonly devices: DeviceFamily;
  readonly ffa: FfaFamily;
  readonly virtio: VirtioFamily;
}

export function sdpModel(world: World, parts: ModelParts): SdpModel {
  const { topology, pkvm, heaps, devices, ffa, virtio } = parts;
  const pipeline = topology.pipeline;
  return {
    components: world.components,
    guestNames: world.guestNames,
    guestProtected: world.guestProtected,
    byKind: world.byKind,
    kernel: world.kernel,
    hypervisor: topology.hypervisor.kind,
    pages: parts.pages,
    devices: devices.devices,
    buffers: heaps.buffers,
    guests: pkvm
      ? topology.vms.map((vm, i) => ({ name: vm.name, protected: vm.protected, component: pkvm.guests[i]! }))
      : [],
    ...(topology.hypervisor.kind === 'xen'
      ? { domains: topology.vms.map((vm) => vm.name), grants: parts.xenGrants ?? [] }
      : {}),
    ...(topology.hypervisor.kind === 'cca' || topology.hypervisor.kind === 'gunyah'
      ? { domains: topology.vms.map((vm) => vm.name) }
      : {}),
    // Each stream's trusted computing base: its own, or EL2 and the secure world's apps
    // (docs/model.md#parties-and-trust).
    streams: topology.streams.map((stream) => ({
      name: stream.name,
      audience: stream.audience,
      trusted: streamTrusted(topology, stream),
    })),
    reach: parts.reach,
    ffaTransactions: ffa.slots,
    imports: virtio.imports.map((i) => ({ component: i.component, guest: i.guest })),
    sharedObjects: virtio.entries.map((e) => ({
      component: e.component,
      buffer: e.buffer,
      exporter: e.exporter,
      allowed: e.allowed,
      ...(e.gpuExport !== undefined ? { gpuExport: e.gpuExport } : {}),
    })),
    backends: virtio.backends.map((b) => ({ component: b.component, name: b.name })),
    pools: heaps.pools.map((p) => ({ component: p.component, heap: p.heap.name, pages: p.pages })),
    pipeline: {
      stream: pipeline.stream,
      display: pipeline.display.by,
      plaintextBuffers: plaintextBuffers(pipeline),
    },
  };
}

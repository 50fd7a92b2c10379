/**
 * Composes the world of one Secure Data Path topology: every family adds its machines (pKVM
 * pages and VMs, page contents, firewall regions, heaps and buffers, devices, the decrypt app,
 * FF-A, virtio), then every family adds the steps its parties can take, then the world is built
 * and booted.
 *
 * Who takes which steps:
 * - the legitimate pipeline (`role: pipeline`): allocate the declared buffers, write the
 *   ciphertext, decrypt, program the decoder and the display with the declared buffers;
 * - the untrusted parties (`role: adversary`): the host kernel and VMM programming any device
 *   they control with any buffer they hold, asking the trusted app to decrypt into any buffer,
 *   mapping buffers they hold, passing fds on, looking UUIDs up, tearing VMs down, freeing;
 * - the environment (`role: environment`): firmware configuring a region late, the secure
 *   world's answers, a reclaim that fails, a back-end that dies.
 * Trusted parties (the secure world, protected guests running the decrypt stage) only do what
 * the design says they do; the adversary does anything its interfaces allow, a protected guest
 * outside every audience included (its MEM_SHARE, MEM_UNSHARE and MEM_RELINQUISH on its pages).
 */
import type { SdpModel } from '../../properties/sdp/sdpModel.ts';
import { secureAppNames } from '../topology/parties.ts';
import { pipelineDevices } from '../topology/pipelineChain.ts';
import type { Topology } from '../topology/schema.ts';
import { type BootFailure, type BootStep, bootWorld } from './boot.ts';
import { type StepInput, type StepperKind, WorldBuilder } from './builder.ts';
import { untrustedGuestPages, withHostScratch } from './design.ts';
import { addCcaFamily } from './families/ccaFamily.ts';
import { addCcaSteps } from './families/ccaSteps.ts';
import { addDecryptFamily, addDecryptSteps } from './families/decryptFamily.ts';
import { addAssignmentSteps } from './families/deviceAssignment.ts';
import { addDeviceFamily } from './families/deviceFamily.ts';
import { addDeviceSteps } from './families/deviceSteps.ts';
import { addDmaHeapFamily } from './families/dmaHeapFamily.ts';
import { addHeapSteps, addPoolSteps, lendProbes } from './families/dmaHeapSteps.ts';
import { addFfaFamily, addGuestLendSteps } from './families/ffaFamily.ts';
import { addGuestProgramSteps, addGuestPrograms, inProgramOrder } from './families/guestPrograms.ts';
import { addGunyahFamily, type GunyahFamily } from './families/gunyahFamily.ts';
import { addGunyahSteps } from './families/gunyahSteps.ts';
import { addHostCallSteps } from './families/hostCalls.ts';
import { addPageContentFamily } from './families/pageContentFamily.ts';
import { guestBootSteps } from './families/pkvmBoot.ts';
import { addPkvmFamily, pageMachineFor } from './families/pkvmFamily.ts';
import { addSwiotlbSteps } from './families/swiotlbSteps.ts';
import { addTzascFamily } from './families/tzascFamily.ts';
import { addVirtioFamily } from './families/virtioFamily.ts';
import { addVirtioSteps } from './families/virtioSteps.ts';
import { addXenFamily, type XenFamily } from './families/xenFamily.ts';
import { addXenSteps } from './families/xenSteps.ts';
import { createHoldings } from './holdings.ts';
import { type Layout, resolveLayout } from './layout.ts';
import { sdpModel, sdpPages } from './model.ts';
import { type PipelineStage, pipelineStages } from './pipelineStages.ts';
import { createReach } from './reach.ts';
import { secureAppReach } from './secureApps.ts';
import type { World, WorldState } from './world.ts';

/** The grant entries and page owners Xen reach reads. */
function xenReachLayout(xen: XenFamily) {
  return {
    owners: xen.owners,
    dom0Privileged: xen.dom0Privileged,
    grants: xen.grants.flatMap((grant) =>
      grant.entries.map((entry, i) => ({
        component: entry.component,
        page: entry.page,
        ref: grant.firstRef + i,
      })),
    ),
  };
}

/** The memory parcels and page owners Gunyah reach reads. */
function gunyahReachLayout(gunyah: GunyahFamily) {
  return {
    owners: gunyah.owners,
    parcels: gunyah.parcels.map((p) => ({ component: p.component, pages: p.pages, handle: p.handle })),
  };
}

export interface SdpWorld {
  readonly world: World;
  readonly model: SdpModel;
  readonly layout: Layout;
  /** True iff the display has shown plaintext of the pipeline's stream. */
  readonly displayed: (state: WorldState) => boolean;
  /** The legitimate pipeline's stages, in order. */
  readonly stages: readonly PipelineStage[];
  /** The boot sequence, in the order it ran (up to and including a refused step). */
  readonly boot: readonly BootStep[];
  /** Why the design does not boot: the first boot step a machine refused. */
  readonly unbootable?: BootFailure;
}

export interface ComposeOptions {
  readonly stepper?: StepperKind;
  readonly memoize?: boolean;
}

export function composeWorld(design: Topology, options: ComposeOptions = {}): SdpWorld {
  const topology = withHostScratch(design);
  const builder = new WorldBuilder(options.stepper ?? 'compiled', options.memoize ?? true);
  const layout = resolveLayout(topology);
  const hypervisor = topology.hypervisor.kind === 'pkvm' ? topology.hypervisor : undefined;
  const { pipeline } = topology;

  // Every family's machines, what their emissions cause, and their boot calls.
  const bounds = { hypPins: 1, dmaMappings: Math.max(1, topology.devices.length), vcpus: 1 };
  const untrusted = untrustedGuestPages(topology, layout.regionPages);
  const pkvm = hypervisor
    ? addPkvmFamily(builder, {
        kernel: hypervisor.kernel,
        iommu: hypervisor.iommu,
        pages: layout.pages.map((page) => ({
          label: page.label,
          memoryType: topology.memory.find((r) => r.name === page.region)!.type,
        })),
        guests: topology.vms.map((vm) => {
          const pages = untrusted.get(vm.name);
          return { name: vm.name, protected: vm.protected, ...(pages ? { freeHypercallPages: pages } : {}) };
        }),
        bounds,
        rawFfaCalls: false,
        scope: 'sdp',
        pageMachine: pageMachineFor(hypervisor, topology.flaws),
      })
    : undefined;
  const content = addPageContentFamily(builder, layout);
  if (pkvm) content.scrubWhenPoisoned(builder, pkvm.pages);
  const tzasc = addTzascFamily(builder, topology, layout);
  const heaps = addDmaHeapFamily(builder, topology, layout, content);
  const devices = addDeviceFamily(builder, topology, content, heaps, pkvm);
  const decrypt = addDecryptFamily(builder, topology, content);
  const ffa = addFfaFamily(builder, topology, pkvm, content);
  const virtio = addVirtioFamily(builder, topology, layout, content, pkvm);
  const programs = pkvm ? addGuestPrograms(builder, topology) : [];
  const xen = topology.hypervisor.kind === 'xen' ? addXenFamily(builder, topology, layout) : undefined;
  const cca =
    topology.hypervisor.kind === 'cca' ? addCcaFamily(builder, topology, layout, content) : undefined;
  const gunyah =
    topology.hypervisor.kind === 'gunyah' ? addGunyahFamily(builder, topology, layout) : undefined;

  // What steps ask across families: who reaches a page, who holds a buffer, who runs.
  const pages = sdpPages(layout, content, pkvm, tzasc, cca?.granules);
  const reach = createReach({
    hypervisor: topology.hypervisor.kind,
    ...(xen ? { xen: xenReachLayout(xen) } : {}),
    ...(cca ? { cca: { granules: cca.granules, realms: cca.realms } } : {}),
    ...(gunyah ? { gunyah: gunyahReachLayout(gunyah) } : {}),
    pages,
    guests: topology.vms.map((vm) => vm.name),
    devices: devices.devices,
    buffers: heaps.buffers,
    imports: virtio.imports.map((i) => i.component),
    ffaSlots: ffa.slots,
    secureApps: secureAppReach(topology, layout),
  });
  const holdings = createHoldings(topology, pkvm, ffa, virtio, xen, cca, gunyah);
  const audience = topology.streams.find((s) => s.name === pipeline.stream)!.audience;
  const vmNames = new Set(topology.vms.map((vm) => vm.name));
  const optionalPkvm = pkvm ? { pkvm } : {};

  // Every family's steps, in the order the world offers them.
  const add = (step: StepInput) => builder.addStep(step);
  const heapContext = {
    heaps,
    ffa,
    content,
    ...optionalPkvm,
    queued: devices.queued,
    queueReads: devices.machines,
    imported: virtio.imported,
    importReads: virtio.importsOf,
  };
  addHeapSteps(add, heapContext, {
    canHold: [...new Set(['host', ...vmNames, ...topology.virtio.backends.map((b) => b.name)])],
    trusted: (party) => audience.includes(party),
    // The VMM and the vhost-user back-ends are host processes.
    vmOf: (party) => (vmNames.has(party) ? party : 'host'),
  });
  const firewalled = (pfn: number) => pages[pfn]!.tzasc !== undefined;
  const stream = pipeline.stream;
  const decryptContext = {
    heaps,
    content,
    ffa,
    holdings,
    reach,
    stream,
    firewalled,
    secureApps: secureAppNames(topology),
  };
  addDecryptSteps(inProgramOrder(add, programs), decryptContext, decrypt, pipeline);
  if (pkvm) addGuestProgramSteps(add, programs, pkvm, heaps);
  const stageDevices = new Set(pipelineDevices(pipeline));
  addDeviceSteps(add, {
    devices,
    heaps,
    content,
    ...optionalPkvm,
    holdings,
    reach,
    pipelineDevices: stageDevices,
  });
  if (pkvm) addAssignmentSteps(add, { devices: devices.devices, heaps, pkvm, topology });
  if (pkvm) addHostCallSteps(add, { pkvm, topology, layout, devices: devices.devices, bounds });
  addPoolSteps(add, heapContext);
  const virtioContext = { virtio, heaps, content, ...optionalPkvm, holdings, reach, layout };
  addVirtioSteps(add, virtioContext, topology);
  addSwiotlbSteps(add, virtioContext);
  if (xen) {
    const domains = ['host', ...vmNames];
    addXenSteps(add, xen, { trusted: (party) => audience.includes(party), domains });
  }
  if (cca) addCcaSteps(add, cca);
  if (gunyah)
    addGunyahSteps(add, gunyah, { trusted: (party) => audience.includes(party), vms: ['host', ...vmNames] });
  if (pkvm && ffa.slots.length > 0) {
    const lends = topology.ffaLends.flatMap((lend) => {
      const vm = topology.vms.findIndex((g) => g.name === lend.by);
      const buffer = heaps.bufferByName.get(lend.buffer)!;
      const queued = (state: WorldState) => devices.queued(state, buffer.name);
      return vm < 0
        ? []
        : [
            {
              buffer: buffer.name,
              pages: buffer.pages,
              by: lend.by,
              vm,
              queued,
              queueReads: devices.machines,
            },
          ];
    });
    addGuestLendSteps(add, ffa, pkvm, lends);
  }

  const world = builder.build({
    guestNames: topology.vms.map((vm) => vm.name),
    guestProtected: topology.vms.map((vm) => vm.protected),
    kernel: hypervisor?.kernel ?? 'upstream',
  });
  const xenGrants = xen ? { xenGrants: xenReachLayout(xen).grants } : {};
  const model = sdpModel(world, {
    topology,
    pages,
    reach,
    ...optionalPkvm,
    heaps,
    devices,
    ffa,
    virtio,
    ...xenGrants,
  });
  const boot = [
    ...(pkvm ? guestBootSteps(pkvm, topology, layout) : []),
    ...tzasc.boot,
    ...devices.boot,
    ...decrypt.boot,
    ...ffa.boot,
    ...virtio.boot,
    ...(xen ? xen.boot : []),
    ...(cca ? cca.boot : []),
    ...heaps.boot,
  ];
  const booted = bootWorld(world, boot, lendProbes(heapContext));
  return {
    world,
    model,
    layout,
    displayed: devices.displayed,
    stages: pipelineStages({ pipeline, world, heaps, content, displayed: devices.displayed }),
    boot: booted.unbootable ? [...boot, booted.unbootable.step].slice(0, booted.unbootable.index + 1) : boot,
    ...(booted.unbootable ? { unbootable: booted.unbootable } : {}),
  };
}

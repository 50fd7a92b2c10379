/**
 * Composes the world of one Secure Data Path topology: every machine the design involves, the
 * boot sequence that brings the platform up, and the calls the parties can make afterwards.
 *
 * Who makes which calls:
 * - the legitimate pipeline (`role: pipeline`): allocate the declared buffers, write the
 *   ciphertext, decrypt, program the decoder and the display with the declared buffers;
 * - the untrusted parties (`role: adversary`): the host kernel and VMM programming any device
 *   they control with any buffer they hold, asking the trusted app to decrypt into any buffer,
 *   mapping buffers they hold, passing fds on, looking UUIDs up, tearing VMs down, freeing;
 * - the environment (`role: environment`): firmware configuring a region late, the secure
 *   world's answers, a reclaim that fails, a back-end that dies.
 * Trusted parties (the secure world, protected guests running the decrypt stage) only do what
 * the design says they do; the adversary does anything its interfaces allow.
 *
 * What the families route between machines is listed with each `onEmit`.
 */
import { type ContentLabel, mergeLabels, ZERO_LABEL } from '../../machines/contentLabel.ts';
import {
  decryptTrustedAppMachine,
  decryptTrustedAppRefusals,
} from '../../machines/decryptTrustedAppMachine.ts';
import { dmaBufMachine, dmaBufRefusals } from '../../machines/dmaBufMachine.ts';
import type { DmaBufContext, Exporter, HeapKind } from '../../machines/dmaBufState.ts';
import {
  type FfaTransactionContext,
  ffaTransactionMachine,
  ffaTransactionRefusals,
} from '../../machines/ffaTransactionMachine.ts';
import { iommuDomainMachine, iommuDomainRefusals } from '../../machines/iommuDomainMachine.ts';
import {
  type MediaDeviceContext,
  mediaDeviceMachine,
  mediaDeviceRefusals,
} from '../../machines/mediaDeviceMachine.ts';
import { pageContentMachine, pageContentRefusals } from '../../machines/pageContentMachine.ts';
import { pkvmFfaProxyMachine, pkvmFfaProxyRefusals } from '../../machines/pkvmFfaProxyMachine.ts';
import { hostMemDescriptor } from '../../machines/pkvmFfaProxyState.ts';
import {
  androidPkvmPageMachine,
  pkvmPageMachine,
  unmapAllOnLendPkvmPageMachine,
} from '../../machines/pkvmPageMachine.ts';
import { protectedHeapMachine, protectedHeapRefusals } from '../../machines/protectedHeapMachine.ts';
import type { ErrorCode } from '../../machines/refusals.ts';
import {
  sharedObjectEntryMachine,
  sharedObjectEntryRefusals,
  sharedObjectEntryWithAccessControlMachine,
} from '../../machines/sharedObjectEntryMachine.ts';
import { swiotlbBounceMachine, swiotlbBounceRefusals } from '../../machines/swiotlbBounceMachine.ts';
import { tzascRegionMachine, tzascRegionRefusals } from '../../machines/tzascRegionMachine.ts';
import { tzcRegionAccessRd, tzcRegionAccessWr } from '../../machines/tzascRegionState.ts';
import { vhostBackendMachine, vhostBackendRefusals } from '../../machines/vhostBackendMachine.ts';
import {
  virtioDmabufExportMachine,
  virtioDmabufExportRefusals,
} from '../../machines/virtioDmabufExportMachine.ts';
import {
  virtioGpuImportMachine,
  virtioGpuImportRefusals,
  virtioGpuImportRefusesProtectedMachine,
} from '../../machines/virtioGpuImportMachine.ts';
import type { ComponentSnapshot } from '../../properties/model.ts';
import { accessPaths, inSecurePas } from '../../properties/sdp/access.ts';
import type { SdpBuffer, SdpDevice, SdpModel, SdpPage } from '../../properties/sdp/sdpModel.ts';
import type { Topology } from '../topology/schema.ts';
import { type StepInput, type StepperKind, WorldBuilder } from './builder.ts';
import { FLAW_SWITCHES, withFlaws } from './flawSwitches.ts';
import { type Layout, resolveLayout } from './layout.ts';
import { addPkvmFamily } from './pkvmFamily.ts';
import type { Delivery, World, WorldState } from './world.ts';

export type StepRole = 'pipeline' | 'adversary' | 'environment';

export interface SdpWorld {
  readonly world: World;
  readonly model: SdpModel;
  readonly layout: Layout;
  /** True iff the display has shown plaintext of the pipeline's stream. */
  readonly displayed: (state: WorldState) => boolean;
  /** The boot sequence, in the order it ran (up to and including a refused step). */
  readonly boot: readonly BootStep[];
  /** Why the design does not boot: the first boot step a machine refused. */
  readonly unbootable?: BootFailure;
}

/**
 * One call of the boot sequence, before exploration starts: who makes it, the source function
 * it stands for, what it acts on, and the machine events it delivers.
 */
export interface BootStep {
  readonly actor: string;
  /** The source function, as its source spells it: `__pkvm_host_donate_guest()`. */
  readonly call: string;
  /** What the call acts on, in report words: `page carveout:0`, `guest decrypt`. */
  readonly subject: string;
  readonly text: string;
  readonly deliveries: readonly Delivery[];
}

/** The boot step a machine refused, and how: the design cannot come up as written. */
export interface BootFailure {
  /** 0-based position of the refused step in `boot`. */
  readonly index: number;
  readonly step: BootStep;
  /** The refusing machine instance, as reports name it. */
  readonly component: string;
  readonly code: ErrorCode;
  readonly failedGuard?: string;
  /** `the host's __pkvm_host_donate_guest() refuses page carveout:0 (-EPERM)`. */
  readonly message: string;
}

export interface ComposeOptions {
  readonly stepper?: StepperKind;
  readonly memoize?: boolean;
}

const HOST_PARTIES = new Set(['host', 'vmm']);

/** The FF-A proxy's mailbox pages: host memory outside the pages a topology models. */
const MAILBOX_TX = 1_000_000;
const MAILBOX_RX = 1_000_001;

/** The name of the clear buffer every host can allocate for itself, whatever the design says. */
export const HOST_SCRATCH = 'host-scratch';

/**
 * The design plus what the adversary always has: one page of ordinary host memory it can
 * allocate as a buffer, to hand to a trusted app or a device as an output.
 */
export function withHostScratch(topology: Topology): Topology {
  return {
    ...topology,
    memory: [
      ...topology.memory,
      {
        name: HOST_SCRATCH,
        pages: 1,
        type: 'memory',
        knownBy: 'deviceTree',
        protection: 'none',
        owner: 'host',
        sharedWithHost: false,
      },
    ],
    heaps: [
      ...topology.heaps,
      { name: HOST_SCRATCH, kind: 'system', region: HOST_SCRATCH, exporter: 'system', scrub: 'zero' },
    ],
    buffers: [...topology.buffers, { name: HOST_SCRATCH, heap: HOST_SCRATCH, pages: 1, allocatedBy: 'host' }],
  };
}

export function composeWorld(design: Topology, options: ComposeOptions = {}): SdpWorld {
  const topology = withHostScratch(design);
  const builder = new WorldBuilder(options.stepper ?? 'compiled', options.memoize ?? true);
  const layout = resolveLayout(topology);
  const flaws = topology.flaws;
  const pkvm = topology.hypervisor.kind === 'pkvm' ? topology.hypervisor : undefined;
  const addStep = (role: StepRole, step: StepInput) => builder.addStep({ ...step, role });
  const part = <C>(state: WorldState, index: number) => state.parts[index] as ComponentSnapshot<C>;

  /* ---------------------------------------------------------------------------------------- */
  /* Pages: ownership (pKVM) and content                                                        */
  /* ---------------------------------------------------------------------------------------- */
  const guests = topology.vms;
  let pkvmPages: readonly number[] = [];
  let guestComponents: readonly number[] = [];
  let guestFacts: ((state: WorldState, vm: number) => unknown) | undefined;
  if (pkvm) {
    const family = addPkvmFamily(builder, {
      kernel: pkvm.kernel,
      iommu: pkvm.iommu,
      pages: layout.pages.map((page) => ({
        label: page.label,
        memoryType: topology.memory.find((r) => r.name === page.region)!.type,
      })),
      guests: guests.map((vm) => ({ name: vm.name, protected: vm.protected })),
      bounds: { hypPins: 1, dmaMappings: Math.max(1, topology.devices.length), vcpus: 1 },
      rawFfaCalls: false,
      scope: 'sdp',
      pageMachine: withFlaws(
        pkvm.kernel !== 'android'
          ? pkvmPageMachine
          : pkvm.ffaLend === 'unmapAll'
            ? unmapAllOnLendPkvmPageMachine
            : androidPkvmPageMachine,
        'pkvmPage',
        flaws,
      ),
    });
    pkvmPages = family.pages;
    guestComponents = family.guests;
    guestFacts = family.guestFacts;
  }
  const contents = layout.pages.map((page) =>
    builder.addComponent({
      id: `content:${page.pfn}`,
      kind: 'pageContent',
      label: `content of ${page.label}`,
      machine: pageContentMachine,
      input: {},
      refusals: pageContentRefusals,
    }),
  );
  const scrub = (pages: readonly number[], by: string): Delivery[] =>
    pages.map((pfn) => ({ component: contents[pfn]!, event: { type: 'SCRUB', by }, optional: true }));
  if (pkvm) {
    // hyp_poison_page() zeroes the page whose content machine is the page's own.
    builder.onEmit(
      'pkvmPage',
      'PAGE_POISONED',
      (from) => scrub([pkvmPages.indexOf(from)], 'hyp_poison_page'),
      (from) => [contents[pkvmPages.indexOf(from)]!],
    );
  }

  /* ---------------------------------------------------------------------------------------- */
  /* Firewall regions                                                                           */
  /* ---------------------------------------------------------------------------------------- */
  const deviceNsaid = new Map(topology.devices.map((device, i) => [device.name, i + 1]));
  const tzascOf = new Map<string, number>();
  const tzascBoot: BootStep[] = [];
  topology.memory.forEach((region, index) => {
    if (region.protection !== 'tzasc' || !region.tzasc) return;
    const pages = layout.regionPages.get(region.name)!;
    const component = builder.addComponent({
      id: `tzasc:${region.name}`,
      kind: 'tzascRegion',
      label: `firewall region ${region.name}`,
      machine: tzascRegionMachine,
      input: { region: index + 1, pages },
      refusals: tzascRegionRefusals,
    });
    tzascOf.set(region.name, component);
    let permissions = 0;
    for (const device of region.tzasc.nsRead) permissions |= tzcRegionAccessRd(deviceNsaid.get(device)!);
    for (const device of region.tzasc.nsWrite) permissions |= tzcRegionAccessWr(deviceNsaid.get(device)!);
    const configure: Delivery = {
      component,
      event: {
        type: 'TZC400_CONFIGURE_REGION',
        filters: 1,
        secAttr: 'TZC_REGION_S_RDWR',
        nsaidPermissions: permissions >>> 0,
      },
    };
    if (region.tzasc.configuredAt === 'boot') {
      tzascBoot.push({
        actor: 'firmware',
        call: 'tzc400_configure_region()',
        subject: `region ${region.name}`,
        text: `firmware protects region ${region.name} (secure RW; ${describeNsaids(region.tzasc)})`,
        deliveries: [configure],
      });
    } else {
      addStep('environment', {
        call: 'TZC400_CONFIGURE_REGION',
        actor: 'firmware',
        args: { region: region.name },
        text: `firmware protects region ${region.name} (secure RW; ${describeNsaids(region.tzasc)})`,
        touches: [component],
        plan: () => [configure],
      });
    }
  });

  /** virtio-gpu import machines by imported buffer (filled in the virtio section). */
  const importMachines = new Map<string, number[]>();
  const importsOf = (buffer: string) => importMachines.get(buffer) ?? [];
  /** The virtio-gpu export machine of each exported guest buffer (filled in the virtio section). */
  const exportOf = new Map<string, number>();
  /** FF-A share-state slots (created in the secure-world section). */
  let ffaSlots: number[] = [];
  /** True iff a live transaction covering the page was retrieved by the secure world. */
  const retrievedBySecure = (state: WorldState, pfn: number) =>
    ffaSlots.some((slot) => {
      const c = part<FfaTransactionContext>(state, slot).context;
      if (c.shareFunc === null || !c.pages.includes(pfn)) return false;
      return c.receivers.some((r, i) => r.secure && (c.retrievedFragmentCount[i] ?? 0) > 0);
    });

  /* ---------------------------------------------------------------------------------------- */
  /* Heaps and buffers                                                                          */
  /* ---------------------------------------------------------------------------------------- */
  const heapPool = new Map<string, number>();
  const poolBoot: BootStep[] = [];
  for (const heap of topology.heaps) {
    if (heap.kind !== 'protectedStatic' && heap.kind !== 'protectedDynamic') continue;
    const region = topology.memory.find((r) => r.name === heap.region)!;
    const pages = layout.regionPages.get(heap.region)!;
    const component = builder.addComponent({
      id: `pool:${heap.name}`,
      kind: 'protectedPool',
      label: `protected pool of heap ${heap.name}`,
      machine: withFlaws(protectedHeapMachine, 'protectedPool', flaws),
      input: {
        pool: heap.kind === 'protectedStatic' ? 'static' : 'dynamic',
        configSource: region.knownBy === 'deviceTree' ? 'deviceTree' : 'query',
        heapName: `protected,${heap.name}`,
        reclaimFailurePolicy: heap.scrub === 'quarantine' ? 'quarantine' : 'upstream',
      },
      refusals: protectedHeapRefusals,
    });
    heapPool.set(heap.name, component);
    const fromDeviceTree = heap.kind === 'protectedStatic' && region.knownBy === 'deviceTree';
    poolBoot.push(
      fromDeviceTree
        ? {
            actor: 'host',
            call: 'of_reserved_mem_lookup()',
            subject: `heap ${heap.name}`,
            text: `host finds the carveout of heap ${heap.name} in the device tree's reserved-memory`,
            deliveries: [{ component, event: { type: 'OF_RESERVED_MEM_LOOKUP', ok: true, pages } }],
          }
        : {
            actor: 'host',
            call:
              heap.kind === 'protectedStatic'
                ? 'OPTEE_SMC_GET_PROTMEM_CONFIG'
                : 'OPTEE_MSG_CMD_GET_PROTMEM_CONFIG',
            subject: `heap ${heap.name}`,
            text: `host asks the TEE for the protected-memory configuration of heap ${heap.name}`,
            deliveries: [
              { component, event: { type: 'GET_PROTMEM_CONFIG', ok: true, pages, pageCount: pages.length } },
            ],
          },
      {
        actor: 'host',
        call: 'tee_device_register_dma_heap()',
        subject: `heap ${heap.name}`,
        text: `host registers dma-buf heap ${heap.name}`,
        deliveries: [{ component, event: { type: 'TEE_DEVICE_REGISTER_DMA_HEAP', heapIdBound: false } }],
      },
    );
  }

  const exporterFor = (exporter: string, kind: HeapKind): Exporter =>
    exporter === 'teeHeap'
      ? 'teeHeap'
      : exporter === 'mtkRestricted'
        ? 'mtkRestrictedHeap'
        : kind === 'cma'
          ? 'cmaHeap'
          : 'systemHeap';
  const dmaBufMachineFlawed = withFlaws(dmaBufMachine, 'dmaHeapBuffer', flaws);
  const buffers: SdpBuffer[] = layout.buffers.map((buffer) => {
    if (!buffer.heap)
      return { name: buffer.name, pages: buffer.pages, protected: false, allocatedBy: buffer.allocatedBy };
    const heap = topology.heaps.find((h) => h.name === buffer.heap)!;
    const component = builder.addComponent({
      id: `buffer:${buffer.name}`,
      kind: 'dmaHeapBuffer',
      label: `buffer ${buffer.name}`,
      machine: dmaBufMachineFlawed,
      input: {
        heapKind: heap.kind,
        exporter: exporterFor(heap.exporter, heap.kind),
        scrubOnFree: heap.scrub === 'none' ? 'none' : 'zero',
        reclaimFailurePolicy: heap.scrub === 'quarantine' ? 'quarantine' : 'upstream',
      },
      refusals: dmaBufRefusals,
    });
    return {
      name: buffer.name,
      pages: buffer.pages,
      protected: buffer.protected,
      dmaBuf: component,
      allocatedBy: buffer.allocatedBy,
    };
  });
  const bufferByName = new Map(buffers.map((b) => [b.name, b]));
  const dmaBufOf = (state: WorldState, buffer: SdpBuffer) =>
    buffer.dmaBuf === undefined ? undefined : part<DmaBufContext>(state, buffer.dmaBuf);
  /**
   * True iff `party` holds the buffer now: an fd for a dma-buf; for guest memory, its guest, the
   * host once the guest exported it (the VMM knows its resource), the secure world once the
   * guest lent it and the secure world retrieved it.
   */
  const holds = (state: WorldState, party: string, buffer: SdpBuffer): boolean => {
    const snap = dmaBufOf(state, buffer);
    if (snap) return snap.value === 'exported' && snap.context.fdHolders.includes(party);
    if (buffer.allocatedBy === party) return true;
    // The VMM maps a non-protected guest's whole RAM (QEMU's guest memory backend).
    if (HOST_PARTIES.has(party) && guests.some((g) => g.name === buffer.allocatedBy && !g.protected))
      return true;
    const exporter = exportOf.get(buffer.name);
    const exporterAlive = !guests.some(
      (g, i) => g.name === buffer.allocatedBy && part(state, guestComponents[i]!).value === 'destroyed',
    );
    if (
      HOST_PARTIES.has(party) &&
      exporter !== undefined &&
      exporterAlive &&
      part(state, exporter).value === 'OK'
    ) {
      return true;
    }
    // A guest gets an exported buffer as a virtio object once a back-end serving it looked its
    // UUID up (crosvm and QEMU resolve virtio-object resources to the back-end's fd; B4).
    const viaBackend = entriesOf(buffer.name).some((entry) =>
      part<{ handedTo: readonly string[] }>(state, entry).context.handedTo.some(
        (backend) => servesVm.get(backend) === party,
      ),
    );
    if (exporterAlive && viaBackend) return true;
    return party === 'secure' && buffer.pages.every((pfn) => retrievedBySecure(state, pfn));
  };
  /** A guest runs (its vCPUs can be scheduled) between its first vCPU and teardown; the host and the secure world always run. */
  const runs = (state: WorldState, party: string): boolean => {
    const vm = guests.findIndex((g) => g.name === party);
    return vm < 0 || part(state, guestComponents[vm]!).value.startsWith('running');
  };
  /** The guest VM machine of a party, if it is a guest (what `runs` reads). */
  const runsReads = (party: string): number[] => {
    const vm = guests.findIndex((g) => g.name === party);
    return vm < 0 ? [] : [guestComponents[vm]!];
  };
  /** The guest each vhost-user back-end serves. */
  const servesVm = new Map(topology.virtio.backends.map((b) => [b.name, b.servesVm]));
  /** The shared-object entries naming a buffer (filled in the virtio section). */
  const entriesOf = (buffer: string) =>
    sharedObjects.filter((s) => s.buffer === buffer).map((s) => s.component);
  /** Components `holds` reads for a buffer (resolved once every machine exists). */
  const bufferReads = (buffer: SdpBuffer): number[] =>
    buffer.dmaBuf !== undefined
      ? [buffer.dmaBuf]
      : [
          ...(exportOf.has(buffer.name) ? [exportOf.get(buffer.name)!] : []),
          ...ffaSlots,
          ...runsReads(buffer.allocatedBy),
          ...entriesOf(buffer.name),
        ];

  // Buffer emissions: zeroing, pages given back to a protected pool, DMA mappings through domains.
  builder.onEmit(
    'dmaHeapBuffer',
    'PAGES_ZEROED',
    (_from, event) => scrub((event as unknown as { pages: number[] }).pages, 'heap_zero'),
    (from) => bufferOfComponent(from).pages.map((pfn) => contents[pfn]!),
  );
  const bufferOfComponent = (component: number) => buffers.find((b) => b.dmaBuf === component)!;
  builder.onEmit(
    'dmaHeapBuffer',
    'PAGES_RETURNED',
    (from, event) => {
      const returned = event as unknown as { pages: number[]; to: string };
      const heap = layout.buffers.find((b) => b.name === bufferOfComponent(from).name)!.heap;
      const pool = heap ? heapPool.get(heap) : undefined;
      return returned.to === 'protectedPool' && pool !== undefined
        ? [{ component: pool, event: { type: 'TEE_HEAP_BUF_FREE', pages: returned.pages } }]
        : [];
    },
    (from) => {
      const heap = layout.buffers.find((b) => b.name === bufferOfComponent(from).name)!.heap;
      const pool = heap ? heapPool.get(heap) : undefined;
      return pool === undefined ? [] : [pool];
    },
  );

  /* ---------------------------------------------------------------------------------------- */
  /* Devices and IOMMU domains                                                                  */
  /* ---------------------------------------------------------------------------------------- */
  const domainBoot: BootStep[] = [];
  const mediaMachine = withFlaws(mediaDeviceMachine, 'mediaDevice', flaws);
  const devices: SdpDevice[] = topology.devices.map((device, index) => {
    const machine =
      device.role === 'dma'
        ? undefined
        : builder.addComponent({
            id: `device:${device.name}`,
            kind: 'mediaDevice',
            label: `${device.role} ${device.name}`,
            machine: mediaMachine,
            input: {
              role: device.role,
              controller: device.controlledBy,
              secureOutputEnforced: device.secureInImpliesSecureOut,
            },
            refusals: mediaDeviceRefusals,
          });
    const domain =
      device.iommu === 'domain'
        ? builder.addComponent({
            id: `iommu:${device.name}`,
            kind: 'iommuDomain',
            label: `IOMMU domain of ${device.name}`,
            machine: iommuDomainMachine,
            input: { domainId: index + 1 },
            refusals: iommuDomainRefusals,
          })
        : undefined;
    if (domain !== undefined) {
      domainBoot.push(
        {
          actor: 'host',
          call: 'kvm_iommu_alloc_domain()',
          subject: `the IOMMU domain of ${device.name}`,
          text: `host allocates an IOMMU domain for ${device.name}`,
          deliveries: [{ component: domain, event: { type: 'IOMMU_ALLOC_DOMAIN' } }],
        },
        {
          actor: 'host',
          call: 'kvm_iommu_attach_dev()',
          subject: `device ${device.name}`,
          text: `host attaches ${device.name} to its IOMMU domain`,
          deliveries: [
            {
              component: domain,
              event: { type: 'IOMMU_ATTACH_DEV', endpoint: index + 1, endpointInUse: false },
            },
          ],
        },
      );
    }
    return {
      name: device.name,
      role: device.role,
      controller: device.controlledBy,
      iommu: device.iommu,
      secureMaster: device.secureMaster,
      nsaid: index + 1,
      ...(domain !== undefined ? { domain } : {}),
      ...(machine !== undefined ? { machine } : {}),
    };
  });
  const deviceByName = new Map(devices.map((d) => [d.name, d]));
  const mediaMachines = devices.flatMap((d) => (d.machine !== undefined ? [d.machine] : []));
  /** True iff the device has `buffer` queued (its input or output). */
  const queues = (state: WorldState, machine: number, buffer: string) => {
    const c = part<MediaDeviceContext>(state, machine).context;
    return c.input?.buffer === buffer || c.output?.buffer === buffer;
  };
  // A device mapping a buffer through an explicit pKVM domain: the domain maps the pages and
  // each page's DMA refcount goes up (`kvm_iommu_map_pages` → `__pkvm_host_use_dma`).
  const domainDeliveries = (device: string, pages: readonly number[], map: boolean): Delivery[] => {
    const d = deviceByName.get(device);
    if (!d || d.domain === undefined) return [];
    return [
      {
        component: d.domain,
        event: map ? { type: 'IOMMU_MAP_PAGES', pages } : { type: 'IOMMU_UNMAP_PAGES', pages },
      },
      ...pages.map((pfn) => ({
        component: pkvmPages[pfn]!,
        event: { type: map ? 'HOST_USE_DMA' : 'HOST_UNUSE_DMA' },
      })),
    ];
  };
  const domainTargets = (from: number) => {
    const buffer = bufferOfComponent(from);
    return devices.flatMap((d) =>
      d.domain === undefined ? [] : [d.domain, ...buffer.pages.map((pfn) => pkvmPages[pfn]!)],
    );
  };
  builder.onEmit(
    'dmaHeapBuffer',
    'DMA_MAPPING_CREATED',
    (_from, event) => {
      const e = event as unknown as { device: string; pages: number[] };
      return domainDeliveries(e.device, e.pages, true);
    },
    domainTargets,
  );
  builder.onEmit(
    'dmaHeapBuffer',
    'DMA_MAPPING_REMOVED',
    (_from, event) => {
      const e = event as unknown as { device: string; pages: number[] };
      return domainDeliveries(e.device, e.pages, false);
    },
    domainTargets,
  );
  builder.onEmit(
    'mediaDevice',
    'DEVICE_DMA_WRITE',
    (_from, event) => {
      const e = event as unknown as { to: string; label: ContentLabel };
      return bufferByName.get(e.to)!.pages.map((pfn) => ({
        component: contents[pfn]!,
        event: { type: 'DMA_WRITE', label: e.label },
        optional: true,
      }));
    },
    () => contents,
  );

  /* ---------------------------------------------------------------------------------------- */
  /* Secure world: trusted app, FF-A proxy and SPMC share states                                */
  /* ---------------------------------------------------------------------------------------- */
  const secureBoot: BootStep[] = [];
  const stream = topology.pipeline.stream;
  const ta = topology.secureWorld.tee
    ? builder.addComponent({
        id: 'ta:decrypt',
        kind: 'decryptTrustedApp',
        label: 'decrypt trusted app',
        machine: withFlaws(decryptTrustedAppMachine, 'decryptTrustedApp', flaws),
        input: {},
        refusals: decryptTrustedAppRefusals,
      })
    : undefined;
  if (ta !== undefined) {
    secureBoot.push(
      {
        actor: 'host',
        call: 'TEE_IOC_OPEN_SESSION',
        subject: 'the decrypt trusted app',
        text: 'host opens a session with the decrypt trusted app',
        deliveries: [{ component: ta, event: { type: 'OPEN_SESSION' } }],
      },
      {
        actor: 'host',
        call: 'LOAD_KEYS',
        subject: `the keys of stream ${stream}`,
        text: `host has the trusted app load the keys of ${stream} for a secure data path`,
        deliveries: [{ component: ta, event: { type: 'LOAD_KEYS', stream, dataPathSecure: true } }],
      },
    );
    builder.onEmit(
      'decryptTrustedApp',
      'PLAINTEXT_WRITTEN',
      (_from, event) => {
        const e = event as unknown as { stream: string; outputPages: number[] };
        return e.outputPages.map((pfn) => ({
          component: contents[pfn]!,
          event: { type: 'WRITE_PLAINTEXT', stream: e.stream, by: 'decrypt trusted app' },
          optional: true,
        }));
      },
      () => contents,
    );
  }
  const spmc = topology.secureWorld.spmc === 'hafnium';
  ffaSlots = spmc
    ? [0, 1].map((handle) =>
        builder.addComponent({
          id: `ffa:${handle}`,
          kind: 'ffaTransaction',
          label: `FF-A handle ${handle}`,
          machine: ffaTransactionMachine,
          input: { handle, pasProtection: topology.secureWorld.protectsLentMemory },
          refusals: ffaTransactionRefusals,
        }),
      )
    : [];
  const proxy =
    spmc && pkvm
      ? builder.addComponent({
          id: 'ffa:proxy',
          kind: 'ffaProxy',
          label: 'pKVM FF-A proxy',
          machine: pkvmFfaProxyMachine,
          input: {
            unmapOnLend:
              pkvm.ffaLend !== 'share' &&
              FLAW_SWITCHES.lendTreatedAsShare !== undefined &&
              !flaws.includes('lendTreatedAsShare'),
          },
          refusals: pkvmFfaProxyRefusals,
        })
      : undefined;
  if (proxy !== undefined) {
    secureBoot.push(
      {
        actor: 'host',
        call: 'FFA_VERSION',
        subject: 'FF-A version 1.2',
        text: 'host negotiates FF-A version 1.2 with the pKVM FF-A proxy',
        deliveries: [
          {
            component: proxy,
            event: { type: 'FFA_VERSION', major: 1, minor: 2, firmwareAcceptsVersion: true },
          },
        ],
      },
      {
        actor: 'host',
        call: 'FFA_FN64_RXTX_MAP',
        subject: 'the FF-A mailbox',
        text: 'host maps its FF-A mailbox through the pKVM FF-A proxy',
        deliveries: [
          {
            component: proxy,
            // The mailbox pages are host memory outside the pages a topology models.
            event: {
              type: 'FFA_FN64_RXTX_MAP',
              tx: MAILBOX_TX,
              rx: MAILBOX_RX,
              pageCount: 1,
              pageAligned: true,
              mailboxShareable: true,
            },
          },
        ],
      },
    );
    // The proxy's per-page effect (`__pkvm_host_share_ffa`, `__pkvm_host_donate_ffa`, and the
    // reverse on reclaim) lands on the host's page machines.
    builder.onEmit(
      'ffaProxy',
      'PKVM_PAGE_TRANSITION',
      (_from, event) => {
        const e = event as unknown as { call: string; pages: number[] };
        return e.pages
          .filter((pfn) => pfn < pkvmPages.length)
          .map((pfn) => ({ component: pkvmPages[pfn]!, event: { type: e.call } }));
      },
      () => [...pkvmPages],
    );
  }
  // CLEAR / CLEAR_RELINQUISH zeroing by the SPMC.
  if (spmc) {
    builder.onEmit(
      'ffaTransaction',
      'MEMORY_CLEARED',
      (_from, event) =>
        scrub((event as unknown as { pages: number[] }).pages, 'ffa_clear_memory_constituents'),
      () => contents,
    );
  }
  /** The first free share-state slot (Hafnium's `allocate_share_state`). */
  const freeSlot = (state: WorldState) => ffaSlots.find((slot) => part(state, slot).value === 'free');
  /** The slot whose live transaction covers the page. */
  const slotCovering = (state: WorldState, pfn: number) =>
    ffaSlots.find((slot) => {
      const c = part<FfaTransactionContext>(state, slot).context;
      return c.shareFunc !== null && c.pages.includes(pfn);
    });

  /* ---------------------------------------------------------------------------------------- */
  /* The static layout the properties read                                                      */
  /* ---------------------------------------------------------------------------------------- */
  const sdpPages: SdpPage[] = layout.pages.map((page) => ({
    pfn: page.pfn,
    label: page.label,
    region: page.region,
    content: contents[page.pfn]!,
    ...(pkvm ? { pkvm: pkvmPages[page.pfn]! } : {}),
    ...(tzascOf.has(page.region) ? { tzasc: tzascOf.get(page.region)! } : {}),
  }));

  // Filled below once the virtio machines exist.
  const imports: { component: number; guest: string }[] = [];
  const sharedObjects: { component: number; buffer: string; exporter: string; allowed: readonly string[] }[] =
    [];
  const backends: { component: number; name: string }[] = [];

  const model = (): SdpModel => ({
    components: world.components,
    guestNames: guests.map((vm) => vm.name),
    guestProtected: guests.map((vm) => vm.protected),
    byKind: world.byKind,
    kernel: pkvm?.kernel ?? 'upstream',
    hypervisor: pkvm ? 'pkvm' : 'none',
    pages: sdpPages,
    devices,
    buffers,
    guests: guests.map((vm, i) => ({
      name: vm.name,
      protected: vm.protected,
      component: guestComponents[i]!,
    })),
    streams: topology.streams,
    // The reference's trusted computing base: the TEE, EL2 and EL3/SPMC (dmabuf-virtio-sdp C).
    trusted: ['hyp', 'secure'],
    ffaTransactions: ffaSlots,
    imports,
    sharedObjects,
    backends,
    pools: [...heapPool.entries()].map(([heap, component]) => ({
      component,
      heap,
      pages: layout.regionPages.get(topology.heaps.find((h) => h.name === heap)!.region)!,
    })),
    pipeline: {
      stream,
      display: topology.pipeline.display.by,
      plaintextBuffers: [
        topology.pipeline.decrypt.output,
        ...(topology.pipeline.decode ? [topology.pipeline.decode.output] : []),
      ],
    },
  });
  // A partial model for the access helpers used while planning steps (same shape as the final one).
  let planningModel: SdpModel | undefined;
  const access = (state: WorldState, pfn: number, mode: 'read' | 'write') =>
    accessPaths(planningModel!, state, pfn, mode);
  /** Every component the access computation for a page reads: ownership, firewall, FF-A, domains, buffers. */
  const accessReads = (pfn: number): number[] => {
    const page = sdpPages[pfn]!;
    return [
      ...(page.pkvm !== undefined ? [page.pkvm] : []),
      ...(page.tzasc !== undefined ? [page.tzasc] : []),
      ...ffaSlots,
      ...devices.flatMap((d) => (d.domain !== undefined ? [d.domain] : [])),
      ...buffers.flatMap((b) => (b.dmaBuf !== undefined && b.pages.includes(pfn) ? [b.dmaBuf] : [])),
      ...imports.map((i) => i.component),
      ...sharedObjects.map((s) => s.component),
    ];
  };
  const canDevice = (state: WorldState, device: string, pfn: number, mode: 'read' | 'write') =>
    access(state, pfn, mode).some((path) => path.party === device && path.kind === 'dma');
  /** True iff `party`'s CPU can make the access through its own stage-2 (or the host's kernel mappings). */
  const canCpu = (state: WorldState, party: string, pfn: number, mode: 'read' | 'write') =>
    access(state, pfn, mode).some((path) => path.party === party && path.kind === 'cpu');
  const label = (state: WorldState, pages: readonly number[]): ContentLabel =>
    pages.reduce<ContentLabel>(
      (acc, pfn) => mergeLabels(acc, part<ContentLabel>(state, contents[pfn]!).context),
      ZERO_LABEL,
    );
  /**
   * "Secure memory" as the trusted app checks it (`TEE_CheckMemoryAccessRights` with
   * `TEE_MEMORY_ACCESS_SECURE`): OP-TEE knows its own view only. A page is secure to it when a
   * configured firewall region keeps the normal world's CPU out, when the SPMC moved it to the
   * secure PAS, or when it was lent or donated to the secure world and retrieved, because a
   * LEND means exclusive access to OP-TEE whether or not the hypervisor unmapped the lender.
   */
  const isSecureMemory = (state: WorldState, pages: readonly number[]) =>
    pages.every((pfn) => {
      if (inSecurePas(planningModel!, state, pfn)) return true;
      const page = sdpPages[pfn]!;
      if (page.tzasc !== undefined) {
        const paths = access(state, pfn, 'read');
        const secure = paths.some((p) => p.party === 'secure');
        const nsCpu = paths.some((p) => p.kind === 'cpu' && p.party !== 'hyp');
        if (secure && !nsCpu) return true;
      }
      return ffaSlots.some((slot) => {
        const c = part<FfaTransactionContext>(state, slot).context;
        return (
          (c.shareFunc === 'FFA_MEM_LEND' || c.shareFunc === 'FFA_MEM_DONATE') &&
          c.pages.includes(pfn) &&
          c.receivers.some((r, i) => r.secure && (c.retrievedFragmentCount[i] ?? 0) > 0)
        );
      });
    });

  /* ---------------------------------------------------------------------------------------- */
  /* Pipeline and adversary steps over buffers                                                 */
  /* ---------------------------------------------------------------------------------------- */
  const pipeline = topology.pipeline;
  const untrusted = (party: string) =>
    !topology.streams.find((s) => s.name === stream)!.audience.includes(party);
  // The VMM is a host process: whatever it could map, the host kernel already can. It joins
  // the holders only through the virtio paths (table lookups, imports), not fd passing.
  /** The VM a party's CPU runs in: a guest's own, or the host's (host, VMM, back-ends). */
  const domainOf = (party: string) => (guests.some((g) => g.name === party) ? party : 'host');
  const partiesThatCanHold = [
    ...new Set(['host', ...guests.map((vm) => vm.name), ...topology.virtio.backends.map((b) => b.name)]),
  ];

  /** Components a dynamic pool's lend touches: the pool, the FF-A slots, the proxy, its pages. */
  const lendTouches = (heapName: string): number[] => {
    const pages = layout.regionPages.get(topology.heaps.find((h) => h.name === heapName)!.region)!;
    return [
      heapPool.get(heapName)!,
      ...ffaSlots,
      ...(proxy !== undefined ? [proxy] : []),
      ...(pkvm ? pages.map((pfn) => pkvmPages[pfn]!) : []),
      ...pages.map((pfn) => contents[pfn]!),
    ];
  };
  /** Buffers allocated from a heap. */
  const poolBuffers = (heapName: string): number[] =>
    buffers.flatMap((b) =>
      b.dmaBuf !== undefined && layout.buffers.find((l) => l.name === b.name)!.heap === heapName
        ? [b.dmaBuf]
        : [],
    );
  /**
   * The OP-TEE driver lends a dynamic pool's CMA pages to OP-TEE (`optee_ffa_lend_protmem` →
   * FFA_MEM_LEND through the pKVM proxy when a hypervisor runs). Whether the pages come back
   * zeroed is the borrower's relinquish flag (see the reclaim step), not a send flag: Hafnium
   * accepts only CLEAR and TIME_SLICE at send.
   */
  const lendPool = (
    state: WorldState,
    heapName: string,
    requested: readonly number[],
  ): Delivery[] | undefined => {
    const heap = topology.heaps.find((h) => h.name === heapName)!;
    const pool = heapPool.get(heapName)!;
    const pages = layout.regionPages.get(heap.region)!;
    const flags = 0;
    const slot = freeSlot(state);
    if (slot === undefined) return undefined;
    const handle = ffaSlots.indexOf(slot);
    return [
      { component: pool, event: { type: 'TEE_DMA_HEAP_ALLOC', pages: requested, cmaPages: pages } },
      ...(proxy !== undefined
        ? [
            {
              component: proxy,
              event: {
                type: 'FFA_MEM_LEND',
                ...hostMemDescriptor(pages.length),
                receiver: 'secure',
                flags,
                pages,
                rangesShareable: true,
                handle,
              },
            },
          ]
        : []),
      {
        component: slot,
        event: {
          type: 'FFA_MEM_LEND',
          caller: 'host',
          sender: 'host',
          senderSecure: false,
          receivers: [{ id: 'secure', access: 'RW', secure: true }],
          pages,
          flags,
          fragments: 1,
          descriptorValid: true,
          senderExclusiveOwner: pages.every((pfn) => slotCovering(state, pfn) === undefined),
          senderWritable: true,
        },
      },
    ];
  };

  for (const buffer of buffers) {
    const spec = layout.buffers.find((b) => b.name === buffer.name)!;
    const heap = spec.heap ? topology.heaps.find((h) => h.name === spec.heap)! : undefined;
    const pool = heap ? heapPool.get(heap.name) : undefined;
    if (buffer.dmaBuf !== undefined) {
      const dmaBuf = buffer.dmaBuf;
      const dynamic = heap?.kind === 'protectedDynamic';
      // Allocation. The first allocation from an unlent dynamic pool lends the pool's CMA pages
      // to the secure world instead (`init_dyn_protmem` → `lend_protmem` → FFA_MEM_LEND); the
      // buffer comes into being when the secure world has retrieved them (see the pool steps).
      addStep('pipeline', {
        call: 'DMA_HEAP_IOCTL_ALLOC',
        actor: buffer.allocatedBy,
        args: { buffer: buffer.name },
        text: `${buffer.allocatedBy} allocates buffer ${buffer.name} from heap ${heap!.name}${dynamic ? ' (the first allocation lends the pool to the secure world over FF-A)' : ''}`,
        touches: () => [
          dmaBuf,
          ...(pool !== undefined ? [pool] : []),
          ...buffer.pages.map((pfn) => contents[pfn]!),
          ...(dynamic ? lendTouches(heap!.name) : []),
        ],
        plan: (state) => {
          if (dynamic && part(state, pool!).value === 'registered.unlent')
            return lendPool(state, heap!.name, buffer.pages);
          if (dynamic && part(state, pool!).value !== 'registered.lent') return undefined;
          return [
            ...(pool !== undefined
              ? [
                  {
                    component: pool,
                    event: { type: 'TEE_DMA_HEAP_ALLOC', pages: buffer.pages, cmaPages: [] },
                  },
                ]
              : []),
            {
              component: dmaBuf,
              event: {
                type: 'DMA_HEAP_IOCTL_ALLOC',
                party: buffer.allocatedBy,
                pages: buffer.pages,
                argsValid: true,
              },
            },
          ];
        },
      });
      // Passing the fd on (SCM_RIGHTS, binder, the VMM forwarding it).
      for (const from of partiesThatCanHold) {
        for (const to of partiesThatCanHold) {
          if (from === to || !(HOST_PARTIES.has(from) || from === buffer.allocatedBy)) continue;
          if (domainOf(from) !== domainOf(to)) continue;
          addStep(untrusted(to) ? 'adversary' : 'pipeline', {
            call: 'DMA_BUF_SHARE_FD',
            actor: from,
            args: { buffer: buffer.name, from, to },
            text: `${from} passes the fd of buffer ${buffer.name} to ${to}`,
            touches: [dmaBuf],
            plan: () => [{ component: dmaBuf, event: { type: 'DMA_BUF_SHARE_FD', party: from, to } }],
          });
        }
      }
      // CPU views by untrusted holders: mmap (user space) and vmap (a kernel driver).
      for (const party of partiesThatCanHold.filter(untrusted)) {
        addStep('adversary', {
          call: 'DMA_BUF_MMAP',
          actor: party,
          args: { buffer: buffer.name, party },
          text: `${party} mmaps buffer ${buffer.name}`,
          touches: [dmaBuf],
          plan: () => [
            {
              component: dmaBuf,
              event: { type: 'DMA_BUF_MMAP', party, vmaShared: true, withinBuffer: true },
            },
          ],
        });
        if (HOST_PARTIES.has(party)) {
          addStep('adversary', {
            call: 'DMA_BUF_VMAP',
            actor: party,
            args: { buffer: buffer.name, party },
            text: `${party} vmaps buffer ${buffer.name}`,
            touches: [dmaBuf],
            plan: () => [{ component: dmaBuf, event: { type: 'DMA_BUF_VMAP', party } }],
          });
        }
      }
      // Closing every fd and mapping releases the buffer (ops->release) and frees its pages.
      addStep('adversary', {
        call: 'DMA_BUF_RELEASE',
        actor: buffer.allocatedBy,
        args: { buffer: buffer.name },
        text: `every holder closes buffer ${buffer.name}, which is released and freed`,
        touches: () => [
          dmaBuf,
          ...(pool !== undefined ? [pool] : []),
          ...mediaMachines,
          ...importsOf(buffer.name),
        ],
        plan: (state) => {
          const snap = part<DmaBufContext>(state, dmaBuf);
          if (snap.value !== 'exported') return undefined;
          // A device with the buffer queued (vb2 / DRM framebuffer) and a virtio-gpu import
          // (`virtgpu_dma_buf_init_obj` pins it) hold references: no release until they let go.
          if (devices.some((d) => d.machine !== undefined && queues(state, d.machine, buffer.name)))
            return undefined;
          if (importsOf(buffer.name).some((i) => part(state, i).value !== 'unattached')) return undefined;
          const c = snap.context;
          return [
            ...c.mmaps.map((party) => ({ component: dmaBuf, event: { type: 'DMA_BUF_MUNMAP', party } })),
            ...c.vmaps.map((party) => ({ component: dmaBuf, event: { type: 'DMA_BUF_VUNMAP', party } })),
            ...c.attachments.flatMap((a) => [
              ...(a.direction !== null
                ? [{ component: dmaBuf, event: { type: 'DMA_BUF_UNMAP_ATTACHMENT', device: a.device } }]
                : []),
              { component: dmaBuf, event: { type: 'DMA_BUF_DETACH', device: a.device } },
            ]),
            ...c.fdHolders.map((party) => ({ component: dmaBuf, event: { type: 'DMA_BUF_CLOSE', party } })),
            { component: dmaBuf, event: { type: 'DMA_BUF_RELEASE' } },
          ];
        },
      });
    }
  }

  // The ciphertext arrives in the input buffer: its holder writes it, through its own CPU view
  // of the pages (a guest whose page the host force-reclaimed cannot).
  {
    const input = bufferByName.get(pipeline.input)!;
    const writer = input.allocatedBy;
    addStep('pipeline', {
      call: 'WRITE_CIPHERTEXT',
      actor: writer,
      args: { buffer: input.name },
      text: `${writer} writes ciphertext of ${stream} into buffer ${input.name}`,
      touches: () => [
        ...bufferReads(input),
        ...input.pages.flatMap((pfn) => [contents[pfn]!, ...accessReads(pfn)]),
      ],
      plan: (state) =>
        holds(state, writer, input) && input.pages.every((pfn) => canCpu(state, writer, pfn, 'write'))
          ? input.pages.map((pfn) => ({
              component: contents[pfn]!,
              event: { type: 'WRITE_CIPHERTEXT', stream },
              optional: true,
            }))
          : undefined,
    });
  }

  // Decrypt. By the trusted app: the host (the TA's client) may name any buffers it holds.
  if (pipeline.decrypt.by === 'secure' && ta !== undefined) {
    for (const input of buffers) {
      for (const output of buffers) {
        if (input === output) continue;
        const legit = input.name === pipeline.input && output.name === pipeline.decrypt.output;
        addStep(legit ? 'pipeline' : 'adversary', {
          call: 'INVOKE_DECRYPT',
          actor: 'host',
          args: { input: input.name, output: output.name },
          text: `host asks the trusted app to decrypt ${stream} from ${input.name} into ${output.name}`,
          touches: () => [
            ta,
            ...bufferReads(input),
            ...bufferReads(output),
            ...input.pages.map((pfn) => contents[pfn]!),
            ...output.pages.flatMap((pfn) => [contents[pfn]!, ...accessReads(pfn)]),
            ...input.pages.flatMap(accessReads),
          ],
          plan: (state) => {
            if (!holds(state, 'host', input) || !holds(state, 'host', output)) return undefined;
            if (!label(state, input.pages).ciphertext.includes(stream)) return undefined;
            return [
              {
                component: ta,
                event: {
                  type: 'INVOKE_DECRYPT',
                  stream,
                  isSecure: true,
                  input: input.name,
                  inputPages: input.pages,
                  inputNonSecure: !isSecureMemory(state, input.pages),
                  output: output.name,
                  outputPages: output.pages,
                  outputSecure: isSecureMemory(state, output.pages),
                },
              },
            ];
          },
        });
      }
    }
  } else {
    // By a guest (the CDM runs in a VM): it decrypts its own input into its own output.
    const by = pipeline.decrypt.by;
    const input = bufferByName.get(pipeline.input)!;
    const output = bufferByName.get(pipeline.decrypt.output)!;
    addStep('pipeline', {
      call: 'CDM_DECRYPT',
      actor: by,
      args: { input: input.name, output: output.name },
      text: `${by} decrypts ${stream} from ${input.name} into ${output.name}`,
      touches: () => [
        ...bufferReads(input),
        ...bufferReads(output),
        ...runsReads(by),
        ...input.pages.flatMap((pfn) => [contents[pfn]!, ...accessReads(pfn)]),
        ...output.pages.flatMap((pfn) => [contents[pfn]!, ...accessReads(pfn)]),
      ],
      plan: (state) => {
        if (!runs(state, by) || !holds(state, by, input) || !holds(state, by, output)) return undefined;
        if (!input.pages.every((pfn) => canCpu(state, by, pfn, 'read'))) return undefined;
        if (!label(state, input.pages).ciphertext.includes(stream)) return undefined;
        if (!output.pages.every((pfn) => access(state, pfn, 'write').some((p) => p.party === by)))
          return undefined;
        return output.pages.map((pfn) => ({
          component: contents[pfn]!,
          event: { type: 'WRITE_PLAINTEXT', stream, by },
          optional: true,
        }));
      },
    });
  }

  // Devices: the controller queues buffers it holds (attaching and mapping them), starts, runs.
  for (const device of devices) {
    if (device.machine === undefined) continue;
    const machine = device.machine;
    const combos: { input: SdpBuffer; output?: SdpBuffer }[] =
      device.role === 'display'
        ? buffers.map((input) => ({ input }))
        : buffers.flatMap((input) =>
            buffers.filter((output) => output !== input).map((output) => ({ input, output })),
          );
    for (const { input, output } of combos) {
      // The pipeline's own display and decoder may be handed any buffer: which one carries the
      // frame depends on the transport (a bounce copy, an import), and the reachability search
      // only counts a frame of the stream actually shown.
      const legit = device.name === pipeline.display.by || device.name === pipeline.decode?.by;
      const used = output ? [input, output] : [input];
      addStep(legit ? 'pipeline' : 'adversary', {
        call: 'VIDIOC_QBUF',
        actor: device.controller,
        args: { device: device.name, input: input.name, ...(output ? { output: output.name } : {}) },
        text: `${device.controller} queues ${input.name}${output ? ` → ${output.name}` : ''} on ${device.name}`,
        touches: () => [
          machine,
          ...used.flatMap(bufferReads),
          ...used.flatMap((b) => b.pages.flatMap((pfn) => (pkvm ? [pkvmPages[pfn]!] : []))),
          ...(device.domain !== undefined ? [device.domain] : []),
        ],
        plan: (state) => {
          if (!used.every((b) => holds(state, device.controller, b))) return undefined;
          const attach = used.flatMap((b) => {
            if (b.dmaBuf === undefined) return [];
            const c = part<DmaBufContext>(state, b.dmaBuf).context;
            const existing = c.attachments.find((a) => a.device === device.name);
            return [
              ...(existing
                ? []
                : [
                    {
                      component: b.dmaBuf,
                      event: { type: 'DMA_BUF_ATTACH', party: device.controller, device: device.name },
                    },
                  ]),
              ...(existing?.direction
                ? []
                : [
                    {
                      component: b.dmaBuf,
                      event: {
                        type: 'DMA_BUF_MAP_ATTACHMENT',
                        device: device.name,
                        direction: b === output ? 'DMA_FROM_DEVICE' : 'DMA_TO_DEVICE',
                      },
                    },
                  ]),
            ];
          });
          return [
            ...attach,
            {
              component: machine,
              event: {
                type: 'VIDIOC_QBUF',
                input: { buffer: input.name, protected: input.protected },
                ...(output ? { output: { buffer: output.name, protected: output.protected } } : {}),
              },
            },
          ];
        },
      });
    }
    addStep('pipeline', {
      call: 'VIDIOC_STREAMON',
      actor: device.controller,
      args: { device: device.name },
      text: `${device.controller} starts ${device.name}`,
      touches: [machine],
      plan: () => [{ component: machine, event: { type: 'VIDIOC_STREAMON' } }],
    });
    const runTouches = () => [
      machine,
      ...buffers.flatMap((b) => b.pages.flatMap((pfn) => [contents[pfn]!, ...accessReads(pfn)])),
    ];
    addStep('pipeline', {
      call: device.role === 'display' ? 'SCANOUT' : 'DEVICE_RUN',
      actor: device.name,
      args: { device: device.name },
      text:
        device.role === 'display' ? `${device.name} scans out its framebuffer` : `${device.name} runs a job`,
      touches: runTouches,
      plan: (state) => {
        const c = part<MediaDeviceContext>(state, machine);
        if (c.value !== 'running' || !c.context.input) return undefined;
        const input = bufferByName.get(c.context.input.buffer)!;
        if (!input.pages.every((pfn) => canDevice(state, device.name, pfn, 'read'))) return undefined;
        const inputLabel = label(state, input.pages);
        if (device.role === 'display')
          return [{ component: machine, event: { type: 'SCANOUT', label: inputLabel } }];
        const output = c.context.output ? bufferByName.get(c.context.output.buffer) : undefined;
        if (output && !output.pages.every((pfn) => canDevice(state, device.name, pfn, 'write')))
          return undefined;
        return [{ component: machine, event: { type: 'DEVICE_RUN', inputLabel } }];
      },
    });
    addStep('adversary', {
      call: 'VIDIOC_STREAMOFF',
      actor: device.controller,
      args: { device: device.name },
      text: `${device.controller} stops ${device.name}`,
      touches: [machine],
      plan: () => [{ component: machine, event: { type: 'VIDIOC_STREAMOFF' } }],
    });
  }

  /* ---------------------------------------------------------------------------------------- */
  /* Dynamic protected pools lent to the secure world over FF-A                                */
  /* ---------------------------------------------------------------------------------------- */
  for (const heap of topology.heaps.filter((h) => h.kind === 'protectedDynamic')) {
    const pool = heapPool.get(heap.name)!;
    const pages = layout.regionPages.get(heap.region)!;
    // OP-TEE retrieves the lent handle (`OPTEE_FFA_LEND_PROTMEM`); the lend completes and the
    // allocation that triggered it gets its buffer.
    addStep('pipeline', {
      call: 'FFA_MEM_RETRIEVE_REQ',
      actor: 'secure',
      args: { heap: heap.name },
      text: `the secure world retrieves the ${heap.name} pool, completing the pending allocation`,
      touches: () => [pool, ...ffaSlots, ...poolBuffers(heap.name)],
      plan: (state) => {
        const slot = slotCovering(state, pages[0]!);
        const snap = part<{ pendingAlloc: readonly number[] }>(state, pool);
        if (slot === undefined || snap.value !== 'registered.lending') return undefined;
        const pending = buffers.find(
          (b) =>
            b.dmaBuf !== undefined &&
            b.pages.length > 0 &&
            b.pages.every((pfn) => snap.context.pendingAlloc.includes(pfn)),
        );
        return [
          {
            component: slot,
            event: {
              type: 'FFA_MEM_RETRIEVE_REQ',
              caller: 'secure',
              sender: 'host',
              transactionType: 'FFA_MEM_LEND',
              flags: 0,
              access: 'RW',
              requestValid: true,
            },
          },
          { component: pool, event: { type: 'LEND_PROTMEM', ok: true, rollbackReclaimOk: true } },
          ...(pending
            ? [
                {
                  component: pending.dmaBuf!,
                  event: {
                    type: 'DMA_HEAP_IOCTL_ALLOC',
                    party: pending.allocatedBy,
                    pages: pending.pages,
                    argsValid: true,
                  },
                },
              ]
            : []),
        ];
      },
    });
    // The pool's refcount drops to zero: OP-TEE releases it, the host reclaims it.
    for (const ok of [true, false]) {
      addStep(ok ? 'adversary' : 'environment', {
        call: 'FFA_MEM_RECLAIM',
        actor: 'host',
        args: { heap: heap.name, outcome: ok ? 'ok' : 'fails' },
        text: ok
          ? `the secure world relinquishes the ${heap.name} pool and the host reclaims it`
          : `reclaiming the ${heap.name} pool fails (the secure world keeps it)`,
        touches: [
          pool,
          ...ffaSlots,
          ...(proxy !== undefined ? [proxy] : []),
          ...pages.flatMap((pfn) => (pkvm ? [pkvmPages[pfn]!] : [])),
          ...pages.map((pfn) => contents[pfn]!),
        ],
        plan: (state) => {
          // `release_dyn_protmem()`: the last buffer is gone and the pool asked for its reclaim.
          if (part(state, pool).value !== 'registered.reclaiming') return undefined;
          const slot = slotCovering(state, pages[0]!);
          if (slot === undefined) return undefined;
          if (!ok) return [{ component: pool, event: { type: 'RECLAIM_PROTMEM', ok: false } }];
          const handle = ffaSlots.indexOf(slot);
          return [
            {
              component: slot,
              event: {
                type: 'FFA_MEM_RELINQUISH',
                caller: 'secure',
                endpoint: 'secure',
                // OP-TEE relinquishes with FFA_MEMORY_REGION_FLAG_CLEAR when the heap scrubs,
                // so the SPMC zeroes the pages before the host gets them back.
                flags: heap.scrub !== 'none' ? 0x1 : 0,
                requestValid: true,
              },
            },
            ...(proxy !== undefined
              ? [{ component: proxy, event: { type: 'FFA_MEM_RECLAIM', handle, flags: 0, pages } }]
              : []),
            { component: slot, event: { type: 'FFA_MEM_RECLAIM', caller: 'host', flags: 0 } },
            { component: pool, event: { type: 'RECLAIM_PROTMEM', ok: true } },
          ];
        },
      });
    }
  }

  /* ---------------------------------------------------------------------------------------- */
  /* virtio: UUID exports through the VMM's table, back-ends, virtio-gpu imports, bounce        */
  /* ---------------------------------------------------------------------------------------- */
  const entryMachine = withFlaws(
    topology.virtio.sharedObjects.accessControl
      ? sharedObjectEntryWithAccessControlMachine
      : sharedObjectEntryMachine,
    'sharedObjectEntry',
    flaws,
  );
  for (const backend of topology.virtio.backends) {
    const component = builder.addComponent({
      id: `backend:${backend.name}`,
      kind: 'vhostBackend',
      label: `vhost-user back-end ${backend.name}`,
      machine: vhostBackendMachine,
      input: { backend: backend.name },
      refusals: vhostBackendRefusals,
    });
    backends.push({ component, name: backend.name });
    secureBoot.push({
      actor: 'vmm',
      call: 'vhost_user_backend_init()',
      subject: `back-end ${backend.name}`,
      text: `the VMM connects vhost-user back-end ${backend.name} with the shared-object protocol feature`,
      deliveries: [
        {
          component,
          event: {
            type: 'VHOST_USER_SET_PROTOCOL_FEATURES',
            backendReq: true,
            replyAck: true,
            sharedObject: true,
          },
        },
      ],
    });
  }
  topology.virtio.exports.forEach((exp, index) => {
    const buffer = bufferByName.get(exp.buffer)!;
    const entry = builder.addComponent({
      id: `uuid:${exp.buffer}`,
      kind: 'sharedObjectEntry',
      label: `shared-object entry for ${exp.buffer}`,
      machine: entryMachine,
      input: { uuid: `uuid-${exp.buffer}` },
      refusals: sharedObjectEntryRefusals,
    });
    sharedObjects.push({ component: entry, buffer: exp.buffer, exporter: exp.by, allowed: exp.allow });
    if (exp.via === 'vhostUser') {
      // A vhost-user back-end exports a buffer it holds: VHOST_USER_BACKEND_SHARED_OBJECT_ADD
      // registers it as a TYPE_VHOST_DEV entry the back-end owns.
      const backend = backends.find((b) => b.name === exp.by)!;
      addStep('pipeline', {
        call: 'SHARED_OBJECT_ADD',
        actor: exp.by,
        args: { buffer: exp.buffer, backend: exp.by },
        text: `back-end ${exp.by} exports buffer ${exp.buffer} with a UUID (SHARED_OBJECT_ADD)`,
        touches: () => [entry, backend.component, ...bufferReads(buffer)],
        plan: (state) =>
          holds(state, exp.by, buffer) && part(state, backend.component).value === 'connected'
            ? [
                { component: backend.component, event: { type: 'BACKEND_SHARED_OBJECT_ADD' } },
                {
                  component: entry,
                  event: { type: 'SHARED_OBJECT_ADD', backend: exp.by, allowed: exp.allow },
                },
              ]
            : undefined,
      });
    } else {
      const exporter = builder.addComponent({
        id: `export:${exp.buffer}`,
        kind: 'virtioDmabufExport',
        label: `virtio-gpu export of ${exp.buffer}`,
        machine: virtioDmabufExportMachine,
        input: { resource: index + 1, blob: false, useCrossDevice: false, hasResourceAssignUuid: true },
        refusals: virtioDmabufExportRefusals,
      });
      exportOf.set(exp.buffer, exporter);
      const guestIndex = guests.findIndex((vm) => vm.name === exp.by);
      const sharesBacking =
        guestIndex >= 0 && guests[guestIndex]!.protected && pkvm !== undefined && exp.shareBacking;
      // The guest exports the buffer (DRM_IOCTL_PRIME_HANDLE_TO_FD); QEMU's virtio-gpu assigns
      // the UUID and registers the resource's dma-buf in the shared-object table. A protected
      // guest first shares the resource's backing pages with the host so the device can reach
      // them, unless the design passes addresses only.
      addStep('pipeline', {
        call: 'GEM_PRIME_EXPORT',
        actor: exp.by,
        args: { buffer: exp.buffer },
        text: `${exp.by} exports buffer ${exp.buffer} over virtio-gpu with a UUID${sharesBacking ? ' (sharing its backing pages with the host)' : ''}`,
        touches: [
          exporter,
          entry,
          ...runsReads(exp.by),
          ...(sharesBacking ? buffer.pages.map((pfn) => pkvmPages[pfn]!) : []),
        ],
        plan: (state) => {
          if (part(state, exporter).value !== 'INITIALIZING' || !runs(state, exp.by)) return undefined;
          const facts = sharesBacking ? (guestFacts!(state, guestIndex) as object) : undefined;
          return [
            ...(sharesBacking
              ? buffer.pages.map((pfn) => ({
                  component: pkvmPages[pfn]!,
                  event: { ...facts, vcpuLoaded: true, type: 'GUEST_SHARE_HOST' },
                }))
              : []),
            { component: exporter, event: { type: 'GEM_PRIME_EXPORT' } },
            {
              component: exporter,
              event: {
                type: 'RESOURCE_UUID_CB',
                response: 'VIRTIO_GPU_RESP_OK_RESOURCE_UUID',
                uuid: `uuid-${exp.buffer}`,
              },
            },
            {
              component: entry,
              event: { type: 'VIRTIO_ADD_DMABUF', device: 'virtio-gpu', fdValid: true, allowed: exp.allow },
            },
          ];
        },
      });
    }
    for (const backend of backends) {
      addStep(exp.allow.includes(backend.name) ? 'pipeline' : 'adversary', {
        call: 'SHARED_OBJECT_LOOKUP',
        actor: backend.name,
        args: { buffer: exp.buffer, backend: backend.name },
        text: `back-end ${backend.name} looks up the UUID of ${exp.buffer}`,
        touches: [entry, backend.component],
        plan: (state) =>
          part(state, backend.component).value === 'connected'
            ? [
                { component: backend.component, event: { type: 'BACKEND_SHARED_OBJECT_LOOKUP' } },
                {
                  component: entry,
                  event: { type: 'SHARED_OBJECT_LOOKUP', backend: backend.name, ownerReply: 'fd' },
                },
              ]
            : undefined,
      });
      addStep('adversary', {
        call: 'SHARED_OBJECT_REMOVE',
        actor: backend.name,
        args: { buffer: exp.buffer, backend: backend.name },
        text: `back-end ${backend.name} removes the UUID of ${exp.buffer}`,
        touches: [entry, backend.component],
        plan: (state) =>
          part(state, backend.component).value === 'connected'
            ? [
                { component: backend.component, event: { type: 'BACKEND_SHARED_OBJECT_REMOVE' } },
                { component: entry, event: { type: 'SHARED_OBJECT_REMOVE', backend: backend.name } },
              ]
            : undefined,
      });
    }
  });
  for (const backend of backends) {
    addStep('environment', {
      call: 'CHR_EVENT_CLOSED',
      actor: backend.name,
      args: { backend: backend.name },
      text: `back-end ${backend.name} crashes (its socket closes)`,
      touches: [backend.component, ...sharedObjects.map((s) => s.component)],
      plan: () => [{ component: backend.component, event: { type: 'CHR_EVENT_CLOSED' } }],
    });
  }
  builder.onEmit(
    'vhostBackend',
    'VHOST_DEV_CLEANUP',
    (_from, event) =>
      sharedObjects.map((s) => ({
        component: s.component,
        event: { type: 'VHOST_DEV_CLEANUP', backend: (event as unknown as { backend: string }).backend },
        optional: true,
      })),
    () => sharedObjects.map((s) => s.component),
  );
  // A destroyed guest's virtio-gpu resources go with it: QEMU removes their UUIDs.
  builder.onEmit(
    'guestVm',
    'VM_DESTROYED',
    (from) => {
      const name = guests[guestComponents.indexOf(from)]?.name;
      return sharedObjects
        .filter((entry) => entry.exporter === name)
        .map((entry) => ({
          component: entry.component,
          event: { type: 'VIRTIO_REMOVE_RESOURCE' },
          optional: true,
        }));
    },
    (from) => {
      const name = guests[guestComponents.indexOf(from)]?.name;
      return sharedObjects.filter((entry) => entry.exporter === name).map((entry) => entry.component);
    },
  );
  topology.virtio.imports.forEach((imp, index) => {
    const buffer = bufferByName.get(imp.buffer)!;
    const component = builder.addComponent({
      id: `import:${imp.buffer}:${imp.into}`,
      kind: 'virtioGpuImport',
      label: `virtio-gpu import of ${imp.buffer} into ${imp.into}`,
      machine: withFlaws(
        topology.virtio.importChecksProtection
          ? virtioGpuImportRefusesProtectedMachine
          : virtioGpuImportMachine,
        'virtioGpuImport',
        flaws,
      ),
      input: { guest: imp.into, resource: 100 + index, hasResourceBlob: true },
      refusals: virtioGpuImportRefusals,
    });
    imports.push({ component, guest: imp.into });
    importMachines.set(imp.buffer, [...importsOf(imp.buffer), component]);
    addStep('adversary', {
      call: 'GEM_FREE_OBJECT',
      actor: imp.into,
      args: { buffer: imp.buffer, into: imp.into },
      text: `${imp.into} frees its virtio-gpu import of ${imp.buffer}`,
      touches: [component],
      plan: (state) =>
        part(state, component).value === 'unattached'
          ? undefined
          : [{ component, event: { type: 'GEM_FREE_OBJECT' } }],
    });
    // virtgpu_gem_prime_import(): attach, pin, wait, map, RESOURCE_CREATE_BLOB, one ioctl.
    addStep('pipeline', {
      call: 'GEM_PRIME_IMPORT',
      actor: imp.into,
      args: { buffer: imp.buffer, into: imp.into },
      text: `${imp.into} imports buffer ${imp.buffer} into virtio-gpu (a guest blob for the VMM)`,
      touches: [component, ...bufferReads(buffer)],
      plan: (state) => {
        if (
          !holds(state, imp.into, buffer) &&
          !(buffer.dmaBuf !== undefined && part(state, buffer.dmaBuf).value === 'exported')
        ) {
          return undefined;
        }
        return [
          {
            component,
            event: {
              type: 'GEM_PRIME_IMPORT',
              pages: buffer.pages,
              bufferProtected: buffer.protected,
              exportedBySameDevice: false,
              exporterAcceptsAttach: true,
            },
          },
          { component, event: { type: 'DMA_BUF_PIN' } },
          { component, event: { type: 'DMA_RESV_WAIT_TIMEOUT', kernelFencesSignalled: true } },
          { component, event: { type: 'DMA_BUF_MAP_ATTACHMENT', exporterMapSucceeds: true } },
          { component, event: { type: 'VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB' } },
        ];
      },
    });
  });
  topology.virtio.bounce.forEach((bounce) => {
    const source = bufferByName.get(bounce.buffer)!;
    const poolPages = layout.regionPages.get(bounce.pool)!;
    source.pages.forEach((origPage, i) => {
      const bouncePage = poolPages[i % poolPages.length]!;
      const slot = builder.addComponent({
        id: `swiotlb:${bounce.vm}:${i}`,
        kind: 'swiotlbBounce',
        label: `swiotlb slot ${i} of ${bounce.vm}`,
        machine: swiotlbBounceMachine,
        input: { bouncePage },
        refusals: swiotlbBounceRefusals,
      });
      // The guest's virtio driver maps its buffer for the device: swiotlb copies it into a
      // bounce page it shared with the host at boot (set_memory_decrypted → MEM_SHARE).
      addStep('pipeline', {
        call: 'SWIOTLB_TBL_MAP_SINGLE',
        actor: bounce.vm,
        args: { buffer: bounce.buffer, page: i },
        text: `${bounce.vm} maps ${source.name} for a virtio device: swiotlb bounces page ${i} into ${poolPages[i % poolPages.length] !== undefined ? layout.pages[bouncePage]!.label : ''}`,
        touches: () => [
          slot,
          contents[origPage]!,
          contents[bouncePage]!,
          ...(pkvm ? [pkvmPages[bouncePage]!] : []),
          ...accessReads(origPage),
          ...accessReads(bouncePage),
        ],
        plan: (state) => {
          // The guest's CPU copies the page: it must still reach both (a force-reclaimed page is gone).
          if (!canCpu(state, bounce.vm, origPage, 'read') || !canCpu(state, bounce.vm, bouncePage, 'write'))
            return undefined;
          const shared = pkvm ? part(state, pkvmPages[bouncePage]!).value === 'SHARED_BORROWED' : true;
          return [
            {
              component: slot,
              event: {
                type: 'SWIOTLB_TBL_MAP_SINGLE',
                origPage,
                dir: 'DMA_TO_DEVICE',
                bouncePageSharedWithHost: shared,
              },
            },
          ];
        },
      });
      addStep('pipeline', {
        call: 'SWIOTLB_TBL_UNMAP_SINGLE',
        actor: bounce.vm,
        args: { buffer: bounce.buffer, page: i },
        text: `${bounce.vm} unmaps ${source.name} page ${i} from swiotlb`,
        touches: [slot, contents[origPage]!, contents[bouncePage]!],
        plan: () => [{ component: slot, event: { type: 'SWIOTLB_TBL_UNMAP_SINGLE' } }],
      });
    });
    // The virtio back-end in the VMM reads the bounced data and copies it into its own buffer.
    if (bounce.deliverTo) {
      const target = bufferByName.get(bounce.deliverTo)!;
      const bouncePages = source.pages.map((_, i) => poolPages[i % poolPages.length]!);
      addStep('pipeline', {
        call: 'VIRTQUEUE_POP',
        actor: 'vmm',
        args: { buffer: bounce.buffer, into: target.name },
        text: `the VMM copies the bounced ${source.name} out of ${bouncePages.map((pfn) => layout.pages[pfn]!.label).join(', ')} into ${target.name}`,
        touches: () => [
          ...bufferReads(target),
          ...bouncePages.flatMap((pfn) => [contents[pfn]!, ...accessReads(pfn)]),
          ...target.pages.flatMap((pfn) => [contents[pfn]!, ...accessReads(pfn)]),
        ],
        plan: (state) => {
          if (!holds(state, 'vmm', target) && !holds(state, 'host', target)) return undefined;
          if (!bouncePages.every((pfn) => access(state, pfn, 'read').some((p) => p.party === 'host')))
            return undefined;
          if (!target.pages.every((pfn) => access(state, pfn, 'write').some((p) => p.party === 'host')))
            return undefined;
          const copied = label(state, bouncePages);
          return target.pages.map((pfn) => ({
            component: contents[pfn]!,
            event: { type: 'COPY_FROM', source: copied },
            optional: true,
          }));
        },
      });
    }
  });

  /* ---------------------------------------------------------------------------------------- */
  /* Guest buffers lent to the secure world over FF-A ([A] pVM FF-A through the pKVM proxy)     */
  /* ---------------------------------------------------------------------------------------- */
  for (const lend of topology.ffaLends) {
    const buffer = bufferByName.get(lend.buffer)!;
    const vm = guests.findIndex((g) => g.name === lend.by);
    if (vm < 0 || !pkvm || ffaSlots.length === 0) continue;
    const guestTouches = [...buffer.pages.map((pfn) => pkvmPages[pfn]!), guestComponents[vm]!, ...ffaSlots];
    const coveringSlot = (state: WorldState) => slotCovering(state, buffer.pages[0]!);
    addStep('pipeline', {
      call: 'FFA_MEM_LEND',
      actor: lend.by,
      args: { buffer: buffer.name, by: lend.by },
      text: `${lend.by} lends buffer ${buffer.name} to the secure world over FF-A`,
      touches: guestTouches,
      plan: (state) => {
        if (!runs(state, lend.by)) return undefined;
        const facts = guestFacts!(state, vm) as object;
        const slot = freeSlot(state);
        if (slot === undefined) return undefined;
        return [
          ...buffer.pages.map((pfn) => ({
            component: pkvmPages[pfn]!,
            event: { ...(facts as object), vcpuLoaded: true, type: 'GUEST_SHARE_FFA' },
          })),
          {
            component: slot,
            event: {
              type: 'FFA_MEM_LEND',
              caller: lend.by,
              sender: lend.by,
              senderSecure: false,
              receivers: [{ id: 'secure', access: 'RW', secure: true }],
              pages: buffer.pages,
              flags: 0,
              fragments: 1,
              descriptorValid: true,
              senderExclusiveOwner: buffer.pages.every((pfn) => slotCovering(state, pfn) === undefined),
              senderWritable: true,
            },
          },
        ];
      },
    });
    addStep('pipeline', {
      call: 'FFA_MEM_RETRIEVE_REQ',
      actor: 'secure',
      args: { buffer: buffer.name },
      text: `the secure world retrieves buffer ${buffer.name} lent by ${lend.by}`,
      touches: ffaSlots,
      plan: (state) => {
        const slot = coveringSlot(state);
        return slot === undefined
          ? undefined
          : [
              {
                component: slot,
                event: {
                  type: 'FFA_MEM_RETRIEVE_REQ',
                  caller: 'secure',
                  sender: lend.by,
                  transactionType: 'FFA_MEM_LEND',
                  flags: 0,
                  access: 'RW',
                  requestValid: true,
                },
              },
            ];
      },
    });
    addStep('adversary', {
      call: 'FFA_MEM_RECLAIM',
      actor: lend.by,
      args: { buffer: buffer.name, by: lend.by },
      text: `the secure world relinquishes buffer ${buffer.name} and ${lend.by} reclaims it`,
      touches: () => [...guestTouches, ...mediaMachines],
      plan: (state) => {
        const slot = coveringSlot(state);
        if (slot === undefined) return undefined;
        if (devices.some((d) => d.machine !== undefined && queues(state, d.machine, buffer.name)))
          return undefined;
        const facts = guestFacts!(state, vm) as object;
        const retrieved = part<FfaTransactionContext>(state, slot).context.retrievedFragmentCount.some(
          (n) => n > 0,
        );
        return [
          ...(retrieved
            ? [
                {
                  component: slot,
                  event: {
                    type: 'FFA_MEM_RELINQUISH',
                    caller: 'secure',
                    endpoint: 'secure',
                    flags: 0,
                    requestValid: true,
                  },
                },
              ]
            : []),
          { component: slot, event: { type: 'FFA_MEM_RECLAIM', caller: lend.by, flags: 0 } },
          ...buffer.pages.map((pfn) => ({
            component: pkvmPages[pfn]!,
            event: { ...facts, vcpuLoaded: true, type: 'GUEST_UNSHARE_FFA' },
          })),
        ];
      },
    });
  }
  builder.onEmit(
    'swiotlbBounce',
    'PAGE_CONTENT_COPIED',
    (_from, event, state) => {
      const e = event as unknown as { from: number; to: number };
      return [
        {
          component: contents[e.to]!,
          event: { type: 'COPY_FROM', source: part<ContentLabel>(state, contents[e.from]!).context },
          optional: true,
        },
      ];
    },
    () => contents,
  );

  /* ---------------------------------------------------------------------------------------- */
  /* Build and boot                                                                             */
  /* ---------------------------------------------------------------------------------------- */
  const world = builder.build({
    guestNames: guests.map((vm) => vm.name),
    guestProtected: guests.map((vm) => vm.protected),
    kernel: pkvm?.kernel ?? 'upstream',
  });
  planningModel = model();

  // Boot: VMs get their memory, firmware programs its regions, the secure world comes up.
  const guestBoot: BootStep[] = [];
  guests.forEach((vm, index) => {
    const component = guestComponents[index]!;
    const facts = { vm: index, vmProtected: vm.protected, vcpuLoaded: true, vmDying: false };
    guestBoot.push(
      {
        actor: 'host',
        call: '__pkvm_init_vcpu()',
        subject: `guest ${vm.name}`,
        text: `host initialises a vCPU of guest ${vm.name}`,
        deliveries: [{ component, event: { type: 'INIT_VCPU' } }],
      },
      {
        actor: 'host',
        call: 'pkvm_load_hyp_vcpu()',
        subject: `guest ${vm.name}`,
        text: `host loads a vCPU of guest ${vm.name}`,
        deliveries: [{ component, event: { type: 'VCPU_LOAD' } }],
      },
    );
    for (const region of topology.memory.filter((r) => r.owner === vm.name)) {
      for (const pfn of layout.regionPages.get(region.name)!) {
        const page = layout.pages[pfn]!.label;
        guestBoot.push(
          vm.protected
            ? {
                actor: 'host',
                call: '__pkvm_host_donate_guest()',
                subject: `page ${page}`,
                text: `host donates page ${page} to guest ${vm.name}`,
                deliveries: [{ component: pkvmPages[pfn]!, event: { ...facts, type: 'HOST_DONATE_GUEST' } }],
              }
            : {
                actor: 'host',
                call: '__pkvm_host_share_guest()',
                subject: `page ${page}`,
                text: `host shares page ${page} with guest ${vm.name}`,
                deliveries: [{ component: pkvmPages[pfn]!, event: { ...facts, type: 'HOST_SHARE_GUEST' } }],
              },
        );
        if (region.sharedWithHost && vm.protected) {
          guestBoot.push({
            actor: `guest ${vm.name}`,
            call: '__pkvm_guest_share_host()',
            subject: `page ${page}`,
            text: `guest ${vm.name} shares page ${page} with the host (MEM_SHARE)`,
            deliveries: [{ component: pkvmPages[pfn]!, event: { ...facts, type: 'GUEST_SHARE_HOST' } }],
          });
        }
      }
    }
    guestBoot.push({
      actor: 'host',
      call: 'pkvm_put_hyp_vcpu()',
      subject: `guest ${vm.name}`,
      text: `host puts the vCPU of guest ${vm.name}`,
      deliveries: [{ component, event: { type: 'VCPU_PUT' } }],
    });
  });
  const bootSteps = [...guestBoot, ...tzascBoot, ...domainBoot, ...secureBoot, ...poolBoot];
  const booted = bootWorld(world, bootSteps);

  const displayDevice = deviceByName.get(pipeline.display.by);
  const displayed = (state: WorldState): boolean => {
    if (displayDevice?.machine === undefined) return false;
    const frame = part<MediaDeviceContext>(state, displayDevice.machine).context.lastFrame;
    return frame?.plaintext.includes(stream) === true;
  };

  return {
    world,
    model: planningModel,
    layout,
    displayed,
    boot: booted.unbootable ? bootSteps.slice(0, booted.unbootable.index + 1) : bootSteps,
    ...(booted.unbootable ? { unbootable: booted.unbootable } : {}),
  };
}

/**
 * Runs the boot steps in order from the world's initial state and makes the state reached the
 * initial state of exploration; stops at the first step a machine refuses.
 */
function bootWorld(world: World, steps: readonly BootStep[]): { unbootable?: BootFailure } {
  let state = world.initial;
  for (const [index, step] of steps.entries()) {
    const outcome = world.deliver(state, step.deliveries);
    if ('refused' in outcome) {
      const { component, code, failedGuard } = outcome.refused;
      const possessive = step.actor.startsWith('guest ')
        ? `${step.actor}'s`
        : `the ${step.actor === 'vmm' ? 'VMM' : step.actor}'s`;
      return {
        unbootable: {
          index,
          step,
          component: component.label,
          code,
          ...(failedGuard ? { failedGuard } : {}),
          message: `${possessive} ${step.call} refuses ${step.subject} (${formatCode(code)})`,
        },
      };
    }
    state = outcome.state;
  }
  world.initial = state;
  return {};
}

/** An error code as its source prints it: errno names negated (`-EPERM`), others as they are. */
export function formatCode(code: ErrorCode): string {
  return /^E[A-Z0-9]+$/.test(code) ? `-${code}` : code;
}

function describeNsaids(tzasc: { nsRead: readonly string[]; nsWrite: readonly string[] }): string {
  const read = tzasc.nsRead.length ? `non-secure read by ${tzasc.nsRead.join(', ')}` : 'no non-secure read';
  const write = tzasc.nsWrite.length ? `write by ${tzasc.nsWrite.join(', ')}` : 'no non-secure write';
  return `${read}; ${write}`;
}

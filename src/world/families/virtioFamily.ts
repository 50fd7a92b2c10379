/**
 * The virtio family: QEMU's shared-object table (one entry machine per exported buffer's UUID),
 * the vhost-user back-ends that look UUIDs up, the virtio-gpu objects that export a guest's
 * buffer with a UUID, the virtio-gpu imports that hand a foreign dma-buf's pages to the VMM as a
 * guest blob, and the swiotlb bounce slots of a protected guest's virtio data path.
 */
import {
  sharedObjectEntryMachine,
  sharedObjectEntryRefusals,
  sharedObjectEntryWithAccessControlMachine,
} from '../../../machines/sharedObjectEntryMachine.ts';
import { swiotlbBounceMachine, swiotlbBounceRefusals } from '../../../machines/swiotlbBounceMachine.ts';
import { vhostBackendMachine, vhostBackendRefusals } from '../../../machines/vhostBackendMachine.ts';
import {
  virtioDmabufExportMachine,
  virtioDmabufExportRefusals,
} from '../../../machines/virtioDmabufExportMachine.ts';
import {
  importIsUnattached,
  virtioGpuImportMachine,
  virtioGpuImportRefusals,
  virtioGpuImportRefusesProtectedMachine,
} from '../../../machines/virtioGpuImportMachine.ts';
import type { Topology } from '../../topology/schema.ts';
import type { BootStep } from '../boot.ts';
import { type Component, send, snapshotOf, type WorldBuilder } from '../builder.ts';
import { withFlaws } from '../flawSwitches.ts';
import type { Layout } from '../layout.ts';
import type { WorldState } from '../world.ts';
import type { PageContentFamily } from './pageContentFamily.ts';
import type { PkvmFamily } from './pkvmFamily.ts';

export type Entry = Component<typeof sharedObjectEntryMachine>;
export type Backend = Component<typeof vhostBackendMachine>;
export type Export = Component<typeof virtioDmabufExportMachine>;
export type Import = Component<typeof virtioGpuImportMachine>;
export type BounceSlot = Component<typeof swiotlbBounceMachine>;
/** A swiotlb slot and the pool page it bounces through. */
export interface SwiotlbSlot {
  readonly component: BounceSlot;
  readonly bouncePage: number;
}

type ExportSpec = Topology['virtio']['exports'][number];
type ImportSpec = Topology['virtio']['imports'][number];
type BounceSpec = Topology['virtio']['bounce'][number];

export interface VirtioFamily {
  readonly backends: readonly {
    readonly component: Backend;
    readonly name: string;
    readonly servesVm: string;
  }[];
  /** One table entry per export, with the owner and allow-list the design intends. */
  readonly entries: readonly {
    readonly component: Entry;
    readonly spec: ExportSpec;
    readonly buffer: string;
    readonly exporter: string;
    readonly allowed: readonly string[];
    /** The virtio-gpu object that exports it (not for a back-end's own export). */
    readonly gpuExport?: Export;
    /** Its virtio-gpu resource id. */
    readonly resource: number;
  }[];
  readonly imports: readonly {
    readonly component: Import;
    readonly spec: ImportSpec;
    readonly guest: string;
  }[];
  /**
   * Per bounce of the design: the bounced buffer's pages and its pool's slots, one per pool
   * page (every bounce through one pool shares its slots).
   */
  readonly bounces: readonly {
    readonly spec: BounceSpec;
    readonly origPages: readonly number[];
    readonly slots: readonly SwiotlbSlot[];
  }[];
  readonly boot: readonly BootStep[];
  /** The virtio-gpu export of a buffer, if it is exported that way. */
  exportOf(buffer: string): Export | undefined;
  /** The table entries naming a buffer. */
  entriesOf(buffer: string): readonly Entry[];
  /** The imports of a buffer. */
  importsOf(buffer: string): readonly Import[];
  /** True iff an import of the buffer holds it (attached, pinned, mapped or handed to the VMM). */
  imported(state: WorldState, buffer: string): boolean;
  /** True iff a back-end the table handed the buffer's fd to serves `vm`. */
  handedToVm(state: WorldState, buffer: string, vm: string): boolean;
}

export function addVirtioFamily(
  builder: WorldBuilder,
  topology: Topology,
  layout: Layout,
  content: PageContentFamily,
  pkvm: PkvmFamily | undefined,
): VirtioFamily {
  const boot: BootStep[] = [];
  const backends = addBackends(builder, topology, boot);
  const entries = addEntries(builder, topology);
  const imports = addImports(builder, topology);
  const bounces = addBounceSlots(builder, topology, layout, content);

  const entryComponents = entries.map((entry) => entry.component);
  for (const backend of backends) {
    // A dead or unplugged back-end's objects leave the table (`vhost_dev_cleanup()`).
    builder.onEmit(backend.component, 'VHOST_DEV_CLEANUP', entryComponents, (event) =>
      entryComponents.map((entry) =>
        send(entry, { type: 'VHOST_DEV_CLEANUP', backend: event.backend }, { optional: true }),
      ),
    );
  }
  if (pkvm) {
    topology.vms.forEach((vm, index) => {
      const own = entries.filter((entry) => entry.exporter === vm.name).map((entry) => entry.component);
      // A destroyed guest's virtio-gpu resources go with it: QEMU removes their UUIDs.
      builder.onEmit(pkvm.guests[index]!, 'VM_DESTROYED', own, () =>
        own.map((entry) => send(entry, { type: 'VIRTIO_REMOVE_RESOURCE' }, { optional: true })),
      );
    });
  }

  const servesVm = new Map(backends.map((b) => [b.name, b.servesVm]));
  const entriesOf = (buffer: string) => entries.filter((e) => e.buffer === buffer).map((e) => e.component);
  const importsOf = (buffer: string) =>
    imports.filter((i) => i.spec.buffer === buffer).map((i) => i.component);
  return {
    backends,
    entries,
    imports,
    bounces,
    boot,
    exportOf: (buffer) => entries.find((e) => e.buffer === buffer)?.gpuExport,
    entriesOf,
    importsOf,
    imported: (state, buffer) => importsOf(buffer).some((i) => !importIsUnattached(snapshotOf(state, i))),
    handedToVm: (state, buffer, vm) =>
      entriesOf(buffer).some((entry) =>
        snapshotOf(state, entry).context.handedTo.some((backend) => servesVm.get(backend) === vm),
      ),
  };
}

/** The vhost-user back-ends, each connected at boot with the shared-object protocol feature. */
function addBackends(builder: WorldBuilder, topology: Topology, boot: BootStep[]): VirtioFamily['backends'] {
  return topology.virtio.backends.map((backend) => {
    const component = builder.addComponent({
      id: `backend:${backend.name}`,
      kind: 'vhostBackend',
      label: `vhost-user back-end ${backend.name}`,
      machine: vhostBackendMachine,
      input: { backend: backend.name },
      refusals: vhostBackendRefusals,
    });
    boot.push({
      actor: 'vmm',
      call: 'vhost_user_backend_init()',
      subject: `back-end ${backend.name}`,
      text: `the VMM connects vhost-user back-end ${backend.name} with the shared-object protocol feature`,
      deliveries: [
        send(component, {
          type: 'VHOST_USER_SET_PROTOCOL_FEATURES',
          backendReq: true,
          replyAck: true,
          sharedObject: true,
        }),
      ],
    });
    return { component, name: backend.name, servesVm: backend.servesVm };
  });
}

/** One table entry per export, and the virtio-gpu object of each export a guest makes. */
function addEntries(builder: WorldBuilder, topology: Topology): VirtioFamily['entries'] {
  const entryMachine = withFlaws(
    topology.virtio.sharedObjects.accessControl
      ? sharedObjectEntryWithAccessControlMachine
      : sharedObjectEntryMachine,
    'sharedObjectEntry',
    topology.flaws,
  );
  return topology.virtio.exports.map((spec, index) => {
    const component = builder.addComponent({
      id: `uuid:${spec.buffer}`,
      kind: 'sharedObjectEntry',
      label: `shared-object entry for ${spec.buffer}`,
      machine: entryMachine,
      input: { uuid: `uuid-${spec.buffer}` },
      refusals: sharedObjectEntryRefusals,
    });
    const gpuExport =
      spec.via === 'vhostUser'
        ? undefined
        : builder.addComponent({
            id: `export:${spec.buffer}`,
            kind: 'virtioDmabufExport',
            label: `virtio-gpu export of ${spec.buffer}`,
            machine: virtioDmabufExportMachine,
            input: { resource: index + 1, blob: false, useCrossDevice: false, hasResourceAssignUuid: true },
            refusals: virtioDmabufExportRefusals,
          });
    return {
      component,
      spec,
      buffer: spec.buffer,
      exporter: spec.by,
      allowed: spec.allow,
      ...(gpuExport !== undefined ? { gpuExport } : {}),
      resource: index + 1,
    };
  });
}

/** One virtio-gpu import per import the design declares. */
function addImports(builder: WorldBuilder, topology: Topology): VirtioFamily['imports'] {
  const importMachine = withFlaws(
    topology.virtio.importChecksProtection ? virtioGpuImportRefusesProtectedMachine : virtioGpuImportMachine,
    'virtioGpuImport',
    topology.flaws,
  );
  return topology.virtio.imports.map((spec, index) => ({
    component: builder.addComponent({
      id: `import:${spec.buffer}:${spec.into}`,
      kind: 'virtioGpuImport',
      label: `virtio-gpu import of ${spec.buffer} into ${spec.into}`,
      machine: importMachine,
      input: { guest: spec.into, resource: 100 + index, hasResourceBlob: true },
      refusals: virtioGpuImportRefusals,
    }),
    spec,
    guest: spec.into,
  }));
}

/**
 * One swiotlb slot per page of each pool a design bounces through, and the copies
 * `swiotlb_bounce()` makes between a slot's page and whichever buffer page it holds.
 */
function addBounceSlots(
  builder: WorldBuilder,
  topology: Topology,
  layout: Layout,
  content: PageContentFamily,
): VirtioFamily['bounces'] {
  const pagesOf = (buffer: string) => layout.buffers.find((b) => b.name === buffer)!.pages;
  const pools = new Map<string, SwiotlbSlot[]>();
  for (const pool of new Set(topology.virtio.bounce.map((spec) => spec.pool))) {
    // Any buffer bounced through the pool may land in any of its slots.
    const origPages = topology.virtio.bounce
      .filter((spec) => spec.pool === pool)
      .flatMap((spec) => pagesOf(spec.buffer));
    const slots = layout.regionPages.get(pool)!.map((bouncePage, i) => {
      const component = builder.addComponent({
        id: `swiotlb:${pool}:${i}`,
        kind: 'swiotlbBounce',
        label: `swiotlb slot ${i} of ${pool}`,
        machine: swiotlbBounceMachine,
        input: { bouncePage },
        refusals: swiotlbBounceRefusals,
      });
      builder.onEmit(
        component,
        'PAGE_CONTENT_COPIED',
        [...new Set([...origPages, bouncePage])].map((pfn) => content.contents[pfn]!),
        (event, state) => content.copy([event.to], content.labelOf(state, event.from)),
      );
      return { component, bouncePage };
    });
    pools.set(pool, slots);
  }
  return topology.virtio.bounce.map((spec) => ({
    spec,
    origPages: pagesOf(spec.buffer),
    slots: pools.get(spec.pool)!,
  }));
}

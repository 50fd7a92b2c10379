/**
 * The steps of the virtio family: exporting a buffer with a UUID (by a guest over virtio-gpu,
 * or by a vhost-user back-end), looking a UUID up and removing it, a back-end dying, importing a
 * foreign dma-buf into a guest's virtio-gpu and freeing it, and a protected guest's swiotlb
 * bounce of a buffer to a device and the VMM's copy out of the bounce pages.
 */

import { bufferIsExported } from '../../../machines/dmaBufMachine.ts';
import { backendIsConnected } from '../../../machines/vhostBackendMachine.ts';
import { exportIsInitializing } from '../../../machines/virtioDmabufExportMachine.ts';
import { importIsUnattached } from '../../../machines/virtioGpuImportMachine.ts';
import type { Topology } from '../../topology/schema.ts';
import { type StepInput, send, snapshotOf } from '../builder.ts';
import type { Holdings } from '../holdings.ts';
import type { Layout } from '../layout.ts';
import type { WorldReach } from '../reach.ts';
import type { WorldState } from '../world.ts';
import type { DmaHeapFamily, HeapBuffer } from './dmaHeapFamily.ts';
import type { PageContentFamily } from './pageContentFamily.ts';
import type { PkvmFamily } from './pkvmFamily.ts';
import type { Backend, Entry, Export, Import, VirtioFamily } from './virtioFamily.ts';

export interface VirtioStepContext {
  readonly virtio: VirtioFamily;
  readonly heaps: DmaHeapFamily;
  readonly content: PageContentFamily;
  readonly pkvm?: PkvmFamily;
  readonly holdings: Holdings;
  readonly reach: WorldReach;
  readonly layout: Layout;
}

type BackendInfo = VirtioFamily['backends'][number];
type EntryInfo = VirtioFamily['entries'][number];

const connected = (state: WorldState, backend: Backend) => backendIsConnected(snapshotOf(state, backend));

/**
 * `VHOST_USER_BACKEND_SHARED_OBJECT_ADD` (QEMU `vhost_user_backend_handle_shared_object_add()`):
 * a back-end exports a buffer it holds; the table registers it as a `TYPE_VHOST_DEV` entry the
 * back-end owns.
 */
export function addSharedObject(
  context: VirtioStepContext,
  entry: EntryInfo,
  backend: BackendInfo,
  buffer: HeapBuffer,
): StepInput {
  return {
    action: 'addSharedObject',
    call: 'SHARED_OBJECT_ADD',
    actor: backend.name,
    role: 'pipeline',
    args: { buffer: buffer.name, backend: backend.name },
    text: `back-end ${backend.name} exports buffer ${buffer.name} with a UUID (SHARED_OBJECT_ADD)`,
    touches: () => [entry.component, backend.component, ...context.holdings.holdsReads(buffer)],
    plan: (state) =>
      context.holdings.holds(state, backend.name, buffer) && connected(state, backend.component)
        ? [
            send(backend.component, { type: 'BACKEND_SHARED_OBJECT_ADD' }),
            send(entry.component, {
              type: 'SHARED_OBJECT_ADD',
              backend: backend.name,
              allowed: entry.allowed,
            }),
          ]
        : undefined,
  };
}

/**
 * `DRM_IOCTL_PRIME_HANDLE_TO_FD` on a virtio-gpu object (`virtgpu_gem_prime_export()`): QEMU's
 * virtio-gpu assigns the UUID (`RESOURCE_ASSIGN_UUID`) and registers the resource's dma-buf in
 * the shared-object table (`virtio_add_dmabuf()`). A protected guest first shares the resource's
 * backing pages with the host (MEM_SHARE, `__pkvm_guest_share_host()`) so the device can reach
 * them, unless the design passes addresses only.
 */
export function exportOverVirtioGpu(
  context: VirtioStepContext,
  entry: EntryInfo & { readonly gpuExport: Export },
  buffer: HeapBuffer,
  vm: number,
  sharesBacking: boolean,
): StepInput {
  const { pkvm, holdings } = context;
  const by = entry.exporter;
  return {
    action: 'exportOverVirtioGpu',
    call: 'GEM_PRIME_EXPORT',
    actor: by,
    role: 'pipeline',
    args: { buffer: buffer.name },
    text: `${by} exports buffer ${buffer.name} over virtio-gpu with a UUID${sharesBacking ? ' (sharing its backing pages with the host)' : ''}`,
    touches: [
      entry.gpuExport,
      entry.component,
      ...holdings.runsReads(by),
      ...(sharesBacking && pkvm ? buffer.pages.map((pfn) => pkvm.pages[pfn]!) : []),
    ],
    plan: (state) => {
      if (!exportIsInitializing(snapshotOf(state, entry.gpuExport)) || !holdings.runs(state, by))
        return undefined;
      const share =
        sharesBacking && pkvm
          ? buffer.pages.map((pfn) =>
              send(pkvm.pages[pfn]!, {
                ...pkvm.guestFacts(state, vm),
                vcpuLoaded: true,
                type: 'GUEST_SHARE_HOST',
              }),
            )
          : [];
      return [
        ...share,
        send(entry.gpuExport, { type: 'GEM_PRIME_EXPORT' }),
        send(entry.gpuExport, {
          type: 'RESOURCE_UUID_CB',
          response: 'VIRTIO_GPU_RESP_OK_RESOURCE_UUID',
          uuid: `uuid-${buffer.name}`,
        }),
        send(entry.component, {
          type: 'VIRTIO_ADD_DMABUF',
          device: 'virtio-gpu',
          fdValid: true,
          allowed: entry.allowed,
        }),
      ];
    },
  };
}

/**
 * `VHOST_USER_BACKEND_SHARED_OBJECT_LOOKUP` (QEMU `vhost_user_backend_handle_shared_object_lookup()`):
 * a back-end that knows a UUID asks for its fd. Which back-ends get it is the table's access
 * control (none in QEMU today).
 */
export function lookupUuid(entry: Entry, buffer: string, backend: BackendInfo, allowed: boolean): StepInput {
  return {
    action: 'lookupUuid',
    call: 'SHARED_OBJECT_LOOKUP',
    actor: backend.name,
    role: allowed ? 'pipeline' : 'adversary',
    args: { buffer, backend: backend.name },
    text: `back-end ${backend.name} looks up the UUID of ${buffer}`,
    touches: [entry, backend.component],
    plan: (state) =>
      connected(state, backend.component)
        ? [
            send(backend.component, { type: 'BACKEND_SHARED_OBJECT_LOOKUP' }),
            send(entry, { type: 'SHARED_OBJECT_LOOKUP', backend: backend.name, ownerReply: 'fd' }),
          ]
        : undefined,
  };
}

/** `VHOST_USER_BACKEND_SHARED_OBJECT_REMOVE` (`vhost_user_backend_handle_shared_object_remove()`). */
export function removeUuid(entry: Entry, buffer: string, backend: BackendInfo): StepInput {
  return {
    action: 'removeUuid',
    call: 'SHARED_OBJECT_REMOVE',
    actor: backend.name,
    role: 'adversary',
    args: { buffer, backend: backend.name },
    text: `back-end ${backend.name} removes the UUID of ${buffer}`,
    touches: [entry, backend.component],
    plan: (state) =>
      connected(state, backend.component)
        ? [
            send(backend.component, { type: 'BACKEND_SHARED_OBJECT_REMOVE' }),
            send(entry, { type: 'SHARED_OBJECT_REMOVE', backend: backend.name }),
          ]
        : undefined,
  };
}

/** `CHR_EVENT_CLOSED` (QEMU `vhost_user_backend_event()`): the back-end crashes; its socket closes. */
export function backendDies(backend: BackendInfo, entries: readonly Entry[]): StepInput {
  return {
    action: 'backendDies',
    call: 'CHR_EVENT_CLOSED',
    actor: backend.name,
    role: 'environment',
    args: { backend: backend.name },
    text: `back-end ${backend.name} crashes (its socket closes)`,
    touches: [backend.component, ...entries],
    plan: () => [send(backend.component, { type: 'CHR_EVENT_CLOSED' })],
  };
}

/** `GEM_FREE_OBJECT` (`virtio_gpu_free_object()`): the guest frees its import of a foreign buffer. */
export function freeImport(component: Import, buffer: string, into: string): StepInput {
  return {
    action: 'freeImport',
    call: 'GEM_FREE_OBJECT',
    actor: into,
    role: 'adversary',
    args: { buffer, into },
    text: `${into} frees its virtio-gpu import of ${buffer}`,
    touches: [component],
    plan: (state) =>
      importIsUnattached(snapshotOf(state, component))
        ? undefined
        : [send(component, { type: 'GEM_FREE_OBJECT' })],
  };
}

/**
 * `virtgpu_gem_prime_import()`: attach, pin, wait for fences, map, and `RESOURCE_CREATE_BLOB`,
 * in one ioctl: the guest's virtio-gpu hands the foreign buffer's pages to the VMM as a blob.
 */
export function importIntoVirtioGpu(
  context: VirtioStepContext,
  component: Import,
  buffer: HeapBuffer,
  into: string,
): StepInput {
  const { holdings } = context;
  return {
    action: 'importIntoVirtioGpu',
    call: 'GEM_PRIME_IMPORT',
    actor: into,
    role: 'pipeline',
    args: { buffer: buffer.name, into },
    text: `${into} imports buffer ${buffer.name} into virtio-gpu (a guest blob for the VMM)`,
    touches: () => [component, ...holdings.holdsReads(buffer)],
    plan: (state) => {
      const exported = buffer.dmaBuf !== undefined && bufferIsExported(snapshotOf(state, buffer.dmaBuf));
      if (!holdings.holds(state, into, buffer) && !exported) return undefined;
      return [
        send(component, {
          type: 'GEM_PRIME_IMPORT',
          pages: buffer.pages,
          bufferProtected: buffer.protected,
          exportedBySameDevice: false,
          exporterAcceptsAttach: true,
        }),
        send(component, { type: 'DMA_BUF_PIN' }),
        send(component, { type: 'DMA_RESV_WAIT_TIMEOUT', kernelFencesSignalled: true }),
        send(component, { type: 'DMA_BUF_MAP_ATTACHMENT', exporterMapSucceeds: true }),
        send(component, { type: 'VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB' }),
      ];
    },
  };
}

/** Every virtio step, in the order the world offers them. */
export function addVirtioSteps(
  add: (step: StepInput) => void,
  context: VirtioStepContext,
  topology: Topology,
): void {
  const { virtio, heaps, pkvm } = context;
  for (const entry of virtio.entries) {
    const buffer = heaps.bufferByName.get(entry.buffer)!;
    if (entry.gpuExport === undefined) {
      add(addSharedObject(context, entry, virtio.backends.find((b) => b.name === entry.exporter)!, buffer));
    } else {
      const vm = topology.vms.findIndex((g) => g.name === entry.exporter);
      const sharesBacking =
        vm >= 0 && topology.vms[vm]!.protected && pkvm !== undefined && entry.spec.shareBacking;
      add(
        exportOverVirtioGpu(context, entry as EntryInfo & { gpuExport: Export }, buffer, vm, sharesBacking),
      );
    }
    for (const backend of virtio.backends) {
      add(lookupUuid(entry.component, entry.buffer, backend, entry.allowed.includes(backend.name)));
      add(removeUuid(entry.component, entry.buffer, backend));
    }
  }
  const entries = virtio.entries.map((entry) => entry.component);
  for (const backend of virtio.backends) add(backendDies(backend, entries));
  for (const imported of virtio.imports) {
    add(freeImport(imported.component, imported.spec.buffer, imported.guest));
    add(
      importIntoVirtioGpu(
        context,
        imported.component,
        heaps.bufferByName.get(imported.spec.buffer)!,
        imported.guest,
      ),
    );
  }
}

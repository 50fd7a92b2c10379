/**
 * The virtio family and its steps: the vhost-user back-ends (connected at boot), the
 * shared-object table entries (QEMU's machine, or the access-controlled variant), the virtio-gpu
 * exports and imports; a dead back-end's objects and a destroyed guest's resources leaving the
 * table; and the steps that export a buffer with a UUID (over virtio-gpu, or by a back-end), look
 * a UUID up (only from a connected back-end) and remove it, kill a back-end, import a foreign
 * dma-buf into a guest's virtio-gpu and free it.
 *
 * The pKVM, heap, FF-A and content families are built too: the steps ask who holds a buffer
 * (`createHoldings`) and whether the exporting guest runs. The swiotlb slots are tested with their
 * steps in `swiotlbSteps.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { hostPageState } from '../../../machines/pkvmPageState.ts';
import { entryIsAbsent } from '../../../machines/sharedObjectEntryMachine.ts';
import { uuidIsAssigned } from '../../../machines/virtioDmabufExportMachine.ts';
import { blobIsCreated } from '../../../machines/virtioGpuImportMachine.ts';
import { type StepInput, send, snapshotOf, WorldBuilder } from '../../../src/world/builder.ts';
import {
  addDmaHeapFamily,
  allocateDelivery,
  type DmaBuf,
  type HeapBuffer,
} from '../../../src/world/families/dmaHeapFamily.ts';
import { addFfaFamily } from '../../../src/world/families/ffaFamily.ts';
import { addPageContentFamily } from '../../../src/world/families/pageContentFamily.ts';
import { guestBootSteps } from '../../../src/world/families/pkvmBoot.ts';
import { addPkvmFamily } from '../../../src/world/families/pkvmFamily.ts';
import { addTzascFamily } from '../../../src/world/families/tzascFamily.ts';
import { addVirtioFamily } from '../../../src/world/families/virtioFamily.ts';
import { addVirtioSteps } from '../../../src/world/families/virtioSteps.ts';
import { createHoldings } from '../../../src/world/holdings.ts';
import { resolveLayout } from '../../../src/world/layout.ts';
import { sdpPages } from '../../../src/world/model.ts';
import { createReach } from '../../../src/world/reach.ts';
import type { WorldState } from '../../../src/world/world.ts';
import {
  applied,
  appliedAll,
  booted,
  delivered,
  deliveryOutcome,
  deliveryTypes,
  stepOf,
  tinyDesign,
} from '../../support/tinyWorld.ts';

const design = (accessControl: boolean) =>
  tinyDesign(`
hypervisor: { kind: pkvm, kernel: upstream, iommu: none }
secureWorld: { tee: false }
vms:
  - { name: decrypt, protected: true }
  - { name: display, protected: false }
memory:
  - { name: decrypt-ram, pages: 2, owner: decrypt }
  - { name: dram, pages: 1 }
heaps:
  - { name: system, kind: system, region: dram }
buffers:
  - { name: ciphertext, region: decrypt-ram, allocatedBy: decrypt }
  - { name: frame, region: decrypt-ram, allocatedBy: decrypt }
  - { name: overlay, heap: system }
devices:
  - { name: dpu, role: display }
virtio:
  sharedObjects: { accessControl: ${accessControl} }
  backends:
    - { name: display-backend, servesVm: display }
    - { name: camera-backend, servesVm: display }
  exports:
    - { buffer: frame, by: decrypt, allow: [display-backend] }
    - { buffer: overlay, by: display-backend, via: vhostUser, allow: [camera-backend] }
  imports:
    - { buffer: overlay, into: display }
streams:
  - { name: movie, audience: [decrypt, display, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: decrypt, output: frame }
  display: { by: dpu }
`);

function virtioWorld(accessControl = true) {
  const topology = design(accessControl);
  const builder = new WorldBuilder();
  const layout = resolveLayout(topology);
  const pkvm = addPkvmFamily(builder, {
    kernel: 'upstream',
    iommu: 'none',
    pages: layout.pages.map((page) => ({ label: page.label, memoryType: 'memory' })),
    guests: topology.vms,
    bounds: { hypPins: 1, dmaMappings: 1, vcpus: 1 },
    rawFfaCalls: false,
    scope: 'sdp',
  });
  const content = addPageContentFamily(builder, layout);
  const tzasc = addTzascFamily(builder, topology, layout);
  const heaps = addDmaHeapFamily(builder, topology, layout, content);
  const ffa = addFfaFamily(builder, topology, pkvm, content);
  const virtio = addVirtioFamily(builder, topology, layout, content, pkvm);
  const reach = createReach({
    hypervisor: 'pkvm',
    pages: sdpPages(layout, content, pkvm, tzasc),
    guests: topology.vms.map((vm) => vm.name),
    devices: [],
    buffers: heaps.buffers,
    imports: virtio.imports.map((i) => i.component),
    ffaSlots: ffa.slots,
  });
  const holdings = createHoldings(topology, pkvm, ffa, virtio);
  const context = { virtio, heaps, content, pkvm, holdings, reach, layout };
  addVirtioSteps((step: StepInput) => builder.addStep(step), context, topology);
  const world = builder.build({
    guestNames: ['decrypt', 'display'],
    guestProtected: [true, false],
    kernel: 'upstream',
  });
  const boot = [...guestBootSteps(pkvm, topology, layout), ...virtio.boot, ...heaps.boot];
  const overlay = heaps.bufferByName.get('overlay') as HeapBuffer & { readonly dmaBuf: DmaBuf };
  /** The host allocates the overlay and passes its fd to a back-end. */
  const overlayHeldBy = (state: WorldState, backend: string) =>
    delivered(world, state, [
      allocateDelivery(overlay),
      send(overlay.dmaBuf, { type: 'DMA_BUF_SHARE_FD', party: 'host', to: backend }),
    ]);
  return { world, virtio, pkvm, holdings, context, state: booted(world, boot), overlayHeldBy };
}

const entry = (virtio: ReturnType<typeof virtioWorld>['virtio'], buffer: string) =>
  virtio.entries.find((e) => e.buffer === buffer)!;

describe('virtio family components and boot', () => {
  it('adds the back-ends, a table entry per export (and its virtio-gpu object), the imports', () => {
    const { world, virtio } = virtioWorld();
    const kinds = new Set(['vhostBackend', 'sharedObjectEntry', 'virtioDmabufExport', 'virtioGpuImport']);
    expect(
      world.components.filter((c) => kinds.has(c.kind)).map((c) => [c.id, c.kind, c.label, c.input]),
    ).toEqual([
      [
        'backend:display-backend',
        'vhostBackend',
        'vhost-user back-end display-backend',
        { backend: 'display-backend' },
      ],
      [
        'backend:camera-backend',
        'vhostBackend',
        'vhost-user back-end camera-backend',
        { backend: 'camera-backend' },
      ],
      ['uuid:frame', 'sharedObjectEntry', 'shared-object entry for frame', { uuid: 'uuid-frame' }],
      [
        'export:frame',
        'virtioDmabufExport',
        'virtio-gpu export of frame',
        { resource: 1, blob: false, useCrossDevice: false, hasResourceAssignUuid: true },
      ],
      ['uuid:overlay', 'sharedObjectEntry', 'shared-object entry for overlay', { uuid: 'uuid-overlay' }],
      [
        'import:overlay:display',
        'virtioGpuImport',
        'virtio-gpu import of overlay into display',
        { guest: 'display', resource: 100, hasResourceBlob: true },
      ],
    ]);
    expect(
      virtio.entries.map((e) => [e.buffer, e.exporter, e.allowed, e.resource, e.gpuExport !== undefined]),
    ).toEqual([
      ['frame', 'decrypt', ['display-backend'], 1, true],
      ['overlay', 'display-backend', ['camera-backend'], 2, false],
    ]);
    expect(virtio.backends.map((b) => [b.name, b.servesVm])).toEqual([
      ['display-backend', 'display'],
      ['camera-backend', 'display'],
    ]);
  });

  it('answers which components export, name and import a buffer', () => {
    const { virtio } = virtioWorld();
    expect([virtio.exportOf('frame'), virtio.exportOf('overlay')]).toEqual([
      entry(virtio, 'frame').gpuExport,
      undefined,
    ]);
    expect(virtio.entriesOf('overlay')).toEqual([entry(virtio, 'overlay').component]);
    expect(virtio.importsOf('overlay')).toEqual([virtio.imports[0]!.component]);
    expect([virtio.entriesOf('ciphertext'), virtio.importsOf('frame')]).toEqual([[], []]);
  });

  it('connects each back-end at boot with the shared-object protocol feature', () => {
    const { world, virtio } = virtioWorld();
    expect(virtio.boot.map((s) => [s.actor, s.call, s.subject, deliveryTypes(world, s.deliveries)])).toEqual([
      [
        'vmm',
        'vhost_user_backend_init()',
        'back-end display-backend',
        ['backend:display-backend VHOST_USER_SET_PROTOCOL_FEATURES'],
      ],
      [
        'vmm',
        'vhost_user_backend_init()',
        'back-end camera-backend',
        ['backend:camera-backend VHOST_USER_SET_PROTOCOL_FEATURES'],
      ],
    ]);
    expect(virtio.boot[0]!.deliveries[0]!.event).toMatchObject({
      sharedObject: true,
      backendReq: true,
      replyAck: true,
    });
  });
});

describe('virtio steps', () => {
  it('offers per export its export and every lookup and remove, per back-end its death, per import its import and free', () => {
    const { world } = virtioWorld();
    expect(
      world.steps
        .filter((s) => s.action !== 'hostPageCall' && s.action !== 'guestPageCall' && s.action !== 'vmCall')
        .map((s) => [s.action, s.call, s.actor, s.role, s.args]),
    ).toEqual([
      ['exportOverVirtioGpu', 'GEM_PRIME_EXPORT', 'decrypt', 'pipeline', { buffer: 'frame' }],
      [
        'lookupUuid',
        'SHARED_OBJECT_LOOKUP',
        'display-backend',
        'pipeline',
        { buffer: 'frame', backend: 'display-backend' },
      ],
      [
        'removeUuid',
        'SHARED_OBJECT_REMOVE',
        'display-backend',
        'adversary',
        { buffer: 'frame', backend: 'display-backend' },
      ],
      [
        'lookupUuid',
        'SHARED_OBJECT_LOOKUP',
        'camera-backend',
        'adversary',
        { buffer: 'frame', backend: 'camera-backend' },
      ],
      [
        'removeUuid',
        'SHARED_OBJECT_REMOVE',
        'camera-backend',
        'adversary',
        { buffer: 'frame', backend: 'camera-backend' },
      ],
      [
        'addSharedObject',
        'SHARED_OBJECT_ADD',
        'display-backend',
        'pipeline',
        { buffer: 'overlay', backend: 'display-backend' },
      ],
      [
        'lookupUuid',
        'SHARED_OBJECT_LOOKUP',
        'display-backend',
        'adversary',
        { buffer: 'overlay', backend: 'display-backend' },
      ],
      [
        'removeUuid',
        'SHARED_OBJECT_REMOVE',
        'display-backend',
        'adversary',
        { buffer: 'overlay', backend: 'display-backend' },
      ],
      [
        'lookupUuid',
        'SHARED_OBJECT_LOOKUP',
        'camera-backend',
        'pipeline',
        { buffer: 'overlay', backend: 'camera-backend' },
      ],
      [
        'removeUuid',
        'SHARED_OBJECT_REMOVE',
        'camera-backend',
        'adversary',
        { buffer: 'overlay', backend: 'camera-backend' },
      ],
      ['backendDies', 'CHR_EVENT_CLOSED', 'display-backend', 'environment', { backend: 'display-backend' }],
      ['backendDies', 'CHR_EVENT_CLOSED', 'camera-backend', 'environment', { backend: 'camera-backend' }],
      ['freeImport', 'GEM_FREE_OBJECT', 'display', 'adversary', { buffer: 'overlay', into: 'display' }],
      [
        'importIntoVirtioGpu',
        'GEM_PRIME_IMPORT',
        'display',
        'pipeline',
        { buffer: 'overlay', into: 'display' },
      ],
    ]);
  });

  it("exports a running protected guest's buffer once: it shares the backing pages, the UUID is assigned, the table holds its dma-buf", () => {
    const { world, state, virtio, pkvm, holdings, context } = virtioWorld();
    const exportStep = stepOf(world, 'GEM_PRIME_EXPORT', { buffer: 'frame' });
    expect(deliveryTypes(world, exportStep.plan(state))).toEqual([
      'page:1 GUEST_SHARE_HOST',
      'export:frame GEM_PRIME_EXPORT',
      'export:frame RESOURCE_UUID_CB',
      'uuid:frame VIRTIO_ADD_DMABUF',
    ]);
    const frame = context.heaps.bufferByName.get('frame')!;
    expect(holdings.holds(state, 'host', frame)).toBe(false);
    const exported = applied(world, state, exportStep);
    expect(uuidIsAssigned(snapshotOf(exported, entry(virtio, 'frame').gpuExport!))).toBe(true);
    expect(entryIsAbsent(snapshotOf(exported, entry(virtio, 'frame').component))).toBe(false);
    expect(hostPageState(snapshotOf(exported, pkvm.pages[1]!))).toBe('SHARED_BORROWED');
    expect(holdings.holds(exported, 'host', frame)).toBe(true);
    expect(exportStep.plan(exported)).toBeUndefined();
    const dying = applied(world, state, stepOf(world, 'START_TEARDOWN_VM', { vm: 'decrypt' }));
    expect(exportStep.plan(dying)).toBeUndefined();
  });

  it('looks a UUID up only from a connected back-end, handing the fd to the VM it serves; access control refuses others', () => {
    const { world, state, virtio, holdings, context } = virtioWorld(true);
    const frame = context.heaps.bufferByName.get('frame')!;
    const lookup = stepOf(world, 'SHARED_OBJECT_LOOKUP', { buffer: 'frame', backend: 'display-backend' });
    expect(lookup.plan(world.initial)).toBeUndefined();
    const exported = applied(world, state, stepOf(world, 'GEM_PRIME_EXPORT', { buffer: 'frame' }));
    expect(deliveryTypes(world, lookup.plan(exported))).toEqual([
      'backend:display-backend BACKEND_SHARED_OBJECT_LOOKUP',
      'uuid:frame SHARED_OBJECT_LOOKUP',
    ]);
    expect(virtio.handedToVm(exported, 'frame', 'display')).toBe(false);
    const handed = applied(world, exported, lookup);
    // The guest the back-end serves now holds the buffer as a virtio object.
    expect([holdings.holds(exported, 'display', frame), holdings.holds(handed, 'display', frame)]).toEqual([
      false,
      true,
    ]);
    expect([
      virtio.handedToVm(handed, 'frame', 'display'),
      virtio.handedToVm(handed, 'frame', 'decrypt'),
    ]).toEqual([true, false]);
    const camera = stepOf(world, 'SHARED_OBJECT_LOOKUP', { buffer: 'frame', backend: 'camera-backend' });
    expect(deliveryOutcome(world, exported, camera.plan(exported)!)).toBe('uuid:frame EACCES');
    const open = virtioWorld(false);
    const openExported = applied(
      open.world,
      open.state,
      stepOf(open.world, 'GEM_PRIME_EXPORT', { buffer: 'frame' }),
    );
    expect(
      deliveryOutcome(
        open.world,
        openExported,
        stepOf(open.world, 'SHARED_OBJECT_LOOKUP', { buffer: 'frame', backend: 'camera-backend' }).plan(
          openExported,
        )!,
      ),
    ).toBe('accepted');
  });

  it('lets a back-end export a buffer it holds; only the owner removes it', () => {
    const { world, state, overlayHeldBy, virtio } = virtioWorld();
    const add = stepOf(world, 'SHARED_OBJECT_ADD', { buffer: 'overlay', backend: 'display-backend' });
    expect(add.plan(state)).toBeUndefined();
    expect(add.plan(overlayHeldBy(state, 'camera-backend'))).toBeUndefined();
    const held = overlayHeldBy(state, 'display-backend');
    expect(add.plan(held)!.map((d) => d.event)).toEqual([
      { type: 'BACKEND_SHARED_OBJECT_ADD' },
      { type: 'SHARED_OBJECT_ADD', backend: 'display-backend', allowed: ['camera-backend'] },
    ]);
    const added = applied(world, held, add);
    const byCamera = stepOf(world, 'SHARED_OBJECT_REMOVE', { buffer: 'overlay', backend: 'camera-backend' });
    expect(deliveryOutcome(world, added, byCamera.plan(added)!)).toBe('uuid:overlay QEMU_NOT_OWNER');
    const removed = applied(
      world,
      added,
      stepOf(world, 'SHARED_OBJECT_REMOVE', { buffer: 'overlay', backend: 'display-backend' }),
    );
    expect(entryIsAbsent(snapshotOf(removed, entry(virtio, 'overlay').component))).toBe(true);
  });

  it("takes a dead back-end's objects out of the table, and its lookups out of the steps", () => {
    const { world, state, overlayHeldBy, virtio } = virtioWorld();
    let s = applied(
      world,
      overlayHeldBy(state, 'display-backend'),
      stepOf(world, 'SHARED_OBJECT_ADD', { buffer: 'overlay', backend: 'display-backend' }),
    );
    s = applied(world, s, stepOf(world, 'GEM_PRIME_EXPORT', { buffer: 'frame' }));
    const dies = stepOf(world, 'CHR_EVENT_CLOSED', { backend: 'display-backend' });
    expect(dies.touches).toEqual(expect.arrayContaining(virtio.entries.map((e) => e.component)));
    const dead = applied(world, s, dies);
    expect([
      entryIsAbsent(snapshotOf(dead, entry(virtio, 'overlay').component)),
      entryIsAbsent(snapshotOf(dead, entry(virtio, 'frame').component)),
    ]).toEqual([true, false]);
    expect(
      stepOf(world, 'SHARED_OBJECT_LOOKUP', { buffer: 'frame', backend: 'display-backend' }).plan(dead),
    ).toBeUndefined();
    expect(
      stepOf(world, 'SHARED_OBJECT_REMOVE', { buffer: 'frame', backend: 'display-backend' }).plan(dead),
    ).toBeUndefined();
    // The other back-end is still connected.
    expect(
      stepOf(world, 'SHARED_OBJECT_LOOKUP', { buffer: 'frame', backend: 'camera-backend' }).plan(dead),
    ).toBeDefined();
  });

  it("removes a destroyed guest's UUIDs from the table", () => {
    const { world, state, virtio } = virtioWorld();
    const exported = applied(world, state, stepOf(world, 'GEM_PRIME_EXPORT', { buffer: 'frame' }));
    const destroyed = appliedAll(world, exported, [
      ['START_TEARDOWN_VM', { vm: 'decrypt' }],
      ['RECLAIM_DYING_GUEST_PAGE', { page: 0, vm: 'decrypt' }],
      ['RECLAIM_DYING_GUEST_PAGE', { page: 1, vm: 'decrypt' }],
      ['FINALIZE_TEARDOWN_VM', { vm: 'decrypt' }],
    ]);
    expect(entryIsAbsent(snapshotOf(destroyed, entry(virtio, 'frame').component))).toBe(true);
  });

  it('imports an exported dma-buf into a guest as a blob for the VMM, and frees only an import it made', () => {
    const { world, state, overlayHeldBy, virtio } = virtioWorld();
    const importStep = stepOf(world, 'GEM_PRIME_IMPORT', { buffer: 'overlay', into: 'display' });
    const free = stepOf(world, 'GEM_FREE_OBJECT', { buffer: 'overlay', into: 'display' });
    expect([importStep.plan(state), free.plan(state)]).toEqual([undefined, undefined]);
    const held = overlayHeldBy(state, 'display-backend');
    expect(deliveryTypes(world, importStep.plan(held))).toEqual([
      'import:overlay:display GEM_PRIME_IMPORT',
      'import:overlay:display DMA_BUF_PIN',
      'import:overlay:display DMA_RESV_WAIT_TIMEOUT',
      'import:overlay:display DMA_BUF_MAP_ATTACHMENT',
      'import:overlay:display VIRTIO_GPU_CMD_RESOURCE_CREATE_BLOB',
    ]);
    const imported = applied(world, held, importStep);
    const component = virtio.imports[0]!.component;
    expect([blobIsCreated(snapshotOf(imported, component)), virtio.imported(imported, 'overlay')]).toEqual([
      true,
      true,
    ]);
    expect(deliveryTypes(world, free.plan(imported))).toEqual(['import:overlay:display GEM_FREE_OBJECT']);
  });
});

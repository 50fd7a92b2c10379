/**
 * The swiotlb data path of a protected guest (`virtio.bounce`): the virtio family's bounce slots
 * (one per page of the pool) and `swiotlb_bounce()`'s copy landing on the slot's page; the
 * guest's bounce of each page into the lowest free slot (only while its CPU reaches both pages,
 * and refused with -ENOMEM when the pool is full), its unmap, and the VMM's copy out of the slots
 * holding the buffer into a buffer the host holds, or into the slots a second protected guest
 * mapped to receive a buffer of its own (DMA_FROM_DEVICE), which its unmap copies back.
 *
 * The pKVM, content, heap, FF-A and virtio families are built, as the steps ask who reaches a
 * page (`createReach`) and who holds the target (`createHoldings`).
 */
import { describe, expect, it } from 'vitest';
import { plaintextOf, ZERO_LABEL } from '../../../machines/contentLabel.ts';
import { type StepInput, WorldBuilder } from '../../../src/world/builder.ts';
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
import { addSwiotlbSteps } from '../../../src/world/families/swiotlbSteps.ts';
import { addTzascFamily } from '../../../src/world/families/tzascFamily.ts';
import { addVirtioFamily } from '../../../src/world/families/virtioFamily.ts';
import { createHoldings } from '../../../src/world/holdings.ts';
import { resolveLayout } from '../../../src/world/layout.ts';
import { sdpPages } from '../../../src/world/model.ts';
import { createReach } from '../../../src/world/reach.ts';
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

const design = (poolShared: boolean, poolPages: number) =>
  tinyDesign(`
hypervisor: { kind: pkvm, kernel: android, iommu: identity }
secureWorld: { tee: false }
vms:
  - { name: decrypt, protected: true }
memory:
  - { name: decrypt-ram, pages: 3, owner: decrypt }
  - { name: decrypt-swiotlb, pages: ${poolPages}, owner: decrypt, sharedWithHost: ${poolShared} }
  - { name: dram, pages: 1 }
heaps:
  - { name: system, kind: system, region: dram }
buffers:
  - { name: ciphertext, region: decrypt-ram, allocatedBy: decrypt }
  - { name: frame, region: decrypt-ram, allocatedBy: decrypt, pages: 2 }
  - { name: received, heap: system }
devices:
  - { name: dpu, role: display }
virtio:
  bounce:
    - { vm: decrypt, pool: decrypt-swiotlb, buffer: frame, deliverTo: received }
streams:
  - { name: movie, audience: [decrypt, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: decrypt, output: frame }
  display: { by: dpu }
`);

/** Pages: decrypt-ram 0–2 (frame on 1 and 2), the pool from 3, then dram (received). */
function bounceWorld(poolShared = true, poolPages = 2) {
  return worldOf(design(poolShared, poolPages));
}

function worldOf(topology: ReturnType<typeof tinyDesign>) {
  const guests = topology.vms.map((vm) => vm.name);
  const builder = new WorldBuilder();
  const layout = resolveLayout(topology);
  const pkvm = addPkvmFamily(builder, {
    kernel: 'android',
    iommu: 'identity',
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
    guests,
    devices: [],
    buffers: heaps.buffers,
    imports: [],
    ffaSlots: ffa.slots,
  });
  const holdings = createHoldings(topology, pkvm, ffa, virtio);
  addSwiotlbSteps((step: StepInput) => builder.addStep(step), {
    virtio,
    heaps,
    content,
    pkvm,
    holdings,
    reach,
    layout,
  });
  const world = builder.build({
    guestNames: guests,
    guestProtected: topology.vms.map((vm) => vm.protected),
    kernel: 'android',
  });
  const state = booted(world, [...guestBootSteps(pkvm, topology, layout), ...virtio.boot, ...heaps.boot]);
  const received = heaps.bufferByName.get('received') as HeapBuffer & { readonly dmaBuf: DmaBuf };
  return { world, state, virtio, content, received, heaps };
}

describe('swiotlb bounce slots', () => {
  it('adds a slot per page of the pool, shared by the buffers bounced through it', () => {
    const { world, virtio } = bounceWorld();
    expect(
      world.components.filter((c) => c.kind === 'swiotlbBounce').map((c) => [c.id, c.label, c.input]),
    ).toEqual([
      ['swiotlb:decrypt-swiotlb:0', 'swiotlb slot 0 of decrypt-swiotlb', { bouncePage: 3 }],
      ['swiotlb:decrypt-swiotlb:1', 'swiotlb slot 1 of decrypt-swiotlb', { bouncePage: 4 }],
    ]);
    expect(virtio.bounces.map((b) => [b.origPages, b.slots.map((s) => s.bouncePage)])).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
    ]);
  });
});

describe('swiotlb steps', () => {
  it('offers each page its bounce and unmap, by the guest, then the VMM copy out', () => {
    const { world } = bounceWorld();
    const rows = world.steps
      .filter((s) => s.action.endsWith('ouncePage') || s.action === 'copyOutOfBounce')
      .map((s) => [s.action, s.call, s.actor, s.role, s.args]);
    expect(rows).toEqual([
      ['bouncePage', 'SWIOTLB_TBL_MAP_SINGLE', 'decrypt', 'pipeline', { buffer: 'frame', page: 0 }],
      ['unbouncePage', 'SWIOTLB_TBL_UNMAP_SINGLE', 'decrypt', 'pipeline', { buffer: 'frame', page: 0 }],
      ['bouncePage', 'SWIOTLB_TBL_MAP_SINGLE', 'decrypt', 'pipeline', { buffer: 'frame', page: 1 }],
      ['unbouncePage', 'SWIOTLB_TBL_UNMAP_SINGLE', 'decrypt', 'pipeline', { buffer: 'frame', page: 1 }],
      ['copyOutOfBounce', 'VIRTQUEUE_POP', 'vmm', 'pipeline', { buffer: 'frame', into: 'received' }],
    ]);
    expect(stepOf(world, 'SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page: 0 }).text).toBe(
      'decrypt maps frame for a virtio device: swiotlb bounces page 0 into a free slot of decrypt-swiotlb',
    );
  });

  it("bounces a page into the pool page the guest shared: the page's content lands on the bounce page", () => {
    const { world, state, content } = bounceWorld();
    const bounce = stepOf(world, 'SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page: 0 });
    const written = delivered(world, state, content.writePlaintext([1], 'movie', 'decrypt'));
    expect(bounce.plan(written)!.map((d) => d.event)).toEqual([
      { type: 'SWIOTLB_TBL_MAP_SINGLE', origPage: 1, dir: 'DMA_TO_DEVICE', bouncePageSharedWithHost: true },
    ]);
    const bounced = applied(world, written, bounce);
    expect([content.labelOf(bounced, 1), content.labelOf(bounced, 3)]).toEqual([
      plaintextOf('movie'),
      plaintextOf('movie'),
    ]);
    // A mapped page is not mapped again; the next page takes the next free slot.
    expect(bounce.plan(bounced)).toBeUndefined();
    const next = stepOf(world, 'SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page: 1 });
    expect(deliveryTypes(world, next.plan(bounced))).toEqual([
      'swiotlb:decrypt-swiotlb:1 SWIOTLB_TBL_MAP_SINGLE',
    ]);
    // The unmap frees the slot and leaves its page as it is.
    const unmapped = applied(
      world,
      bounced,
      stepOf(world, 'SWIOTLB_TBL_UNMAP_SINGLE', { buffer: 'frame', page: 0 }),
    );
    expect(content.labelOf(unmapped, 3)).toEqual(plaintextOf('movie'));
    expect(deliveryTypes(world, bounce.plan(unmapped))).toEqual([
      'swiotlb:decrypt-swiotlb:0 SWIOTLB_TBL_MAP_SINGLE',
    ]);
  });

  it('bounces only while the guest reaches both pages', () => {
    const { world, state } = bounceWorld();
    const bounce = stepOf(world, 'SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page: 0 });
    const dying = applied(world, state, stepOf(world, 'START_TEARDOWN_VM', { vm: 'decrypt' }));
    expect(bounce.plan(dying)).toBeDefined();
    const noOrig = applied(
      world,
      dying,
      stepOf(world, 'RECLAIM_DYING_GUEST_PAGE', { page: 1, vm: 'decrypt' }),
    );
    expect(bounce.plan(noOrig)).toBeUndefined();
    const noBounce = applied(
      world,
      dying,
      stepOf(world, 'RECLAIM_DYING_GUEST_PAGE', { page: 3, vm: 'decrypt' }),
    );
    expect(bounce.plan(noBounce)).toBeUndefined();
  });

  it('does not map onto a pool page the guest never shared with the host', () => {
    const { world, state } = bounceWorld(false);
    const bounce = stepOf(world, 'SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page: 0 });
    const deliveries = bounce.plan(state)!;
    expect(deliveries.map((d) => d.event.bouncePageSharedWithHost)).toEqual([false]);
    expect(deliveryOutcome(world, state, deliveries)).not.toBe('accepted');
  });

  it('copies the slots holding every page out into a buffer the host holds, through the host CPU', () => {
    const { world, state, content, received } = bounceWorld();
    const copy = stepOf(world, 'VIRTQUEUE_POP', { buffer: 'frame', into: 'received' });
    const written = delivered(world, state, content.writePlaintext([1, 2], 'movie', 'decrypt'));
    const held = delivered(world, written, [allocateDelivery(received)]);
    const half = appliedAll(world, held, [['SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page: 0 }]]);
    // The descriptor names every page of the buffer: with one page unmapped there is nothing to pop.
    expect(copy.plan(half)).toBeUndefined();
    const bounced = appliedAll(world, half, [['SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page: 1 }]]);
    expect(
      copy.plan(
        appliedAll(world, written, [
          ['SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page: 0 }],
          ['SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page: 1 }],
        ]),
      ),
    ).toBeUndefined();
    expect(content.labelOf(bounced, 5)).toEqual(ZERO_LABEL);
    expect(deliveryTypes(world, copy.plan(bounced))).toEqual(['content:5 COPY_FROM']);
    expect(content.labelOf(applied(world, bounced, copy), 5)).toEqual(plaintextOf('movie'));
  });
});

describe('a buffer larger than its bounce pool', () => {
  it('maps a second page only once a slot is free again, so the buffer never goes out whole', () => {
    const { world, state } = bounceWorld(true, 1);
    const [first, second] = [0, 1].map((page) =>
      stepOf(world, 'SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page }),
    );
    const mapped = applied(world, state, first!);
    // The pool is full: swiotlb_tbl_map_single() finds no slot and the map fails.
    expect(deliveryOutcome(world, mapped, second!.plan(mapped)!)).toBe('swiotlb:decrypt-swiotlb:0 ENOMEM');
    expect(world.apply(mapped, second!)).toBeUndefined();
    const freed = applied(
      world,
      mapped,
      stepOf(world, 'SWIOTLB_TBL_UNMAP_SINGLE', { buffer: 'frame', page: 0 }),
    );
    expect(world.apply(freed, second!)).toBeDefined();
    const copy = stepOf(world, 'VIRTQUEUE_POP', { buffer: 'frame', into: 'received' });
    expect([mapped, freed].map((s) => copy.plan(s))).toEqual([undefined, undefined]);
  });
});

/** Two pVMs: `decrypt` sends its frame out through its pool, `display` receives it through its own. */
const twoGuests = tinyDesign(`
hypervisor: { kind: pkvm, kernel: android, iommu: identity }
secureWorld: { tee: false }
vms:
  - { name: decrypt, protected: true }
  - { name: display, protected: true }
memory:
  - { name: decrypt-ram, pages: 2, owner: decrypt }
  - { name: decrypt-swiotlb, pages: 1, owner: decrypt, sharedWithHost: true }
  - { name: display-ram, pages: 1, owner: display }
  - { name: display-swiotlb, pages: 1, owner: display, sharedWithHost: true }
buffers:
  - { name: ciphertext, region: decrypt-ram, allocatedBy: decrypt }
  - { name: frame, region: decrypt-ram, allocatedBy: decrypt }
  - { name: received, region: display-ram, allocatedBy: display }
devices:
  - { name: dpu, role: display, controlledBy: display, iommu: domain, assignedTo: display }
virtio:
  bounce:
    - { vm: decrypt, pool: decrypt-swiotlb, buffer: frame, deliverTo: received }
    - { vm: display, pool: display-swiotlb, buffer: received, direction: fromDevice }
streams:
  - { name: movie, audience: [decrypt, display, dpu] }
pipeline:
  stream: movie
  input: ciphertext
  decrypt: { by: decrypt, output: frame }
  display: { by: dpu }
`);

describe('a protected guest receiving through its own pool', () => {
  // Pages: decrypt-ram 0-1 (frame on 1), decrypt-swiotlb 2, display-ram 3, display-swiotlb 4.
  it('maps the receive buffer DMA_FROM_DEVICE, and the VMM writes the slot, not the buffer', () => {
    const { world, state, content } = worldOf(twoGuests);
    const receive = stepOf(world, 'SWIOTLB_TBL_MAP_SINGLE', { buffer: 'received', page: 0 });
    expect(receive.actor).toBe('display');
    expect(receive.text).toBe(
      'display maps received to receive from a virtio device: swiotlb takes a free slot of display-swiotlb for page 0',
    );
    expect(receive.plan(state)!.map((d) => d.event)).toEqual([
      { type: 'SWIOTLB_TBL_MAP_SINGLE', origPage: 3, dir: 'DMA_FROM_DEVICE', bouncePageSharedWithHost: true },
    ]);
    const copy = stepOf(world, 'VIRTQUEUE_POP', { buffer: 'frame', into: 'received' });
    expect(copy.text).toBe(
      'the VMM copies the bounced frame out of decrypt-swiotlb into the slots of display-swiotlb posted for received',
    );
    const sent = appliedAll(world, delivered(world, state, content.writePlaintext([1], 'movie', 'decrypt')), [
      ['SWIOTLB_TBL_MAP_SINGLE', { buffer: 'frame', page: 0 }],
    ]);
    // Nothing is posted to receive into yet: the host cannot write the display guest's own page.
    expect(copy.plan(sent)).toBeUndefined();
    const posted = applied(world, sent, receive);
    expect(deliveryTypes(world, copy.plan(posted))).toEqual(['content:4 COPY_FROM']);
    const copied = applied(world, posted, copy);
    expect([content.labelOf(copied, 4), content.labelOf(copied, 3)]).toEqual([
      plaintextOf('movie'),
      ZERO_LABEL,
    ]);
    // Unmapping a DMA_FROM_DEVICE slot copies it back into the guest's buffer.
    const unmapped = applied(
      world,
      copied,
      stepOf(world, 'SWIOTLB_TBL_UNMAP_SINGLE', { buffer: 'received', page: 0 }),
    );
    expect(content.labelOf(unmapped, 3)).toEqual(plaintextOf('movie'));
  });
});

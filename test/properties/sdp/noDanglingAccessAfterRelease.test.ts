/**
 * noDanglingAccessAfterRelease on hand-made worlds: once a dma-buf is freed or the guest that
 * allocated a buffer is destroyed, no IOMMU domain maps its pages, no VMM blob holds them, no
 * UUID names it; and no destroyed guest still maps a page.
 */
import { describe, expect, it } from 'vitest';
import { noDanglingAccessAfterRelease } from '../../../properties/sdp/noDanglingAccessAfterRelease.ts';
import { edit, NOT_SDP_MODEL, sdpWorld, violationsOf } from '../../support/sdpModels.ts';

/**
 * Under pKVM: a heap buffer `frame` (page 0), the decrypt VM's own buffer `picture` in its RAM
 * (page 1), a display assigned to the decrypt VM with its domain, a decoder with no IOMMU, a
 * host DMA engine with a domain of its own, a display VM importing both
 * buffers over virtio-gpu, a UUID for each, and the back-end `camera-backend` that exported
 * `preview` (page 2).
 */
function world() {
  return sdpWorld({
    hypervisor: 'pkvm',
    pages: ['dram', 'decrypt-ram', 'dram'],
    guests: [
      { name: 'decrypt', protected: true },
      { name: 'display', protected: false },
    ],
    buffers: [
      { name: 'frame', pages: [0], heap: 'system' },
      { name: 'picture', pages: [1], allocatedBy: 'decrypt' },
      { name: 'preview', pages: [2], heap: 'system' },
    ],
    devices: [
      { name: 'dpu', role: 'display', iommu: 'domain', assignedTo: 'decrypt' },
      { name: 'vdec', role: 'decoder', iommu: 'bypass' },
      { name: 'dma-engine', role: 'dma', iommu: 'domain' },
    ],
    imports: [
      { buffer: 'frame', guest: 'display' },
      { buffer: 'picture', guest: 'display' },
    ],
    sharedObjects: [
      { buffer: 'frame', exporter: 'decrypt', allowed: ['display-backend'] },
      { buffer: 'picture', exporter: 'decrypt', allowed: ['display-backend'] },
      { buffer: 'preview', exporter: 'camera-backend' },
    ],
    backends: ['display-backend', 'camera-backend'],
  });
}

type World = ReturnType<typeof world>;
const check = (w: World, state = w.initial) => violationsOf(noDanglingAccessAfterRelease, w, state);

/** Every buffer allocated; the decrypt VM running and owning its RAM page. */
function allocated(w: World) {
  let state = edit(w.initial, w.buffer('frame'), 'exported', { pages: [0], fdHolders: ['host'] });
  state = edit(state, w.buffer('preview'), 'exported', { pages: [2], fdHolders: ['host'] });
  state = edit(state, w.guest('decrypt'), 'running.vcpuPut', { initialisedVcpus: 1 });
  state = edit(state, w.guest('display'), 'running.vcpuPut', { initialisedVcpus: 1 });
  return edit(state, w.pkvm(1), 'NOPAGE.ownedByGuest', { guestOwner: 0, guests: ['OWNED', 'NOPAGE'] });
}

/** The decrypt VM destroyed after the host reclaimed (and poisoned) its page. */
function decryptDestroyed(w: World, state: ReturnType<typeof allocated>) {
  const reclaimed = edit(state, w.pkvm(1), 'OWNED', { guestOwner: -1, guests: ['POISON', 'NOPAGE'] });
  return edit(reclaimed, w.guest('decrypt'), 'destroyed');
}

const mappedInDomain = (w: World, state: ReturnType<typeof allocated>, pages: number[]) =>
  edit(state, w.domain('dpu'), 'attached', { endpoints: [0], mapped: pages });

describe('noDanglingAccessAfterRelease', () => {
  it('holds in a world where every buffer is allocated and referenced', () => {
    const w = world();
    let state = mappedInDomain(w, allocated(w), [0, 1]);
    state = edit(state, w.import('frame', 'display'), 'blobCreated', { pages: [0] });
    state = edit(state, w.entry('frame'), 'dmabuf', { device: 'virtio-gpu' });
    expect(check(w, state)).toStrictEqual([]);
  });

  describe('an IOMMU mapping', () => {
    it('of a freed buffer is flagged, naming the device', () => {
      const w = world();
      const freed = edit(mappedInDomain(w, allocated(w), [0]), w.buffer('frame'), 'free', { pages: [] });
      expect(check(w, freed)).toStrictEqual([
        {
          property: 'noDanglingAccessAfterRelease',
          subject: 'freed buffer frame',
          parties: ['dpu'],
          expected: 'no reference after free or teardown',
          actual: 'still mapped in the IOMMU domain of dpu',
        },
      ]);
    });

    it('of other pages only is none of the freed buffer', () => {
      const w = world();
      const freed = edit(mappedInDomain(w, allocated(w), [2]), w.buffer('frame'), 'free', { pages: [] });
      expect(check(w, freed)).toStrictEqual([]);
    });

    // A domain the host set up maps only host-owned pages (__pkvm_host_use_dma()): a destroyed
    // guest's page in it was mapped after the host took the page back, or before the guest
    // ever got it, and refers to no guest data.
    it("of a destroyed guest's page in a domain the host set up is none", () => {
      const w = world();
      const mapped = edit(allocated(w), w.domain('dma-engine'), 'allocated', { mapped: [1] });
      expect(check(w, decryptDestroyed(w, mapped))).toStrictEqual([]);
    });

    it('of a buffer whose guest is destroyed is flagged, naming the guest', () => {
      const w = world();
      const gone = decryptDestroyed(w, mappedInDomain(w, allocated(w), [1]));
      expect(check(w, gone)).toStrictEqual([
        {
          property: 'noDanglingAccessAfterRelease',
          subject: 'buffer picture of destroyed guest decrypt',
          parties: ['dpu'],
          expected: 'no reference after free or teardown',
          actual: 'still mapped in the IOMMU domain of dpu',
        },
      ]);
    });
  });

  describe('a VMM blob', () => {
    it('of a freed buffer is flagged', () => {
      const w = world();
      const blob = edit(allocated(w), w.import('frame', 'display'), 'blobCreated', { pages: [0] });
      expect(check(w, edit(blob, w.buffer('frame'), 'free', { pages: [] }))).toStrictEqual([
        {
          property: 'noDanglingAccessAfterRelease',
          subject: 'freed buffer frame',
          parties: ['vmm'],
          expected: 'no reference after free or teardown',
          actual: 'the VMM still holds its pages as a blob imported by display',
        },
      ]);
    });

    it('is none once the import detached its backing', () => {
      const w = world();
      const detached = edit(allocated(w), w.import('frame', 'display'), 'backingDetached', { pages: [0] });
      expect(check(w, edit(detached, w.buffer('frame'), 'free', { pages: [] }))).toStrictEqual([]);
    });

    it('of a buffer whose guest is destroyed is flagged', () => {
      const w = world();
      const blob = edit(allocated(w), w.import('picture', 'display'), 'blobCreated', { pages: [1] });
      expect(check(w, decryptDestroyed(w, blob))).toMatchObject([
        { parties: ['vmm'], actual: 'the VMM still holds its pages as a blob imported by display' },
      ]);
    });

    // Regression: this clause named every gone buffer `freed buffer <name>`, while the IOMMU and
    // UUID clauses name a destroyed guest's buffer `buffer <name> of destroyed guest <guest>`;
    // `picture` was never freed.
    it('of a buffer whose guest is destroyed names the buffer as the guest one', () => {
      const w = world();
      const blob = edit(allocated(w), w.import('picture', 'display'), 'blobCreated', { pages: [1] });
      expect(check(w, decryptDestroyed(w, blob)).map((v) => v.subject)).toStrictEqual([
        'buffer picture of destroyed guest decrypt',
      ]);
    });
  });

  describe('a shared-object UUID', () => {
    it('still naming a freed buffer is flagged', () => {
      const w = world();
      const entry = edit(allocated(w), w.entry('frame'), 'dmabuf', { device: 'virtio-gpu' });
      expect(check(w, edit(entry, w.buffer('frame'), 'free', { pages: [] }))).toStrictEqual([
        {
          property: 'noDanglingAccessAfterRelease',
          subject: 'freed buffer frame',
          expected: 'no reference after free or teardown',
          actual: 'its UUID is still in the shared-object table',
        },
      ]);
    });

    it('is none once the entry is removed', () => {
      const w = world();
      expect(check(w, edit(allocated(w), w.buffer('frame'), 'free', { pages: [] }))).toStrictEqual([]);
    });

    it('still naming the buffer of a destroyed guest is flagged', () => {
      const w = world();
      const entry = edit(allocated(w), w.entry('picture'), 'dmabuf', { device: 'virtio-gpu' });
      expect(check(w, decryptDestroyed(w, entry)).map((v) => [v.subject, v.actual])).toStrictEqual([
        ['buffer picture of destroyed guest decrypt', 'its UUID is still in the shared-object table'],
      ]);
    });

    it('owned by a back-end is its own to answer, not a dangling reference of the freed buffer', () => {
      const w = world();
      const entry = edit(allocated(w), w.entry('preview'), 'vhostDevice', { owner: 'camera-backend' });
      expect(check(w, edit(entry, w.buffer('preview'), 'free', { pages: [] }))).toStrictEqual([]);
    });
  });

  describe('a destroyed guest', () => {
    it('that still maps a page is flagged, naming its view', () => {
      const w = world();
      const stillMapped = edit(allocated(w), w.guest('decrypt'), 'destroyed');
      expect(check(w, stillMapped)).toStrictEqual([
        {
          property: 'noDanglingAccessAfterRelease',
          subject: 'page decrypt-ram:0',
          parties: ['decrypt'],
          expected: 'no reference after free or teardown',
          actual: 'still mapped (OWNED) by destroyed guest decrypt',
        },
      ]);
    });

    it('whose page was reclaimed and poisoned maps nothing', () => {
      const w = world();
      expect(check(w, decryptDestroyed(w, allocated(w)))).toStrictEqual([]);
    });

    it('still mapping a page it only borrows is flagged too', () => {
      const w = world();
      const borrowed = edit(allocated(w), w.pkvm(0), 'SHARED_OWNED', {
        guests: ['NOPAGE', 'SHARED_BORROWED'],
      });
      expect(check(w, edit(borrowed, w.guest('display'), 'destroyed')).map((v) => v.actual)).toStrictEqual([
        'still mapped (SHARED_BORROWED) by destroyed guest display',
      ]);
    });

    it('is the only guest checked: a live guest maps what it likes', () => {
      const w = world();
      const borrowed = edit(allocated(w), w.pkvm(0), 'SHARED_OWNED', {
        guests: ['NOPAGE', 'SHARED_BORROWED'],
      });
      expect(check(w, edit(borrowed, w.guest('display'), 'dying'))).toStrictEqual([]);
    });
  });

  it('has nothing to judge on a world that is not an SDP world', () => {
    expect(noDanglingAccessAfterRelease.world!({ parts: [] }, NOT_SDP_MODEL)).toStrictEqual([]);
  });
});

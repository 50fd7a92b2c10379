/**
 * sharedObjectTableAuthority on hand-made worlds: who a shared-object entry was handed to, by
 * the allow-list the design intends; an entry a dead back-end still owns; an entry that vanished
 * while its exporter's virtio-gpu export still holds the UUID.
 */
import { describe, expect, it } from 'vitest';
import { sharedObjectTableAuthority } from '../../../properties/sdp/sharedObjectTableAuthority.ts';
import { edit, NOT_SDP_MODEL, type SdpSpec, sdpWorld, violationsOf } from '../../support/sdpModels.ts';

/**
 * The decrypt VM exports `frame` over virtio-gpu for `display-backend` only; `camera-backend`
 * exports `preview` itself (TYPE_VHOST_DEV) and allows nobody; `overlay` has an entry but no
 * virtio-gpu export.
 */
function world(extra: Partial<SdpSpec> = {}) {
  return sdpWorld({
    hypervisor: 'pkvm',
    pages: ['decrypt-ram', 'dram', 'dram'],
    guests: [{ name: 'decrypt', protected: true }],
    buffers: [
      { name: 'frame', pages: [0], allocatedBy: 'decrypt' },
      { name: 'preview', pages: [1], heap: 'system' },
      { name: 'overlay', pages: [2], heap: 'system' },
    ],
    sharedObjects: [
      { buffer: 'frame', exporter: 'decrypt', allowed: ['display-backend'], gpuExport: true },
      { buffer: 'preview', exporter: 'camera-backend' },
      { buffer: 'overlay', exporter: 'host', allowed: ['display-backend'] },
    ],
    backends: ['display-backend', 'camera-backend'],
    ...extra,
  });
}

type World = ReturnType<typeof world>;
const check = (w: World, state = w.initial) => violationsOf(sharedObjectTableAuthority, w, state);

/** Both back-ends connected; `frame` exported with its UUID and in the table as a dma-buf. */
function exported(w: World) {
  let state = edit(w.initial, w.backend('display-backend'), 'connected', {
    backendReq: true,
    sharedObject: true,
  });
  state = edit(state, w.backend('camera-backend'), 'connected', { backendReq: true, sharedObject: true });
  state = edit(state, w.guest('decrypt'), 'running.vcpuPut', { initialisedVcpus: 1 });
  state = edit(state, w.gpuExport('frame'), 'OK', {
    exported: true,
    assignUuidSent: true,
    uuid: 'uuid-frame',
  });
  return edit(state, w.entry('frame'), 'dmabuf', { device: 'virtio-gpu' });
}

describe('sharedObjectTableAuthority', () => {
  describe('lookups', () => {
    it('flag a back-end the exporter did not allow', () => {
      const w = world();
      const looked = edit(exported(w), w.entry('frame'), 'dmabuf', { handedTo: ['camera-backend'] });
      expect(check(w, looked)).toStrictEqual([
        {
          property: 'sharedObjectTableAuthority',
          subject: 'UUID of buffer frame',
          parties: ['camera-backend'],
          expected: 'handed only to display-backend (exported by decrypt)',
          actual: 'back-end camera-backend obtained the buffer by SHARED_OBJECT_LOOKUP',
        },
      ]);
    });

    it('hold for the back-end the exporter allowed', () => {
      const w = world();
      const looked = edit(exported(w), w.entry('frame'), 'dmabuf', { handedTo: ['display-backend'] });
      expect(check(w, looked)).toStrictEqual([]);
    });

    it('hold for the owner looking its own entry up', () => {
      const w = world();
      const own = edit(exported(w), w.entry('preview'), 'vhostDevice', {
        owner: 'camera-backend',
        handedTo: ['camera-backend'],
      });
      expect(check(w, own)).toStrictEqual([]);
    });

    it('judge by the allow-list the design intends, not the one the entry recorded', () => {
      const w = world();
      const looked = edit(exported(w), w.entry('frame'), 'dmabuf', {
        allowed: ['camera-backend'],
        handedTo: ['camera-backend'],
      });
      expect(check(w, looked).map((v) => v.parties)).toStrictEqual([['camera-backend']]);
    });

    it('say so when the exporter allowed no back-end at all', () => {
      const w = world();
      const looked = edit(exported(w), w.entry('preview'), 'vhostDevice', {
        owner: 'camera-backend',
        handedTo: ['display-backend'],
      });
      expect(check(w, looked).map((v) => v.expected)).toStrictEqual([
        'handed only to no back-end (exported by camera-backend)',
      ]);
    });
  });

  describe('an entry owned by a back-end', () => {
    const owned = (w: World) =>
      edit(exported(w), w.entry('preview'), 'vhostDevice', { owner: 'camera-backend' });

    it('is flagged when it outlives its dead owner', () => {
      const w = world();
      const dead = edit(owned(w), w.backend('camera-backend'), 'dead', {
        backendReq: false,
        sharedObject: false,
      });
      expect(check(w, dead)).toStrictEqual([
        {
          property: 'sharedObjectTableAuthority',
          subject: 'UUID of buffer preview',
          parties: ['camera-backend'],
          expected: 'removed when its owner back-end dies (virtio_dmabuf_vhost_cleanup)',
          actual: 'still in the table after back-end camera-backend died',
        },
      ]);
    });

    it('holds while its owner is connected', () => {
      const w = world();
      expect(check(w, owned(w))).toStrictEqual([]);
    });

    it('holds once the dead owner cleaned it up', () => {
      const w = world();
      const dead = edit(owned(w), w.backend('camera-backend'), 'dead');
      expect(check(w, edit(dead, w.entry('preview'), 'absent', { owner: null }))).toStrictEqual([]);
    });

    it('counts an owner that is reconnecting as dead: the entry is the dead process', () => {
      const w = world();
      const reconnecting = edit(owned(w), w.backend('camera-backend'), 'connecting');
      expect(check(w, reconnecting).map((v) => v.parties)).toStrictEqual([['camera-backend']]);
    });

    it('counts an unplugged owner as dead', () => {
      const w = world();
      const unplugged = edit(owned(w), w.backend('camera-backend'), 'unplugged');
      expect(check(w, unplugged).map((v) => v.actual)).toStrictEqual([
        'still in the table after back-end camera-backend died',
      ]);
    });
  });

  describe('an exported UUID', () => {
    it('is flagged when its entry vanished while the export is live', () => {
      const w = world();
      const removed = edit(exported(w), w.entry('frame'), 'absent', { device: null });
      expect(check(w, removed)).toStrictEqual([
        {
          property: 'sharedObjectTableAuthority',
          subject: 'UUID of buffer frame',
          expected: 'removed only by its exporter (decrypt)',
          actual: 'gone from the table while its export is still live',
        },
      ]);
    });

    it('holds before the export has its UUID', () => {
      const w = world();
      expect(check(w)).toStrictEqual([]);
    });

    it('holds once its exporter is destroyed', () => {
      const w = world();
      const removed = edit(exported(w), w.entry('frame'), 'absent', { device: null });
      expect(check(w, edit(removed, w.guest('decrypt'), 'destroyed'))).toStrictEqual([]);
    });

    it('is not asked of an entry with no virtio-gpu export', () => {
      const w = world();
      // `overlay` is absent from the table, as is `preview`: only `frame` has an export to outlive.
      expect(check(w, exported(w))).toStrictEqual([]);
    });
  });

  it('has nothing to judge on a world that is not an SDP world', () => {
    expect(sharedObjectTableAuthority.world!({ parts: [] }, NOT_SDP_MODEL)).toStrictEqual([]);
  });
});

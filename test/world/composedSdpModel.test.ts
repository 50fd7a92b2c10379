/**
 * The `SdpModel` that `composeWorld` builds from a catalog design, as the SDP properties read
 * it: the streams' audiences and the trusted parties, the pipeline's plaintext buffers, the
 * pages a protected VM owns after boot, the shared-object allow-lists and the export each
 * entry's UUID comes from, the pools' pages, and the world's reach answers with no hypervisor,
 * through pKVM's stage-2 and through a firewall region. What each property makes of these
 * answers is tested on hand-made models in `test/properties/sdp/`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TzascRegionContext } from '../../machines/tzascRegionMachine.ts';
import type { WorldSnapshot } from '../../properties/model.ts';
import { accessPaths } from '../../properties/sdp/access.ts';
import { sdpInvariants } from '../../properties/sdp/index.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { composeWorld } from '../../src/world/compose.ts';
import type { EventData, WorldState } from '../../src/world/world.ts';

const root = join(import.meta.dirname, '..', '..');

const TZ = 'topologies/trustzone-tzasc-carveout.yaml';
const PVM = 'topologies/pkvm-teardown-decrypt-vm.yaml';
const UUID = 'topologies/virtio-uuid-access-control.yaml';
const DYNAMIC = 'topologies/dynamic-heap-unmap-all.yaml';

function harness(file: string) {
  const path = join(root, file);
  const sdp = composeWorld(parseTopology(readFileSync(path, 'utf8'), path).topology);
  const index = (id: string) => {
    const found = sdp.world.components.find((c) => c.id === id);
    if (!found) throw new Error(`no component ${id}`);
    return found.index;
  };
  const pfn = (label: string) => {
    const page = sdp.model.pages.find((p) => p.label === label);
    if (!page) throw new Error(`no page ${label}`);
    return page.pfn;
  };
  return {
    sdp,
    index,
    /** Who can make `access` to the page labelled `label`: party and path. */
    reach(state: WorldSnapshot, label: string, access: 'read' | 'write') {
      return accessPaths(sdp.model, state, pfn(label), access).map((p) => [p.party, p.via]);
    },
    /** Delivers events to components by id, in order. */
    deliver(state: WorldState, ...events: [string, EventData][]): WorldState {
      const outcome = sdp.world.deliver(
        state,
        events.map(([id, event]) => ({ component: index(id), event })),
      );
      if ('refused' in outcome) {
        const { component, event, code } = outcome.refused;
        throw new Error(`${component.label} refused ${event.type} (${code})`);
      }
      return outcome.state;
    },
  };
}

describe('the SdpModel composed from a design', () => {
  it('starts every catalog design used here with every SDP property holding', () => {
    for (const file of [TZ, PVM, UUID, DYNAMIC]) {
      const { sdp } = harness(file);
      const broken = sdpInvariants.flatMap((p) => p.world?.(sdp.world.initial, sdp.model) ?? []);
      expect(broken, file).toStrictEqual([]);
    }
  });

  it('carries the streams, the trusted parties and the plaintext buffers of the pipeline', () => {
    const { sdp } = harness(TZ);
    expect(sdp.model.streams).toStrictEqual([
      { name: 'movie', audience: ['secure', 'vdec', 'dpu'], trusted: ['hyp', 'secure'] },
    ]);
    expect(sdp.model.pipeline).toStrictEqual({
      stream: 'movie',
      display: 'dpu',
      plaintextBuffers: ['bitstream', 'frame'],
    });
    expect(
      sdp.model.buffers.filter((b) => b.protected).map((b) => [b.name, b.dmaBuf !== undefined]),
    ).toStrictEqual([
      ['bitstream', true],
      ['frame', true],
    ]);
  });

  it('with no hypervisor, lets the host CPU reach every page outside the firewall', () => {
    const h = harness(TZ);
    expect(h.reach(h.sdp.world.initial, 'host-scratch:0', 'read')).toStrictEqual([
      ['host', 'CPU (no hypervisor: the host kernel maps all memory)'],
      ['vdec', 'DMA with no IOMMU translation'],
      ['dpu', 'DMA with no IOMMU translation'],
    ]);
  });

  it('keeps the host off the carveout while the firewall region protects it, and not once it is open', () => {
    const h = harness(TZ);
    expect(h.reach(h.sdp.world.initial, 'carveout:0', 'write')).toStrictEqual([
      ['secure', 'secure world through the firewall region'],
      ['vdec', 'DMA with no IOMMU translation (firewall allows this master)'],
    ]);
    const parts = h.sdp.world.initial.parts.slice();
    const region = h.index('tzasc:carveout');
    const old = parts[region]!;
    parts[region] = { value: 'open', context: { ...(old.context as TzascRegionContext), filters: 0 } };
    expect(h.reach({ parts }, 'carveout:0', 'write')[0]).toStrictEqual([
      'host',
      'CPU (no hypervisor: the host kernel maps all memory)',
    ]);
  });

  it('boots a protected VM owning its RAM, which the host reads once the VM shares a page', () => {
    const h = harness(PVM);
    const initial = h.sdp.world.initial;
    for (const id of ['page:0', 'page:1']) {
      const page = initial.parts[h.index(id)]!;
      expect(page.value).toBe('NOPAGE.ownedByGuest');
      expect(page.context).toMatchObject({ guestOwner: 0, guests: ['OWNED'] });
    }
    expect(h.sdp.model.guests.map((g) => [g.name, g.protected])).toStrictEqual([['decrypt', true]]);
    expect(h.reach(initial, 'decrypt-ram:1', 'read').map(([party]) => party)).toStrictEqual([
      'decrypt',
      'dpu',
    ]);
    const facts = { vm: 0, vmProtected: true, vcpuLoaded: true, vmDying: false };
    const shared = h.deliver(initial, ['page:1', { type: 'GUEST_SHARE_HOST', ...facts }]);
    expect(h.reach(shared, 'decrypt-ram:1', 'read')).toContainEqual([
      'host',
      'CPU through host stage-2 (SHARED_BORROWED)',
    ]);
  });

  it('names each shared object with its exporter, the intended allow-list and its virtio-gpu export', () => {
    const { sdp, index } = harness(UUID);
    expect(sdp.model.sharedObjects.map((s) => [s.buffer, s.exporter, s.allowed])).toStrictEqual([
      ['frame', 'decrypt', ['display-backend']],
      ['overlay', 'display-backend', ['camera-backend']],
    ]);
    expect(sdp.model.sharedObjects.map((s) => s.component)).toStrictEqual([
      index('uuid:frame'),
      index('uuid:overlay'),
    ]);
    // sharedObjectTableAuthority finds a guest export by this id.
    expect(sdp.model.components[index('export:frame')]!.kind).toBe('virtioDmabufExport');
    expect(sdp.model.backends.map((b) => b.name)).toStrictEqual(['display-backend', 'camera-backend']);
  });

  it('gives a dynamic pool the CMA pages it lends, and FF-A slots that may cover them', () => {
    const { sdp, index } = harness(DYNAMIC);
    expect(sdp.model.pools).toStrictEqual([
      { component: index('pool:secure-video'), heap: 'secure-video', pages: [1] },
    ]);
    expect(sdp.world.initial.parts[index('pool:secure-video')]!.context).toMatchObject({ pool: 'dynamic' });
    expect(sdp.model.pages[1]!.label).toBe('cma:0');
    expect(sdp.model.ffaTransactions).toStrictEqual([index('ffa:0'), index('ffa:1')]);
  });
});

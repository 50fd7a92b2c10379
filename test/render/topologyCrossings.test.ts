/**
 * The drawing of a design shows the crossings it is about (the virtio export and the UUID
 * lookups, the swiotlb bounce, the FF-A lend), follows a trace's states edge by edge, and its
 * legend names exactly the colours it draws with.
 */
import { describe, expect, it } from 'vitest';
import { replayCounterexample } from '../../src/check/traceStates.ts';
import { topologyDot } from '../../src/render/dot.ts';
import { topologyCrossings } from '../../src/render/topologyCrossings.ts';
import { topologyGraph } from '../../src/render/topologyGraph.ts';
import { legendItems } from '../../src/render/topologyStyle.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';
import { checkOneProperty } from '../support/checkOneProperty.ts';

const crossingsOf = async (file: string) =>
  topologyGraph((await loadTopologyFile(`topologies/${file}.yaml`)).topology).crossings.map(
    (c) => `${c.kind} ${c.from} -> ${c.to}: ${c.label}`,
  );

describe('the crossings a design declares', () => {
  it('draws a virtio-gpu export and every UUID lookup QEMU allows without access control', async () => {
    expect(await crossingsOf('split-vms-virtio-dmabuf-uuid')).toEqual([
      'virtioExport buffer:frame -> party:vmm: virtio-gpu export of frame by decrypt (UUID)',
      'virtioLookup party:vmm -> party:display-backend: UUID lookup of frame (no access control)',
      'virtioLookup party:vmm -> party:camera-backend: UUID lookup of frame (no access control)',
    ]);
  });

  it('draws only the allowed lookups when the table checks an allow-list', async () => {
    const lookups = (await crossingsOf('virtio-uuid-access-control')).filter((c) =>
      c.startsWith('virtioLookup'),
    );
    expect(lookups.length).toBeGreaterThan(0);
    for (const lookup of lookups) expect(lookup).toMatch(/\(allowed\)$/);
  });

  it('draws the FF-A lend, the swiotlb bounce and the virtio-gpu import', async () => {
    expect((await crossingsOf('split-vms-ffa-secure-display')).some((c) => c.startsWith('ffaLend'))).toBe(
      true,
    );
    const bounce = await crossingsOf('split-vms-virtio-bounce');
    expect(bounce.filter((c) => c.startsWith('swiotlbBounce'))).toHaveLength(2);
    expect(
      (await crossingsOf('automotive-virtio-gpu-import')).some((c) => c.startsWith('virtioImport')),
    ).toBe(true);
  });

  it('draws a frame from one pVM to another through both bounce pools', async () => {
    expect(
      (await crossingsOf('pkvm-cluster-virtio-bounce')).filter((c) => c.startsWith('swiotlbBounce')),
    ).toEqual([
      'swiotlbBounce buffer:frame -> region:infotainment-swiotlb: swiotlb bounce of frame by infotainment',
      "swiotlbBounce region:infotainment-swiotlb -> region:cluster-swiotlb: the VMM copies the bounce into cluster-swiotlb's slots for cluster-frame",
      'swiotlbBounce region:cluster-swiotlb -> buffer:cluster-frame: swiotlb bounce into cluster-frame, received by cluster',
    ]);
  });

  it("draws a Xen grant with its access, and the grantee's gntdev export", async () => {
    expect(await crossingsOf('xen-cluster-readonly-grant-to-monitor')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^xenGrant buffer:frame -> party:monitor: .*\(read-only\)$/),
      ]),
    );
    expect(await crossingsOf('xen-cluster-gntdev-display')).toEqual([
      'xenGrant buffer:frame -> party:cluster: Xen grant of frame by infotainment to cluster (read-write)',
      'gntdevExport buffer:frame -> party:cluster: gntdev dma-buf export of frame by cluster',
    ]);
  });

  it('draws a Gunyah parcel to each VM of its access list but its owner, with its rights', async () => {
    expect(await crossingsOf('gunyah-cluster-memparcel-acl-admits-host')).toEqual([
      'gunyahParcel buffer:frame -> party:cluster: Gunyah MEM_LEND of frame by infotainment to cluster (read-write)',
      'gunyahParcel buffer:frame -> party:host: Gunyah MEM_LEND of frame by infotainment to host (read-only)',
    ]);
    expect(await crossingsOf('gunyah-parcel-reclaim-before-release')).toEqual([
      'gunyahParcel buffer:frame -> party:cluster: Gunyah MEM_SHARE of frame by infotainment to cluster (read-only)',
    ]);
  });

  it('keeps only crossings whose ends are drawn', async () => {
    const { topology } = await loadTopologyFile('topologies/split-vms-virtio-bounce.yaml');
    const graph = topologyGraph(topology);
    const ids = new Set(graph.nodes.map((n) => n.id));
    expect(graph.crossings.length).toBe(topologyCrossings(topology).length);
    for (const c of graph.crossings) expect([ids.has(c.from), ids.has(c.to)]).toEqual([true, true]);
    expect(topologyDot(graph)).toContain('class="crossing swiotlbBounce"');
  });
});

describe('a drawing that follows a trace', async () => {
  const { loaded, result: property } = await checkOneProperty(
    'topologies/dynamic-heap-upstream-lend-as-share.yaml',
    'plaintextNeverReachesUntrusted',
  );
  const replayed = replayCounterexample(loaded.topology, property.counterexample!.replay);
  const graph = topologyGraph(loaded.topology, replayed.composed, replayed.worldStates);

  it('tags each reach edge with the states it holds in: the secure world reaches the pool once it retrieves it', () => {
    const last = replayed.worldStates.length - 1;
    const secure = graph.reach.filter((e) => e.from === 'party:secure' && e.to === 'region:cma');
    expect(secure.length).toBeGreaterThan(0);
    expect(secure.flatMap((e) => e.steps)).not.toContain(0);
    expect(secure.flatMap((e) => e.steps)).toContain(last);
    expect(topologyDot(graph)).toMatch(/class="reach( s\d+)+"/);
  });

  it('has a legend that names every colour it draws with, and no other', () => {
    const dot = topologyDot(graph);
    const drawn = new Set([...dot.matchAll(/ color="(#[0-9a-f]{6})"/g)].map((m) => m[1]));
    const legend = legendItems(graph).map((item) => (item.kind === 'edge' ? item.color : item.stroke));
    for (const color of legend) expect(drawn).toContain(color);
    const nodeAndEdgeColors = [
      ...dot.matchAll(/^\s+"[^"]+"(?: -> "[^"]+")? \[.* color="(#[0-9a-f]{6})"/gm),
    ].map((m) => m[1]);
    for (const color of nodeAndEdgeColors) expect(legend).toContain(color);
  });
});

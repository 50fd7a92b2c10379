/**
 * Topologies as graphs: the parties inside their trust boundaries, the memory with its
 * firewall, heaps and buffers, and reach as booted, computed with the checker's access rule.
 */
import { describe, expect, it } from 'vitest';
import { topologyDot } from '../../src/render/dot.ts';
import { type ReachEdge, topologyGraph } from '../../src/render/topologyGraph.ts';
import { loadTopologyFile } from '../../src/topology/load.ts';

const reachOf = (edges: readonly ReachEdge[]) =>
  edges.map((e) => `${e.from} ${e.kind} ${e.access} ${e.to} ${e.pages.length}/${e.ofPages}`).sort();

describe('topologyGraph of the carveout design (no hypervisor)', async () => {
  const { topology } = await loadTopologyFile('test/fixtures/tzasc-carveout.yaml');
  const graph = topologyGraph(topology);

  it('puts the host in the normal world and the trusted app in the secure world', () => {
    const cluster = (id: string) => graph.nodes.find((n) => n.id === id)?.cluster;
    expect(cluster('party:host')).toBe('host');
    expect(cluster('party:vmm')).toBe('host');
    expect(cluster('party:secure')).toBe('secure');
    expect(cluster('party:vdec')).toBe('normal');
    expect(graph.clusters.find((c) => c.id === 'host')!.parent).toBe('normal');
    expect(graph.nodes.some((n) => n.id === 'party:hyp')).toBe(false);
  });

  it('draws regions with their firewall, and the heaps and buffers inside them', () => {
    const region = graph.nodes.find((n) => n.id === 'region:carveout')!;
    expect(region.details).toEqual([
      '4 pages, no-map',
      'TZASC firewall (set at boot): non-secure read vdec, dpu; write vdec',
    ]);
    expect(graph.nodes.find((n) => n.id === 'heap:secure-video')!.cluster).toBe('cluster:carveout');
    expect(graph.nodes.find((n) => n.id === 'buffer:frame')!.details[0]).toBe(
      'carveout:1, carveout:2, protected',
    );
  });

  it('marks the stream audience, the untrusted and the trusted parties', () => {
    const trust = (id: string) => graph.nodes.find((n) => n.id === id)!.trust;
    // The secure world is trusted by default, in the audience or not.
    expect([trust('party:secure'), trust('party:vdec'), trust('party:host')]).toEqual([
      'trusted',
      'audience',
      'untrusted',
    ]);
  });

  it('computes reach as booted: the host CPU everywhere but the carveout, devices by DMA', () => {
    expect(reachOf(graph.reach)).toEqual([
      'party:dpu dma read region:carveout 4/4',
      'party:dpu dma read/write region:dram 4/4',
      'party:dpu dma read/write region:host-scratch 1/1',
      'party:host cpu read/write region:dram 4/4',
      'party:host cpu read/write region:host-scratch 1/1',
      'party:secure secure read/write region:carveout 4/4',
      'party:vdec dma read/write region:carveout 4/4',
      'party:vdec dma read/write region:dram 4/4',
      'party:vdec dma read/write region:host-scratch 1/1',
    ]);
    expect(graph.legend[0]).toMatch(/^Reach as booted/);
  });

  it('renders to DOT with a cluster per trust boundary and an edge per reach', () => {
    const dot = topologyDot(graph);
    for (const cluster of ['cluster_normal', 'cluster_host', 'cluster_secure', 'cluster_memory']) {
      expect(dot).toContain(`subgraph "${cluster}"`);
    }
    expect(dot).toContain('"party:host" -> "region:dram" [label="CPU r/w 4/4"');
    expect(dot).toContain('"party:dpu" -> "region:carveout" [label="DMA r 4/4"');
    expect(dot).toContain('"party:host" -> "party:vdec" [label="programs"');
  });
});

describe('topologyGraph of a pKVM design', async () => {
  const { topology } = await loadTopologyFile('test/fixtures/pkvm-guest-decrypt.yaml');
  const graph = topologyGraph(topology);

  it('draws each VM as its own boundary and the hypervisor in the normal world', () => {
    expect(graph.clusters.filter((c) => c.kind === 'vm').map((c) => c.label)).toEqual([
      'VM decrypt (protected)',
      'VM player (not protected)',
    ]);
    expect(graph.nodes.find((n) => n.id === 'party:decrypt')!.cluster).toBe('vm:decrypt');
    expect(graph.nodes.find((n) => n.id === 'party:hyp')).toMatchObject({
      cluster: 'normal',
      trust: 'trusted',
    });
  });

  it("keeps the host out of the protected guest's memory, but not a device without an IOMMU", () => {
    const intoGuest = reachOf(graph.reach.filter((e) => e.to === 'region:guest-ram'));
    expect(intoGuest).toEqual([
      'party:decrypt cpu read/write region:guest-ram 2/2',
      'party:dma-engine dma read/write region:guest-ram 2/2',
      'party:dpu dma read/write region:guest-ram 2/2',
    ]);
    expect(graph.nodes.find((n) => n.id === 'region:guest-ram')!.details).toContain(
      'donated to decrypt at boot',
    );
    const identity = graph.reach.find((e) => e.from === 'party:vdec' && e.to === 'region:dram')!;
    expect(identity.via).toEqual(['DMA through the identity IOMMU domain']);
  });
});

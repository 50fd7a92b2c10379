/**
 * A topology as a graph a design meeting can read: the parties (host kernel and VMM, each
 * guest VM, the hypervisor, the secure world, the devices and back-ends), the memory (regions
 * with their firewall, the heaps over them, the buffers inside them), the trust boundaries as
 * clusters (normal world and secure world; the host and each VM), and who can reach which
 * region by CPU, by DMA or as the secure world.
 *
 * Reach is computed with the checker's own access rule (`accessPaths`) on the world's initial
 * state, after boot: it is the design as booted, before any step. Given the states of a trace
 * (after boot, then after each step), each reach edge says at which of them it holds, so a
 * drawing can follow a stepper. The crossings the design declares (virtio exports, lookups and
 * imports, swiotlb bounces, FF-A lends) are edges of their own. Pure: topology and composed
 * world in, data out.
 */
import { accessPaths, trustedBy } from '../../properties/sdp/access.ts';
import type { Topology } from '../topology/schema.ts';
import { spmcName, spmcProtects } from '../topology/spmcLabel.ts';
import { composeWorld, type SdpWorld } from '../world/compose.ts';
import { HOST_SCRATCH, withHostScratch } from '../world/design.ts';
import type { WorldState } from '../world/world.ts';
import { type CrossingEdge, topologyCrossings } from './topologyCrossings.ts';
import { legendItems, legendText } from './topologyStyle.ts';

export type PartyTrust = 'trusted' | 'audience' | 'untrusted';

export interface TopologyNode {
  /** `party:host`, `region:carveout`, `heap:system`, `buffer:frame`. */
  readonly id: string;
  readonly kind: 'party' | 'device' | 'region' | 'heap' | 'buffer';
  readonly label: string;
  /** Further lines under the label. */
  readonly details: readonly string[];
  /** The innermost cluster the node sits in. */
  readonly cluster: string;
  /** For parties and devices: in the pipeline stream's trusted set, its audience, or neither. */
  readonly trust?: PartyTrust;
}

export interface TopologyCluster {
  readonly id: string;
  readonly label: string;
  readonly kind: 'normalWorld' | 'secureWorld' | 'host' | 'vm' | 'memory' | 'region';
  readonly parent?: string;
}

export interface ReachEdge {
  /** The party's node id. */
  readonly from: string;
  /** The region's node id. */
  readonly to: string;
  readonly kind: 'cpu' | 'dma' | 'secure';
  readonly access: 'read' | 'write' | 'read/write';
  /** Labels of the region's pages it reaches, and how many the region has. */
  readonly pages: readonly string[];
  readonly ofPages: number;
  /** The paths in words, as the checker names them. */
  readonly via: readonly string[];
  /** The states it holds in: indices into the states the graph was drawn for (0 after boot). */
  readonly steps: readonly number[];
}

export interface RelationEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'controls' | 'serves';
  readonly label: string;
}

export interface TopologyGraph {
  readonly name: string;
  readonly description: string;
  readonly clusters: readonly TopologyCluster[];
  readonly nodes: readonly TopologyNode[];
  readonly reach: readonly ReachEdge[];
  readonly relations: readonly RelationEdge[];
  readonly crossings: readonly CrossingEdge[];
  readonly legend: readonly string[];
}

export const REACH_LEGEND =
  'Reach as booted: who can read (r) or write (w) the pages of each region in the state after boot; the steps of a trace can change it.';

export const STEPPED_REACH_LEGEND =
  'Reach after the step the stepper shows: who can read (r) or write (w) the pages of each region; an edge the step added is thick, one it removed is faint.';

function firewallText(region: Topology['memory'][number]): string | undefined {
  if (region.protection !== 'tzasc' || !region.tzasc) return undefined;
  const read = region.tzasc.nsRead.length ? region.tzasc.nsRead.join(', ') : 'none';
  const write = region.tzasc.nsWrite.length ? region.tzasc.nsWrite.join(', ') : 'none';
  return `TZASC firewall (set at ${region.tzasc.configuredAt}): non-secure read ${read}; write ${write}`;
}

/**
 * The graph of a topology; composes its world when not given one. Reach is drawn for `states`
 * (the state after boot unless given the states of a trace).
 */
export function topologyGraph(
  topology: Topology,
  composed: SdpWorld = composeWorld(topology),
  states: readonly WorldState[] = [composed.world.initial],
): TopologyGraph {
  const { model, layout } = composed;
  const stream = topology.streams.find((s) => s.name === topology.pipeline.stream);
  const audience = new Set(stream?.audience ?? []);
  const trusted = new Set(trustedBy(model, topology.pipeline.stream));
  const trustOf = (party: string): PartyTrust =>
    trusted.has(party) ? 'trusted' : audience.has(party) ? 'audience' : 'untrusted';
  const pkvm = topology.hypervisor.kind === 'pkvm' ? topology.hypervisor : undefined;
  // The secure world is a party when it runs a TEE or an SPMC, or when a firewall region
  // leaves it the only CPU access to some memory.
  const hasSecure =
    topology.secureWorld.tee ||
    topology.secureWorld.spmc !== 'none' ||
    topology.memory.some((region) => region.protection === 'tzasc');

  const clusters: TopologyCluster[] = [
    { id: 'normal', label: 'Normal world (non-secure)', kind: 'normalWorld' },
    { id: 'host', label: 'Host (untrusted: kernel and user space)', kind: 'host', parent: 'normal' },
  ];
  if (hasSecure || topology.devices.some((d) => d.secureMaster)) {
    clusters.push({ id: 'secure', label: 'Secure world', kind: 'secureWorld' });
  }
  const nodes: TopologyNode[] = [];
  const party = (name: string, label: string, cluster: string, details: string[] = []) =>
    nodes.push({ id: `party:${name}`, kind: 'party', label, details, cluster, trust: trustOf(name) });

  party('host', 'host kernel', 'host', [
    pkvm ? 'mapped through its stage-2 by pKVM' : 'no hypervisor: maps all normal-world memory',
  ]);
  party('vmm', 'VMM (user space)', 'host');
  for (const backend of topology.virtio.backends) {
    party(backend.name, `back-end ${backend.name}`, 'host', [`vhost-user, serves ${backend.servesVm}`]);
  }
  for (const vm of topology.vms) {
    clusters.push({
      id: `vm:${vm.name}`,
      label: `VM ${vm.name} (${vm.protected ? 'protected' : 'not protected'})`,
      kind: 'vm',
      parent: 'normal',
    });
    party(vm.name, vm.name, `vm:${vm.name}`, [
      vm.protected ? 'pVM: the host cannot map its memory' : 'np-VM',
    ]);
  }
  if (pkvm) {
    party('hyp', 'pKVM hypervisor (EL2)', 'normal', [
      `${pkvm.kernel === 'android' ? 'Android Common Kernel' : 'mainline'} rules`,
      `IOMMU: ${pkvm.iommu}; FF-A lend: ${pkvm.ffaLend}`,
    ]);
  }
  if (hasSecure) {
    const parts = [
      ...(topology.secureWorld.tee ? ['OP-TEE decrypt trusted app'] : []),
      ...(spmcName(topology.secureWorld) !== undefined
        ? [
            `${spmcName(topology.secureWorld)}${spmcProtects(topology.secureWorld) ? (topology.secureWorld.spmc === 'optee' ? ' (protects lent memory: plat_set_protmem_range)' : ' (moves lent memory to secure PAS)') : ''}`,
          ]
        : []),
    ];
    if (parts.length === 0) parts.push('no TEE or SPMC: firmware behind the firewall');
    const apps = topology.secureWorld.apps;
    if (apps === undefined) party('secure', 'secure world', 'secure', parts);
    for (const app of apps ?? []) {
      const mapped =
        app.heaps === undefined ? 'maps any buffer passed to it' : `maps heaps ${app.heaps.join(', ')}`;
      party(app.name, `trusted app ${app.name}`, 'secure', [mapped]);
    }
  }
  for (const device of topology.devices) {
    const iommu = { bypass: 'no IOMMU', identity: 'identity IOMMU domain', domain: 'own IOMMU domain' }[
      device.iommu
    ];
    nodes.push({
      id: `party:${device.name}`,
      kind: 'device',
      label: `${device.role} ${device.name}`,
      details: [
        `programmed by ${device.controlledBy}`,
        device.secureMaster ? 'secure bus master' : iommu,
        ...(device.secureInImpliesSecureOut ? [] : ['may write clear output for protected input']),
      ],
      cluster: device.secureMaster ? 'secure' : 'normal',
      trust: trustOf(device.name),
    });
  }

  clusters.push({ id: 'memory', label: 'Physical memory', kind: 'memory' });
  for (const spec of withHostScratch(topology).memory) {
    const name = spec.name;
    const details: string[] = [];
    if (name === HOST_SCRATCH) {
      details.push("the host's own page, which it can always hand out as a buffer");
    } else {
      details.push(
        `${spec.pages} page${spec.pages === 1 ? '' : 's'}${spec.type === 'nomap' ? ', no-map' : spec.type === 'mmio' ? ', MMIO' : ''}`,
      );
      const firewall = firewallText(spec);
      if (firewall) details.push(firewall);
      if (spec.owner !== 'host') {
        const vm = topology.vms.find((v) => v.name === spec.owner);
        details.push(
          `${vm?.protected ? 'donated to' : 'shared with'} ${spec.owner} at boot${spec.sharedWithHost ? ', shared back with the host' : ''}`,
        );
      }
      if (spec.knownBy !== 'deviceTree') details.push(`known by ${spec.knownBy}`);
    }
    clusters.push({ id: `cluster:${name}`, label: `region ${name}`, kind: 'region', parent: 'memory' });
    nodes.push({ id: `region:${name}`, kind: 'region', label: name, details, cluster: `cluster:${name}` });
    for (const heap of topology.heaps.filter((h) => h.region === name)) {
      nodes.push({
        id: `heap:${heap.name}`,
        kind: 'heap',
        label: `heap ${heap.name}`,
        details: [`${heap.kind}, exporter ${heap.exporter}`, `on free: ${heap.scrub}`],
        cluster: `cluster:${name}`,
      });
    }
    for (const buffer of layout.buffers.filter((b) => b.region === name && b.name !== HOST_SCRATCH)) {
      const labels = buffer.pages.map((pfn) => layout.pages[pfn]!.label);
      nodes.push({
        id: `buffer:${buffer.name}`,
        kind: 'buffer',
        label: `buffer ${buffer.name}`,
        details: [
          `${labels.join(', ') || 'no pages'}${buffer.protected ? ', protected' : ''}`,
          `allocated by ${buffer.allocatedBy}${buffer.heap ? ` from ${buffer.heap}` : ''}`,
        ],
        cluster: `cluster:${name}`,
      });
    }
  }

  // Reach in each state; an edge is one party's access of one kind to the same pages of a region.
  const reach = new Map<string, { edge: Omit<ReachEdge, 'steps'>; steps: number[] }>();
  states.forEach((state, index) => {
    const now = new Map<
      string,
      {
        from: string;
        region: string;
        kind: ReachEdge['kind'];
        read: Set<string>;
        write: Set<string>;
        via: Set<string>;
      }
    >();
    for (const page of model.pages) {
      for (const mode of ['read', 'write'] as const) {
        for (const path of accessPaths(model, state, page.pfn, mode)) {
          const from = `party:${path.party}`;
          if (!nodes.some((node) => node.id === from)) party(path.party, path.party, 'normal');
          const key = `${from}|${page.region}|${path.kind}`;
          const entry = now.get(key) ?? {
            from,
            region: page.region,
            kind: path.kind,
            read: new Set<string>(),
            write: new Set<string>(),
            via: new Set<string>(),
          };
          entry[mode].add(page.label);
          entry.via.add(path.via);
          now.set(key, entry);
        }
      }
    }
    for (const { from, region, kind, read, write, via } of now.values()) {
      const access = read.size > 0 && write.size > 0 ? 'read/write' : read.size > 0 ? 'read' : 'write';
      const pages = [...new Set([...read, ...write])].sort();
      const key = `${from}|${region}|${kind}|${access}|${pages.join()}`;
      const known = reach.get(key);
      if (known) known.steps.push(index);
      else {
        const ofPages = layout.regionPages.get(region)?.length ?? 0;
        const edge = { from, to: `region:${region}`, kind, access, pages, ofPages, via: [...via] } as const;
        reach.set(key, { edge, steps: [index] });
      }
    }
  });
  const reachEdges: ReachEdge[] = [...reach.values()].map(({ edge, steps }) => ({ ...edge, steps }));

  const relations: RelationEdge[] = [];
  for (const device of topology.devices) {
    relations.push({
      from: `party:${device.controlledBy}`,
      to: `party:${device.name}`,
      kind: 'controls',
      label: 'programs',
    });
  }
  for (const backend of topology.virtio.backends) {
    relations.push({
      from: `party:${backend.name}`,
      to: `party:${backend.servesVm}`,
      kind: 'serves',
      label: 'serves',
    });
  }

  const known = (id: string) => nodes.some((n) => n.id === id);
  const drawnRelations = relations.filter((r) => known(r.from) && known(r.to));
  const crossings = topologyCrossings(topology).filter((c) => known(c.from) && known(c.to));
  const styles = legendItems({ nodes, reach: reachEdges, relations: drawnRelations, crossings });
  const legend = [
    states.length > 1 ? STEPPED_REACH_LEGEND : REACH_LEGEND,
    `${styles.map(legendText).join('; ')}.`,
    `Stream ${topology.pipeline.stream}: audience ${[...audience].join(', ') || 'nobody'}.`,
    ...(topology.flaws.length ? [`Flaws switched on: ${topology.flaws.join(', ')}.`] : []),
  ];
  return {
    name: topology.name,
    description: topology.description,
    clusters,
    nodes,
    reach: reachEdges,
    relations: drawnRelations,
    crossings,
    legend,
  };
}

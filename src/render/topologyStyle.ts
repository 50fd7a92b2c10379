/**
 * The colours and line styles of a topology drawing, in one table that both the DOT output
 * (`dot.ts`) and the legends (the drawing's own caption, the review page's swatches) read, so
 * that a legend can never name a colour the drawing does not use. Pure data.
 */
import type { CrossingEdge } from './topologyCrossings.ts';
import type { PartyTrust, ReachEdge, TopologyGraph } from './topologyGraph.ts';

export type LineStyle = 'solid' | 'dashed' | 'dotted' | 'bold';

export interface EdgeStyle {
  readonly color: string;
  /** The colour in words, for a legend in prose. */
  readonly colorName: string;
  readonly line: LineStyle;
  readonly meaning: string;
}

export interface NodeStyle {
  readonly fill: string;
  readonly stroke: string;
  readonly colorName: string;
  readonly meaning: string;
}

export const REACH_STYLES: Record<ReachEdge['kind'], EdgeStyle> = {
  cpu: { color: '#1d4ed8', colorName: 'blue', line: 'solid', meaning: 'reach by CPU' },
  dma: { color: '#c2410c', colorName: 'orange', line: 'dashed', meaning: 'reach by DMA' },
  secure: { color: '#15803d', colorName: 'green', line: 'dotted', meaning: 'reach as the secure world' },
};

export const CROSSING_STYLE: EdgeStyle = {
  color: '#be185d',
  colorName: 'magenta',
  line: 'bold',
  meaning:
    'a crossing the design declares (virtio export, UUID lookup, import, swiotlb bounce, FF-A lend, Xen grant, gntdev export)',
};

export const RELATION_STYLE: EdgeStyle = {
  color: '#6b7280',
  colorName: 'grey',
  line: 'dotted',
  meaning: 'who programs a device, which VM a back-end serves',
};

export const TRUST_STYLES: Record<PartyTrust, NodeStyle> = {
  audience: { fill: '#dcfce7', stroke: '#15803d', colorName: 'green', meaning: "in the stream's audience" },
  untrusted: {
    fill: '#fee2e2',
    stroke: '#b91c1c',
    colorName: 'red',
    meaning: 'untrusted, outside the audience',
  },
  trusted: {
    fill: '#f3f4f6',
    stroke: '#6b7280',
    colorName: 'grey',
    meaning: "trusted by the pipeline's stream",
  },
};

export const MEMORY_STYLES: Record<'region' | 'heap' | 'buffer', NodeStyle> = {
  region: { fill: '#fef9c3', stroke: '#a16207', colorName: 'yellow', meaning: 'memory region' },
  heap: { fill: '#e0f2fe', stroke: '#0369a1', colorName: 'light blue', meaning: 'dma-buf heap' },
  buffer: { fill: '#ffffff', stroke: '#6b7280', colorName: 'white', meaning: 'buffer' },
};

/** One line of a legend: an edge style or a node style, as drawn. */
export type LegendItem = ({ readonly kind: 'edge' } & EdgeStyle) | ({ readonly kind: 'node' } & NodeStyle);

/** The legend of a drawing: only the styles it uses, edges first. */
export function legendItems(
  graph: Pick<TopologyGraph, 'nodes' | 'reach' | 'relations'> & {
    readonly crossings: readonly CrossingEdge[];
  },
): LegendItem[] {
  const items: LegendItem[] = [];
  for (const kind of ['cpu', 'dma', 'secure'] as const) {
    if (graph.reach.some((edge) => edge.kind === kind)) items.push({ kind: 'edge', ...REACH_STYLES[kind] });
  }
  if (graph.crossings.length > 0) items.push({ kind: 'edge', ...CROSSING_STYLE });
  if (graph.relations.length > 0) items.push({ kind: 'edge', ...RELATION_STYLE });
  for (const trust of ['audience', 'untrusted', 'trusted'] as const) {
    if (graph.nodes.some((node) => node.trust === trust))
      items.push({ kind: 'node', ...TRUST_STYLES[trust] });
  }
  for (const kind of ['region', 'heap', 'buffer'] as const) {
    if (graph.nodes.some((node) => node.kind === kind)) items.push({ kind: 'node', ...MEMORY_STYLES[kind] });
  }
  return items;
}

/** A legend item in words: `dashed orange: reach by DMA`, `green: in the stream's audience`. */
export function legendText(item: LegendItem): string {
  return item.kind === 'edge'
    ? `${item.line} ${item.colorName}: ${item.meaning}`
    : `${item.colorName}: ${item.meaning}`;
}

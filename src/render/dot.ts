/**
 * Graphviz DOT text for a machine's state chart and for a topology. Pure: graph in, text out;
 * `svg.ts` lays the text out.
 *
 * Machines: a compound state is a cluster entered through its initial dot; transitions with a
 * target are edges (those between the same two states share one edge, one line each);
 * targetless transitions change no state, so they are listed inside the state that declares
 * them, under a rule, as UML lists internal transitions (the machine's own in the title).
 */
import {
  allStates,
  drawnEdges,
  isWithin,
  type MachineGraph,
  type StateGraphNode,
  type TransitionEdge,
} from './machineGraph.ts';
import { wrapWords } from './markup.ts';
import type { TopologyGraph, TopologyNode } from './topologyGraph.ts';
import {
  CROSSING_STYLE,
  type EdgeStyle,
  MEMORY_STYLES,
  REACH_STYLES,
  RELATION_STYLE,
  TRUST_STYLES,
} from './topologyStyle.ts';

const FONT = 'Helvetica';

/** Escapes text for a Graphviz HTML-like label. */
export function htmlLabelText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\s+/g, ' ');
}

/** A double-quoted DOT identifier or string. */
export function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function htmlLines(text: string, width: number): string {
  return wrapWords(text, width).map(htmlLabelText).join('<BR/>');
}

const LEFT_BREAK = '<BR ALIGN="LEFT"/>';

/** A transition as left-aligned lines: the event, then its guard, then its actions, each wrapped. */
function transitionHtml(transition: TransitionEdge): string {
  const pieces = [
    transition.event,
    ...(transition.guard === undefined ? [] : [`[${transition.guard}]`]),
    ...(transition.actions.length === 0 ? [] : [`/ ${transition.actions.join(', ')}`]),
  ];
  return pieces
    .flatMap((piece) => wrapWords(piece, 56))
    .map(htmlLabelText)
    .join(LEFT_BREAK);
}

const STATE_FILL = '#eef2ff';
const STATE_LINE = '#4f46e5';

function stateTable(
  title: string,
  description: string | undefined,
  internal: readonly TransitionEdge[],
): string {
  const rows = [`<TR><TD><B>${htmlLabelText(title)}</B></TD></TR>`];
  if (description) {
    rows.push(
      `<TR><TD><FONT POINT-SIZE="9" COLOR="#4b5563"><I>${htmlLines(description, 44)}</I></FONT></TD></TR>`,
    );
  }
  if (internal.length > 0) {
    rows.push('<HR/>');
    rows.push(
      `<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="9">${internal
        .map(transitionHtml)
        .join(LEFT_BREAK)}${LEFT_BREAK}</FONT></TD></TR>`,
    );
  }
  return `<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">${rows.join('')}</TABLE>>`;
}

/** The innermost compound state that contains both states, if any. */
function commonCompound(a: string, b: string, compound: ReadonlySet<string>): string | undefined {
  const parts = a.split('.');
  for (let length = parts.length; length > 0; length--) {
    const candidate = parts.slice(0, length).join('.');
    if (compound.has(candidate) && isWithin(b, candidate)) return candidate;
  }
  return undefined;
}

const initialId = (state: string) => dotString(`${state}#initial`);
const clusterId = (state: string) => dotString(`cluster_${state}`);

/** A machine's state chart in DOT. */
export function machineDot(graph: MachineGraph): string {
  const internalOf = new Map<string, TransitionEdge[]>();
  for (const t of graph.transitions) {
    if (t.target !== undefined) continue;
    internalOf.set(t.source, [...(internalOf.get(t.source) ?? []), t]);
  }
  const compound = new Set(
    allStates(graph)
      .filter((s) => s.kind === 'compound' && s.id !== '')
      .map((s) => s.id),
  );
  const lines = [
    `digraph ${dotString(graph.id)} {`,
    `  graph [fontname=${dotString(FONT)}, fontsize=12, labelloc=t, labeljust=l, compound=true, nodesep=0.35, ranksep=0.45, label=${stateTable(graph.id, graph.description, internalOf.get('') ?? [])}];`,
    `  node [fontname=${dotString(FONT)}, fontsize=11, shape=box, style="rounded,filled", fillcolor="${STATE_FILL}", color="${STATE_LINE}"];`,
    `  edge [fontname=${dotString(FONT)}, fontsize=9, color="#374151", arrowsize=0.7];`,
  ];
  /** The node an edge into `state` ends at: the state, or a compound's initial dot. */
  const entryOf = (state: string) => (compound.has(state) ? initialId(state) : dotString(state));
  // Each edge's label is a node of its own on the edge's path, so labels never overlap; it sits
  // in the innermost compound state holding both ends.
  const edges = drawnEdges(graph, { loops: false }).map((edge, index) => ({
    ...edge,
    label: dotString(`#label${index}`),
    within: commonCompound(edge.from, edge.to, compound) ?? '',
  }));
  const emit = (node: StateGraphNode, indent: string) => {
    for (const edge of edges.filter((e) => e.within === node.id)) {
      lines.push(
        `${indent}${edge.label} [shape=plain, fontsize=9, style="", label=<${edge.transitions.map(transitionHtml).join(LEFT_BREAK)}${LEFT_BREAK}>];`,
      );
    }
    if (node.initial !== undefined) {
      lines.push(
        `${indent}${initialId(node.id)} [shape=point, width=0.12, style=filled, color="#111827", fillcolor="#111827", label=""];`,
      );
      lines.push(`${indent}${initialId(node.id)} -> ${entryOf(node.initial)};`);
    }
    for (const child of node.children) {
      if (child.kind === 'compound') {
        lines.push(`${indent}subgraph ${clusterId(child.id)} {`);
        lines.push(
          `${indent}  graph [style="rounded", color="${STATE_LINE}", bgcolor="#f8fafc", label=${stateTable(child.key, child.description, internalOf.get(child.id) ?? [])}];`,
        );
        emit(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        const final = child.kind === 'final' ? ', peripheries=2' : '';
        lines.push(
          `${indent}${dotString(child.id)} [label=${stateTable(child.key, child.description, internalOf.get(child.id) ?? [])}${final}];`,
        );
      }
    }
  };
  emit(graph.root, '  ');
  for (const edge of edges) {
    const tail =
      compound.has(edge.from) && !isWithin(edge.to, edge.from) ? `, ltail=${clusterId(edge.from)}` : '';
    const head = compound.has(edge.to) && !isWithin(edge.from, edge.to) ? `lhead=${clusterId(edge.to)}` : '';
    lines.push(`  ${entryOf(edge.from)} -> ${edge.label} [arrowhead=none${tail}];`);
    lines.push(`  ${edge.label} -> ${entryOf(edge.to)} [${head}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/* ------------------------------------------------------------------------------------------ */
/* Topologies                                                                                   */
/* ------------------------------------------------------------------------------------------ */

const CLUSTER_STYLE: Record<string, string> = {
  normalWorld: 'color="#6b7280", style="rounded", bgcolor="#ffffff"',
  secureWorld: 'color="#15803d", style="rounded,filled", fillcolor="#f0fdf4", penwidth=2',
  host: 'color="#b91c1c", style="rounded,dashed"',
  vm: 'color="#7c3aed", style="rounded"',
  memory: 'color="#6b7280", style="rounded", bgcolor="#fafafa"',
  region: 'color="#9ca3af", style="rounded,filled", fillcolor="#ffffff"',
};

/** DOT attributes of an edge style. */
function edgeStyle(style: EdgeStyle): string {
  const line = style.line === 'bold' ? 'style=bold, penwidth=2' : `style=${style.line}`;
  return `color="${style.color}", fontcolor="${style.color}", ${line}`;
}

function nodeAttributes(node: TopologyNode): string {
  const label = `<<B>${htmlLabelText(node.label)}</B>${node.details
    .map((line) => `<BR/><FONT POINT-SIZE="9">${htmlLines(line, 40)}</FONT>`)
    .join('')}>`;
  if (node.kind === 'party' || node.kind === 'device') {
    const colors = TRUST_STYLES[node.trust ?? 'untrusted'];
    const shape = node.kind === 'device' ? 'component' : 'box';
    return `label=${label}, shape=${shape}, style="rounded,filled", fillcolor="${colors.fill}", color="${colors.stroke}"`;
  }
  const shape = { region: 'box3d', heap: 'cylinder', buffer: 'note' }[node.kind];
  const colors = MEMORY_STYLES[node.kind];
  return `label=${label}, shape=${shape}, style=filled, fillcolor="${colors.fill}", color="${colors.stroke}"`;
}

/**
 * A topology in DOT: parties on the left, memory on the right, reach as edges between them,
 * and the crossings the design declares. Each reach edge has the SVG class `reach` and `s<i>`
 * for every state `i` it holds in, so a page can show the reach of one step of a trace. The
 * legend is the graph's label unless `legend: false` (for a page that draws its own).
 */
export function topologyDot(graph: TopologyGraph, options: { readonly legend?: boolean } = {}): string {
  const legend = (options.legend ?? true) ? graph.legend : [];
  const lines = [
    `digraph ${dotString(graph.name)} {`,
    `  graph [fontname=${dotString(FONT)}, fontsize=12, rankdir=LR, compound=true, nodesep=0.3, ranksep=1.1, labelloc=b, labeljust=l, label=<<B>${htmlLabelText(graph.name)}</B><BR ALIGN="LEFT"/>${legend
      .map((line) => `${htmlLines(line, 110).replace(/<BR\/>/g, '<BR ALIGN="LEFT"/>')}<BR ALIGN="LEFT"/>`)
      .join('')}>];`,
    `  node [fontname=${dotString(FONT)}, fontsize=10];`,
    `  edge [fontname=${dotString(FONT)}, fontsize=9, arrowsize=0.7];`,
  ];
  const children = (parent: string | undefined) => graph.clusters.filter((c) => c.parent === parent);
  const emitCluster = (id: string | undefined, indent: string) => {
    for (const node of graph.nodes.filter((n) => n.cluster === id)) {
      lines.push(`${indent}${dotString(node.id)} [${nodeAttributes(node)}];`);
    }
    for (const cluster of children(id)) {
      lines.push(`${indent}subgraph ${dotString(`cluster_${cluster.id}`)} {`);
      lines.push(
        `${indent}  graph [labelloc=t, label=<<B>${htmlLabelText(cluster.label)}</B>>, ${CLUSTER_STYLE[cluster.kind] ?? ''}];`,
      );
      emitCluster(cluster.id, `${indent}  `);
      lines.push(`${indent}}`);
    }
  };
  emitCluster(undefined, '  ');
  for (const relation of graph.relations) {
    lines.push(
      `  ${dotString(relation.from)} -> ${dotString(relation.to)} [label=${dotString(relation.label)}, ${edgeStyle(RELATION_STYLE)}, arrowhead=open];`,
    );
  }
  for (const crossing of graph.crossings) {
    lines.push(
      `  ${dotString(crossing.from)} -> ${dotString(crossing.to)} [label=${dotString(crossing.label)}, ${edgeStyle(CROSSING_STYLE)}, class="crossing ${crossing.kind}"];`,
    );
  }
  for (const edge of graph.reach) {
    const access = edge.access === 'read/write' ? 'r/w' : edge.access === 'read' ? 'r' : 'w';
    const kind = edge.kind === 'secure' ? 'secure' : edge.kind.toUpperCase();
    const count = `${edge.pages.length}/${edge.ofPages}`;
    lines.push(
      `  ${dotString(edge.from)} -> ${dotString(edge.to)} [label=${dotString(`${kind} ${access} ${count}`)}, tooltip=${dotString(edge.via.join('; '))}, ${edgeStyle(REACH_STYLES[edge.kind])}${edge.kind === 'secure' ? ', penwidth=1.6' : ''}, class=${dotString(['reach', ...edge.steps.map((i) => `s${i}`)].join(' '))}];`,
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

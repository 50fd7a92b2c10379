/**
 * Graphviz DOT text for a machine's state chart and for a topology. Pure: graph in, text out;
 * `svg.ts` lays the text out.
 *
 * Machines: a compound state is a cluster entered through its initial dot; transitions with a
 * target are edges (those between the same two states share one edge, one line each);
 * targetless transitions change no state, so they are listed inside the state that declares
 * them, under a rule, as UML lists internal transitions (the machine's own in the title).
 */
import type { GuardCitation } from '../check/guardCitations.ts';
import {
  conditionTooltip,
  type GuardLegend,
  guardLegend,
  guardsOf,
  type LabelLine,
  labelLines,
} from './guardLegend.ts';
import {
  allStates,
  foldedChart,
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

/**
 * Machine charts are laid out with Verdana's metrics, the widest of the common sans-serif
 * faces, and the SVG declares the stack `CHART_FONT_STACK` (see `svg.ts`): whichever face a
 * viewer has, its text is no wider than Graphviz measured, so it stays inside its boxes.
 */
const CHART_FONT = 'Verdana';
const CHANGED = '#dc2626';

export interface MachineChartOptions {
  /** What each guard's doc comment cites (`guardCitations[machine.id]`), for the legend. */
  readonly citations?: Readonly<Record<string, GuardCitation>>;
  /** What a `provide()` variant replaces: the edges and stays that use it are drawn in red. */
  readonly changed?: {
    readonly guards: readonly string[];
    readonly actions: readonly string[];
    /** One sentence on the variant, shown under the title. */
    readonly note: string;
  };
}

/** A label line: the events, then the short guard, then the actions, each wrapped, left-aligned. */
function lineHtml(line: LabelLine, changed: boolean): string {
  const pieces = [
    `${line.events.join(', ')}${line.guard === undefined ? '' : ` [${line.guard}]`}`,
    ...(line.actions.length === 0 ? [] : [`/ ${line.actions.join(', ')}`]),
  ];
  const text = pieces
    .flatMap((piece) => wrapWords(piece, 48))
    .map(htmlLabelText)
    .join(LEFT_BREAK);
  return changed ? `<FONT COLOR="${CHANGED}">${text}</FONT>` : text;
}

const STATE_FILL = '#eef2ff';
const STATE_LINE = '#4f46e5';

/** Draws transitions as label lines, a changed one in red. */
type LinesHtml = (transitions: readonly TransitionEdge[]) => string;

function stateTable(title: string, description: string | undefined, stays: string): string {
  const rows = [`<TR><TD><B>${htmlLabelText(title)}</B></TD></TR>`];
  if (description) {
    rows.push(
      `<TR><TD><FONT POINT-SIZE="9" COLOR="#4b5563"><I>${htmlLines(description, 40)}</I></FONT></TD></TR>`,
    );
  }
  if (stays !== '') {
    rows.push('<HR/>');
    rows.push(`<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="9">${stays}</FONT></TD></TR>`);
  }
  return `<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="3">${rows.join('')}</TABLE>`;
}

/** The legend: each short guard name, its full condition (for a composite) and what it mirrors. */
function legendTable(legend: GuardLegend, isChanged: (guard: string) => boolean): string {
  if (legend.entries.length === 0) return '';
  const cell = (text: string, width: number) =>
    `<TD ALIGN="LEFT" BALIGN="LEFT" VALIGN="TOP">${htmlLines(text, width).replace(/<BR\/>/g, LEFT_BREAK)}</TD>`;
  const rows = legend.entries.map((entry) => {
    const colour = entry.guards.some(isChanged) ? ` COLOR="${CHANGED}"` : '';
    const condition = entry.condition === entry.short ? '' : entry.condition;
    return `<TR><TD ALIGN="LEFT" VALIGN="TOP"><FONT${colour}><B>${htmlLabelText(entry.short)}</B></FONT></TD>${cell(condition, 96)}${cell(entry.functions.join(', '), 64)}</TR>`;
  });
  return `<TABLE BORDER="0" CELLBORDER="1" COLOR="#d1d5db" CELLSPACING="0" CELLPADDING="3"><TR><TD ALIGN="LEFT"><B>guard</B></TD><TD ALIGN="LEFT"><B>condition</B></TD><TD ALIGN="LEFT"><B>mirrors</B></TD></TR>${rows.join('')}</TABLE>`;
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

/**
 * A machine's state chart in DOT. Each edge is labelled with its events, the short name of its
 * guard (`guardLegend.ts`) and its actions; transitions that leave a state where it is are
 * listed inside it instead of looping; the legend under the title spells out every guard. Edges,
 * label and state nodes carry a tooltip with the full conditions and what they mirror.
 */
export function machineDot(graph: MachineGraph, options: MachineChartOptions = {}): string {
  const legend = guardLegend(graph, options.citations);
  const changedGuards = new Set(options.changed?.guards ?? []);
  const changedActions = new Set(options.changed?.actions ?? []);
  const isChanged = (t: TransitionEdge) =>
    (t.guard !== undefined && guardsOf(t.guard).some((g) => changedGuards.has(g))) ||
    t.actions.some((a) => changedActions.has(a));
  const linesHtml: LinesHtml = (transitions) =>
    labelLines(transitions, legend)
      .map((line) =>
        lineHtml(
          line,
          transitions.some((t) => isChanged(t) && line.events.includes(t.event)),
        ),
      )
      .map((html) => `${html}${LEFT_BREAK}`)
      .join('');
  const tooltip = (transitions: readonly TransitionEdge[]) =>
    dotString(transitions.map((t) => conditionTooltip(t, legend)).join('\n'));
  const chart = foldedChart(graph);
  const staysOf = (state: string) => linesHtml(chart.stays.get(state) ?? []);
  const compound = new Set(
    allStates(graph)
      .filter((s) => s.kind === 'compound' && s.id !== '')
      .map((s) => s.id),
  );
  const note = options.changed
    ? `<TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT COLOR="${CHANGED}">${htmlLines(options.changed.note, 90).replace(/<BR\/>/g, LEFT_BREAK)}</FONT></TD></TR>`
    : '';
  const title = `<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="0"><TR><TD ALIGN="LEFT">${stateTable(graph.id, graph.description, staysOf(''))}</TD></TR>${note}<TR><TD ALIGN="LEFT">${legendTable(legend, (g) => changedGuards.has(g))}</TD></TR></TABLE>>`;
  const font = dotString(CHART_FONT);
  const lines = [
    `digraph ${dotString(graph.id)} {`,
    `  graph [fontname=${font}, fontsize=11, labelloc=b, labeljust=l, compound=true, nodesep=0.3, ranksep=0.4, label=${title}];`,
    `  node [fontname=${font}, fontsize=10, shape=box, margin="0.08,0.04", style="rounded,filled", fillcolor="${STATE_FILL}", color="${STATE_LINE}"];`,
    `  edge [fontname=${font}, fontsize=9, color="#374151", arrowsize=0.7];`,
  ];
  /** The node an edge into `state` ends at: the state, or a compound's initial dot. */
  const entryOf = (state: string) => (compound.has(state) ? initialId(state) : dotString(state));
  // Each edge's label is a node of its own on the edge's path, so a label always sits on its
  // edge and labels never overlap; it sits in the innermost compound state holding both ends.
  const edges = chart.edges.map((edge, index) => ({
    ...edge,
    label: dotString(`#label${index}`),
    within: commonCompound(edge.from, edge.to, compound) ?? '',
    changed: edge.transitions.some(isChanged),
  }));
  const emit = (node: StateGraphNode, indent: string) => {
    for (const edge of edges.filter((e) => e.within === node.id)) {
      lines.push(
        `${indent}${edge.label} [shape=plain, fontsize=9, style="", tooltip=${tooltip(edge.transitions)}, label=<${linesHtml(edge.transitions)}>];`,
      );
    }
    if (node.initial !== undefined) {
      lines.push(
        `${indent}${initialId(node.id)} [shape=point, width=0.12, style=filled, color="#111827", fillcolor="#111827", label=""];`,
      );
      lines.push(`${indent}${initialId(node.id)} -> ${entryOf(node.initial)};`);
    }
    for (const child of node.children) {
      const label = `<${stateTable(child.key, child.description, staysOf(child.id))}>`;
      const stays = tooltip(chart.stays.get(child.id) ?? []);
      if (child.kind === 'compound') {
        lines.push(`${indent}subgraph ${clusterId(child.id)} {`);
        lines.push(
          `${indent}  graph [style="rounded", labelloc=t, color="${STATE_LINE}", bgcolor="#f8fafc", tooltip=${stays}, label=${label}];`,
        );
        emit(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        const final = child.kind === 'final' ? ', peripheries=2' : '';
        lines.push(`${indent}${dotString(child.id)} [tooltip=${stays}, label=${label}${final}];`);
      }
    }
  };
  emit(graph.root, '  ');
  for (const edge of edges) {
    const tail =
      compound.has(edge.from) && !isWithin(edge.to, edge.from) ? `, ltail=${clusterId(edge.from)}` : '';
    const head =
      compound.has(edge.to) && !isWithin(edge.from, edge.to) ? `lhead=${clusterId(edge.to)}, ` : '';
    const style = edge.changed ? `, color="${CHANGED}", penwidth=2` : '';
    const tip = `tooltip=${tooltip(edge.transitions)}${style}`;
    lines.push(`  ${entryOf(edge.from)} -> ${edge.label} [arrowhead=none${tail}, ${tip}];`);
    lines.push(`  ${edge.label} -> ${entryOf(edge.to)} [${head}${tip}];`);
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

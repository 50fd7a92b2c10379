/**
 * Mermaid text for the diagrams protmem draws: a machine as a state chart (`stateDiagram-v2`).
 * Pure: data in, text out.
 *
 * Mermaid draws one edge per pair of states (a second one between the same states is lost),
 * so the transitions between two states share one edge whose label lists them, one per line
 * (`drawnEdges`). A targetless transition is a loop on the state that declares it.
 */
import { drawnEdges, type MachineGraph, type StateGraphNode, transitionLabel } from './machineGraph.ts';

/** A Mermaid identifier for a state path: `NOPAGE.ownedByGuest` → `NOPAGE__ownedByGuest`. */
function stateId(path: string): string {
  return path.replace(/\./g, '__').replace(/[^A-Za-z0-9_]/g, '_');
}

/** Free text made safe for a Mermaid label or description (no statement separators or entities). */
export function mermaidText(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/;/g, ',')
    .replace(/#/g, 'no. ')
    .replace(/[{}]/g, (brace) => (brace === '{' ? '(' : ')'))
    .replace(/-->/g, '→')
    .replace(/"/g, "'")
    .trim();
}

function stateLines(node: StateGraphNode, indent: string): string[] {
  const id = stateId(node.id);
  const lines: string[] = [];
  if (node.kind === 'compound') {
    lines.push(`${indent}state "${mermaidText(node.key)}" as ${id} {`);
    lines.push(...compoundBody(node, `${indent}  `));
    lines.push(`${indent}}`);
    if (node.description) {
      lines.push(
        `${indent}note right of ${id}`,
        `${indent}  ${mermaidText(node.description)}`,
        `${indent}end note`,
      );
    }
    return lines;
  }
  lines.push(`${indent}state "${mermaidText(node.key)}" as ${id}`);
  if (node.description) lines.push(`${indent}${id} : ${mermaidText(node.description)}`);
  if (node.kind === 'final') lines.push(`${indent}${id} --> [*]`);
  return lines;
}

function compoundBody(node: StateGraphNode, indent: string): string[] {
  const lines: string[] = [];
  if (node.initial !== undefined) lines.push(`${indent}[*] --> ${stateId(node.initial)}`);
  for (const child of node.children) lines.push(...stateLines(child, indent));
  return lines;
}

/** A machine as a Mermaid state chart. */
export function machineMermaid(graph: MachineGraph): string {
  const lines = ['stateDiagram-v2'];
  lines.push(`  %% ${graph.id}${graph.description ? `: ${mermaidText(graph.description)}` : ''}`);
  lines.push(...compoundBody(graph.root, '  '));
  for (const edge of drawnEdges(graph, { loops: true })) {
    lines.push(
      `  ${stateId(edge.from)} --> ${stateId(edge.to)} : ${edge.transitions.map((t) => mermaidText(transitionLabel(t))).join('<br/>')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Mermaid text for the diagrams protmem draws: a machine as a state chart (`stateDiagram-v2`)
 * and a counterexample as a sequence diagram between the parties. Pure: data in, text out.
 *
 * Mermaid draws one edge per pair of states (a second one between the same states is lost),
 * so the transitions between two states share one edge whose label lists them, one per line
 * (`drawnEdges`), each guard by its short name (`guardLegend.ts`), spelt out in `%%` comments.
 * Transitions that leave a state where it is are a note beside it, not loops.
 */

import type { GuardCitation } from '../check/guardCitations.ts';
import type { TraceStates } from '../check/traceStates.ts';
import { type GuardLegend, guardLegend, type LabelLine, labelLines } from './guardLegend.ts';
import { foldedChart, type MachineGraph, type StateGraphNode, type TransitionEdge } from './machineGraph.ts';

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

function lineText(line: LabelLine): string {
  const guard = line.guard === undefined ? '' : ` [${line.guard}]`;
  const actions = line.actions.length === 0 ? '' : ` / ${line.actions.join(', ')}`;
  return mermaidText(`${line.events.join(', ')}${guard}${actions}`);
}

const linesText = (transitions: readonly TransitionEdge[], legend: GuardLegend) =>
  labelLines(transitions, legend).map(lineText).join('<br/>');

/** A machine as a Mermaid state chart. */
export function machineMermaid(
  graph: MachineGraph,
  citations: Readonly<Record<string, GuardCitation>> = {},
): string {
  const legend = guardLegend(graph, citations);
  const chart = foldedChart(graph);
  const lines = ['stateDiagram-v2'];
  lines.push(`  %% ${graph.id}${graph.description ? `: ${mermaidText(graph.description)}` : ''}`);
  for (const entry of legend.entries) {
    const mirrors = entry.functions.length === 0 ? '' : `  (mirrors ${entry.functions.join(', ')})`;
    lines.push(`  %% ${entry.short}: ${mermaidText(`${entry.condition}${mirrors}`)}`);
  }
  lines.push(...compoundBody(graph.root, '  '));
  for (const [state, stays] of chart.stays) {
    const where = state === '' ? 'in every state' : 'stays';
    const on = state === '' ? stateId(graph.root.initial ?? '') : stateId(state);
    if (on === '') continue;
    lines.push(`  note left of ${on}`, `    ${where}: ${linesText(stays, legend)}`, '  end note');
  }
  for (const edge of chart.edges) {
    lines.push(`  ${stateId(edge.from)} --> ${stateId(edge.to)} : ${linesText(edge.transitions, legend)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A Mermaid participant identifier for a party name. */
function participantId(party: string): string {
  return `p_${party.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/**
 * A counterexample as a Mermaid sequence diagram: one message per step from the party that
 * makes the call to the parties whose machines it changes, each effect on a page as a note,
 * and the violating step boxed with what it breaks.
 */
export function traceSequenceMermaid(trace: TraceStates): string {
  const lines = ['sequenceDiagram', `  %% ${trace.topology}: ${trace.property} violated`];
  for (const party of trace.participants) {
    lines.push(`  participant ${participantId(party)} as ${mermaidText(party)}`);
  }
  for (const state of trace.states.slice(1)) {
    const step = state.step!;
    const inner: string[] = [];
    const callees = state.callees.length > 0 ? state.callees : [step.actor];
    const text = `${step.index}. ${mermaidText(step.description)} [${step.event}]`;
    inner.push(`  ${participantId(step.actor)}->>${participantId(callees[0]!)}: ${text}`);
    for (const callee of callees.slice(1)) {
      inner.push(`  ${participantId(step.actor)}-->>${participantId(callee)}: ${step.event}`);
    }
    const over = [...new Set([step.actor, ...callees])].map(participantId);
    const span = over.length > 1 ? `${over[0]},${over.at(-1)}` : over[0]!;
    if (state.effects.length > 0) {
      inner.push(`  Note over ${span}: ${state.effects.map(mermaidText).join('<br/>')}`);
    }
    if (state.violating) {
      lines.push('  rect rgb(255, 228, 228)');
      lines.push(...inner.map((line) => `  ${line}`));
      lines.push(
        `    Note over ${span}: ✖ ${mermaidText(trace.property)}<br/>${trace.violations
          .map((v) => mermaidText(`${v.subject}: ${v.actual}`))
          .join('<br/>')}`,
      );
      lines.push('  end');
    } else {
      lines.push(...inner);
    }
  }
  return `${lines.join('\n')}\n`;
}

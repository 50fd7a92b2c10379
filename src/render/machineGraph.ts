/**
 * An XState machine's definition as a small graph: its states (nested as the machine nests
 * them) and its transitions, each with the event, the target, the guard and the actions by
 * name. This is the data the state-chart renderers (`mermaid.ts`, `dot.ts`) draw; it is read
 * from `machine.root`, so a chart never disagrees with the machine the checker steps.
 *
 * Guards read as the machine spells them: a named guard by its name, `and([...])` as the names
 * joined with ` && ` (`or` with ` || `, `not` as `!name`), in the source's order. Pure.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

export interface StateGraphNode {
  /** Dot-joined path from the root (`NOPAGE.ownedByGuest`); `''` for the machine itself. */
  readonly id: string;
  /** The state's own key (`ownedByGuest`); the machine id for the root. */
  readonly key: string;
  readonly kind: 'atomic' | 'compound' | 'final';
  readonly description?: string;
  /** Id of the initial child, for a compound state. */
  readonly initial?: string;
  readonly children: readonly StateGraphNode[];
}

export interface TransitionEdge {
  /** The state that declares the transition (`''`: the machine root, so every state). */
  readonly source: string;
  /** The state it enters; absent for a targetless (internal) transition. */
  readonly target?: string;
  readonly event: string;
  readonly guard?: string;
  readonly actions: readonly string[];
  readonly description?: string;
}

export interface MachineGraph {
  readonly id: string;
  readonly description?: string;
  readonly root: StateGraphNode;
  readonly transitions: readonly TransitionEdge[];
  /** Every event type some state handles, sorted. */
  readonly events: readonly string[];
}

function nodeId(node: AnyStateNode): string {
  return node.path.join('.');
}

function wrapped(name: string): string {
  return / (&&|\|\|) /.test(name) ? `(${name})` : name;
}

/** A guard as the machine names it; `undefined` for none. */
export function guardName(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const builtin = guard as { name?: string; guards?: readonly unknown[] };
    if (Array.isArray(builtin.guards)) {
      const parts = builtin.guards.map((part) => guardName(part) ?? 'inline');
      if (builtin.name === 'and') return parts.map(wrapped).join(' && ');
      if (builtin.name === 'or') return parts.map(wrapped).join(' || ');
      if (builtin.name === 'not') return `!${wrapped(parts[0] ?? 'inline')}`;
    }
    return builtin.name || 'inline';
  }
  const object = guard as { type?: unknown };
  return typeof object.type === 'string' ? object.type : 'inline';
}

/** An action as the machine names it: `hypBorrows`, or `assign`/`emit` for an inline one. */
export function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  const object = action as { type?: unknown } | null;
  const type = object && typeof object.type === 'string' ? object.type : undefined;
  if (type === undefined) return 'inline';
  return type.startsWith('xstate.') ? type.slice('xstate.'.length) : type;
}

function stateNode(node: AnyStateNode): StateGraphNode {
  const children = (Object.values(node.states) as AnyStateNode[]).map(stateNode);
  const initialTarget = node.type === 'compound' ? node.initial?.target?.[0] : undefined;
  return {
    id: nodeId(node),
    key: node.path.length === 0 ? node.machine.id : node.key,
    kind: node.type === 'final' ? 'final' : children.length > 0 ? 'compound' : 'atomic',
    ...(node.description ? { description: node.description } : {}),
    ...(initialTarget ? { initial: nodeId(initialTarget) } : {}),
    children,
  };
}

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...(Object.values(node.states) as AnyStateNode[]).flatMap(allNodes)];
}

/** The graph of a machine's definition. */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const transitions: TransitionEdge[] = [];
  for (const node of allNodes(machine.root)) {
    for (const [event, definitions] of node.transitions) {
      for (const definition of definitions) {
        const targets = (definition.target ?? []) as readonly AnyStateNode[];
        const guard = guardName(definition.guard);
        const description = (definition as { description?: string }).description;
        transitions.push({
          source: nodeId(node),
          ...(targets[0] ? { target: nodeId(targets[0]) } : {}),
          event,
          ...(guard !== undefined ? { guard } : {}),
          actions: ((definition.actions ?? []) as readonly unknown[]).map(actionName),
          ...(description ? { description } : {}),
        });
      }
    }
  }
  return {
    id: machine.id,
    ...(machine.root.description ? { description: machine.root.description } : {}),
    root: stateNode(machine.root),
    transitions,
    events: [...new Set(transitions.map((t) => t.event))].sort(),
  };
}

/** `EVENT [guard] / action, action`: a transition's label in UML order. */
export function transitionLabel(transition: TransitionEdge): string {
  const guard = transition.guard === undefined ? '' : ` [${transition.guard}]`;
  const actions = transition.actions.length === 0 ? '' : ` / ${transition.actions.join(', ')}`;
  return `${transition.event}${guard}${actions}`;
}

/** Every state of the graph, depth first, root first. */
export function allStates(graph: MachineGraph): StateGraphNode[] {
  const out: StateGraphNode[] = [];
  const walk = (node: StateGraphNode) => {
    out.push(node);
    node.children.forEach(walk);
  };
  walk(graph.root);
  return out;
}

/** True iff `path` is `ancestor` or lies inside it (`''` contains everything). */
export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}.`);
}

export interface DrawnEdge {
  readonly from: string;
  readonly to: string;
  /** The transitions the edge stands for, in declaration order. */
  readonly transitions: TransitionEdge[];
}

/**
 * The edges to draw for a machine graph: one per pair of states, standing for every
 * transition between them, in the order the machine declares them. A transition declared on
 * a compound state leaves from the compound; one declared on the machine itself, or on a
 * compound towards one of its own children, applies in every child, so it leaves from each
 * child. With `loops`, a targetless transition is a loop on the state that declares it (on
 * each top-level state, for the machine's own). Shared by the Mermaid and DOT renderers.
 */
export function drawnEdges(graph: MachineGraph, options: { loops: boolean }): DrawnEdge[] {
  const byId = new Map(allStates(graph).map((node) => [node.id, node]));
  const edges = new Map<string, DrawnEdge>();
  const add = (from: string, to: string, transition: TransitionEdge) => {
    const key = `${from}\u0000${to}`;
    const edge = edges.get(key) ?? { from, to, transitions: [] };
    if (!edge.transitions.includes(transition)) edge.transitions.push(transition);
    edges.set(key, edge);
  };
  for (const transition of graph.transitions) {
    const source = byId.get(transition.source)!;
    if (transition.target === undefined) {
      if (!options.loops) continue;
      const loopOn = transition.source === '' ? source.children : [source];
      for (const state of loopOn) add(state.id, state.id, transition);
      continue;
    }
    const target = transition.target;
    const expand = transition.source === '' || (target !== source.id && isWithin(target, source.id));
    for (const state of expand ? source.children : [source]) add(state.id, target, transition);
  }
  return [...edges.values()];
}

export interface FoldedChart {
  /** The edges between two different states. */
  readonly edges: readonly DrawnEdge[];
  /**
   * Per state, the transitions that leave it where it is: targetless ones it declares (the
   * machine's own under `''`) and those that re-enter it. A chart lists them in the state.
   */
  readonly stays: ReadonlyMap<string, readonly TransitionEdge[]>;
  /** How many drawn edges, self-loops included, the chart would have without folding. */
  readonly unfoldedEdges: number;
}

/** The chart's edges with every self-loop folded into its state's list of stays. */
export function foldedChart(graph: MachineGraph): FoldedChart {
  const stays = new Map<string, TransitionEdge[]>();
  const stay = (state: string, transition: TransitionEdge) => {
    const list = stays.get(state) ?? [];
    if (!list.includes(transition)) list.push(transition);
    stays.set(state, list);
  };
  for (const t of graph.transitions) if (t.target === undefined) stay(t.source, t);
  const drawn = drawnEdges(graph, { loops: false });
  for (const edge of drawn) if (edge.from === edge.to) for (const t of edge.transitions) stay(edge.from, t);
  return {
    edges: drawn.filter((edge) => edge.from !== edge.to),
    stays,
    unfoldedEdges: drawnEdges(graph, { loops: true }).length,
  };
}
